from django.urls import path
from rest_framework.routers import SimpleRouter

from . import attachments, views

router = SimpleRouter()
router.register("audit-events", views.AuditEventViewSet, basename="core-auditevent")
router.register("attachments", attachments.AttachmentViewSet, basename="core-attachment")

urlpatterns = [path("me/", views.me, name="me"), *router.urls]
