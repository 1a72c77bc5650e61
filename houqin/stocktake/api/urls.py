"""API of the stocktake: each step registers its view sets (basename ``stocktake-<model>``)."""

from rest_framework.routers import SimpleRouter

from . import adjustments, counting, plans, reports

router = SimpleRouter()
for area in (plans, counting, reports, adjustments):
    area.register(router)

urlpatterns = router.urls
