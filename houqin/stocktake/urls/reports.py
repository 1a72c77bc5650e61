"""URLs of the stocktake's reconciliation and reports (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path

from ..views import reports as views

urlpatterns = [
    path("<int:pk>/close/", views.stocktake_close, name="stocktake_close"),
    path("<int:pk>/reopen/", views.stocktake_reopen, name="stocktake_reopen"),
    path("<int:pk>/reconcile-status/", views.stocktake_reconcilestatus, name="stocktake_reconcilestatus"),
    path("<int:pk>/results/", views.stocktake_results, name="stocktake_results"),
    path("<int:pk>/report/", views.stocktake_report, name="stocktake_report"),
]
