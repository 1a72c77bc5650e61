"""URLs of the stocktake's plans step (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path

from ..views import plans as views

urlpatterns = [
    path("", views.stocktake_list, name="stocktake_list"),
    path("new/", views.stocktake_create, name="stocktake_create"),
    path("<int:pk>/", views.stocktake_detail, name="stocktake_detail"),
    path("<int:pk>/progress/", views.stocktake_progress, name="stocktake_progress"),
    path("<int:pk>/edit/", views.stocktake_update, name="stocktake_update"),
    path("<int:pk>/cancel/", views.stocktake_cancel, name="stocktake_cancel"),
    path("mine/", views.stocktakelocation_mine, name="stocktakelocation_mine"),
    path("locations/<int:pk>/assign/", views.stocktakelocation_assign, name="stocktakelocation_assign"),
]
