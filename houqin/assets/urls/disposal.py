"""URLs of the disposal area (``assets:assetdisposal_<action>``, ``<int:pk>`` only)."""

from django.urls import path

from ..views import disposal as views

urlpatterns = [
    path("disposals/", views.assetdisposal_list, name="assetdisposal_list"),
    path("disposals/new/", views.assetdisposal_create, name="assetdisposal_create"),
    path("disposals/<int:pk>/", views.assetdisposal_detail, name="assetdisposal_detail"),
    path("disposals/<int:pk>/edit/", views.assetdisposal_update, name="assetdisposal_update"),
    path("disposals/<int:pk>/submit/", views.assetdisposal_submit, name="assetdisposal_submit"),
    path("disposals/<int:pk>/cancel/", views.assetdisposal_cancel, name="assetdisposal_cancel"),
    path("disposals/<int:pk>/print/", views.assetdisposal_print, name="assetdisposal_print"),
]
