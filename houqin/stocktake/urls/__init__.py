"""URLs of the stocktake, one list per step (``app:model_action``, ``<int:pk>`` only)."""

from . import adjustments, counting, plans, reports

app_name = "stocktake"
urlpatterns = [
    *plans.urlpatterns,
    *counting.urlpatterns,
    *reports.urlpatterns,
    *adjustments.urlpatterns,
]
