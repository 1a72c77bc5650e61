"""URLs of transfers (调配): ``assets:assettransfer_*``."""

from django.urls import path

from ..views import transfers as views

urlpatterns = [
    path("transfers/", views.assettransfer_list, name="assettransfer_list"),
    path("transfers/new/", views.assettransfer_create, name="assettransfer_create"),
    path("transfers/asset-search/", views.assettransfer_assetsearch, name="assettransfer_assetsearch"),
    path("transfers/<int:pk>/", views.assettransfer_detail, name="assettransfer_detail"),
    path("transfers/<int:pk>/confirm/", views.assettransfer_confirm, name="assettransfer_confirm"),
    path("transfers/<int:pk>/reject/", views.assettransfer_reject, name="assettransfer_reject"),
    path("transfers/<int:pk>/cancel/", views.assettransfer_cancel, name="assettransfer_cancel"),
]
