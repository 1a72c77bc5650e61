"""URLs of the stocktake's counting step (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path

from ..views import counting as views

urlpatterns = [
    path("locations/<int:pk>/", views.stocktakelocation_detail, name="stocktakelocation_detail"),
    path("locations/<int:pk>/count/", views.stocktakelocation_count, name="stocktakelocation_count"),
    path("locations/<int:pk>/surplus/", views.stocktakelocation_surplus, name="stocktakelocation_surplus"),
    path("locations/<int:pk>/finish/", views.stocktakelocation_finish, name="stocktakelocation_finish"),
    path("locations/<int:pk>/reopen/", views.stocktakelocation_reopen, name="stocktakelocation_reopen"),
    path("locations/<int:pk>/print/", views.stocktakelocation_print, name="stocktakelocation_print"),
    path("lines/<int:pk>/uncount/", views.stocktakeline_uncount, name="stocktakeline_uncount"),
    path("surpluses/<int:pk>/withdraw/", views.stocktakesurplus_withdraw, name="stocktakesurplus_withdraw"),
]
