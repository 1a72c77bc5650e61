"""URLs of the asset ledger, one list per sub-area (``app:model_action``, ``<int:pk>`` only)."""

from . import custody, damage, disposal, ledger, loans, reports, transfers

app_name = "assets"
urlpatterns = [
    *ledger.urlpatterns,
    *transfers.urlpatterns,
    *custody.urlpatterns,
    *loans.urlpatterns,
    *damage.urlpatterns,
    *disposal.urlpatterns,
    *reports.urlpatterns,
]
