"""URLs of the damage area (``assets:assetdamage_<action>``, ``<int:pk>`` only)."""

from django.urls import path

from ..views import damage as views

urlpatterns = [
    path("damage/", views.assetdamage_list, name="assetdamage_list"),
    path("damage/report/", views.assetdamage_create, name="assetdamage_create"),
    path("damage/<int:pk>/", views.assetdamage_detail, name="assetdamage_detail"),
    path("damage/<int:pk>/assess/", views.assetdamage_assess, name="assetdamage_assess"),
    path("damage/<int:pk>/settle/", views.assetdamage_settle, name="assetdamage_settle"),
    path("damage/<int:pk>/waive/", views.assetdamage_waive, name="assetdamage_waive"),
]
