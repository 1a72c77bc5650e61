"""Reports, labels, scanning and the printable card of the asset ledger."""

from django.urls import path

from ..views import labels, reports

urlpatterns = [
    path("reports/summary/", reports.asset_summary, name="asset_summary"),
    path("reports/changes/", reports.asset_changes, name="asset_changes"),
    path("reports/idle/", reports.asset_idle, name="asset_idle"),
    path("reports/utilisation/", reports.asset_utilisation, name="asset_utilisation"),
    path("labels/", labels.asset_labels, name="asset_labels"),
    path("scan/", labels.asset_scan, name="asset_scan"),
    path("<int:pk>/print/", labels.asset_print, name="asset_print"),
]
