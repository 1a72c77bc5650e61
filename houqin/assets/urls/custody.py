"""URLs of custodianship (承包管理): ``assets:assetcustody_*``."""

from django.urls import path

from ..views import custody as views

urlpatterns = [
    path("custody/", views.assetcustody_list, name="assetcustody_list"),
    path("custody/new/", views.assetcustody_create, name="assetcustody_create"),
    path("custody/<int:pk>/", views.assetcustody_detail, name="assetcustody_detail"),
    path("custody/<int:pk>/edit/", views.assetcustody_update, name="assetcustody_update"),
    path("custody/<int:pk>/sign/", views.assetcustody_sign, name="assetcustody_sign"),
    path("custody/<int:pk>/return/", views.assetcustody_return, name="assetcustody_return"),
    path("custody/<int:pk>/print/", views.assetcustody_print, name="assetcustody_print"),
]
