"""URLs of the stocktake's adjustments step (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path

from ..views import adjustments as views

urlpatterns = [
    path("<int:pk>/adjustments/", views.stocktake_adjustments, name="stocktake_adjustments"),
    path(
        "<int:pk>/adjustments/summary/",
        views.stocktake_adjustmentsummary,
        name="stocktake_adjustmentsummary",
    ),
    path("<int:pk>/submit/", views.stocktake_submit, name="stocktake_submit"),
    path("adjustments/<int:pk>/toggle/", views.stocktakeadjustment_toggle, name="stocktakeadjustment_toggle"),
    path("adjustments/<int:pk>/edit/", views.stocktakeadjustment_update, name="stocktakeadjustment_update"),
]
