from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("campuses", views.CampusViewSet, basename="org-campus")
router.register("locations", views.LocationViewSet, basename="org-location")
router.register("departments", views.DepartmentViewSet, basename="org-department")
router.register("classes", views.SchoolClassViewSet, basename="org-schoolclass")
router.register("staff", views.MembershipViewSet, basename="org-membership")
router.register("roles", views.RoleViewSet, basename="org-role")

urlpatterns = router.urls
