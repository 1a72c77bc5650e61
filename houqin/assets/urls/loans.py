"""URLs of borrowing (借用): ``assets:assetloan_*`` and the asset's booking calendar."""

from django.urls import path

from ..views import loans as views

urlpatterns = [
    path("loans/", views.assetloan_list, name="assetloan_list"),
    path("loans/new/", views.assetloan_create, name="assetloan_create"),
    path("loans/bookable/", views.assetloan_bookable, name="assetloan_bookable"),
    path("loans/<int:pk>/", views.assetloan_detail, name="assetloan_detail"),
    path("loans/<int:pk>/lend/", views.assetloan_lend, name="assetloan_lend"),
    path("loans/<int:pk>/return/", views.assetloan_return, name="assetloan_return"),
    path("loans/<int:pk>/cancel/", views.assetloan_cancel, name="assetloan_cancel"),
    path("<int:pk>/calendar/", views.asset_calendar, name="asset_calendar"),
]
