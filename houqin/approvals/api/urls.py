from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("approvals", views.ApprovalRequestViewSet, basename="approvals-approvalrequest")

urlpatterns = router.urls
