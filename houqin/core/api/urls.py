from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("audit-events", views.AuditEventViewSet, basename="core-auditevent")

urlpatterns = [path("me/", views.me, name="me"), *router.urls]
