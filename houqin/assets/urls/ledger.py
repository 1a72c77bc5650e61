"""URLs of the ledger: cards, categories, custom fields, settings, Excel import."""

from django.urls import path

from .. import import_views
from ..views import ledger

urlpatterns = [
    path("", ledger.asset_list, name="asset_list"),
    path("add/", ledger.asset_create, name="asset_create"),
    path("form-fields/", ledger.asset_form_fields, name="asset_form_fields"),
    path("import/", import_views.asset_import, name="asset_import"),
    path("import/template.xlsx", import_views.asset_import_template, name="asset_import_template"),
    path("<int:pk>/", ledger.asset_detail, name="asset_detail"),
    path("<int:pk>/edit/", ledger.asset_update, name="asset_update"),
    path("<int:pk>/status/", ledger.asset_status, name="asset_status"),
    path("categories/", ledger.assetcategory_list, name="assetcategory_list"),
    path("categories/add/", ledger.assetcategory_create, name="assetcategory_create"),
    path("categories/<int:pk>/", ledger.assetcategory_detail, name="assetcategory_detail"),
    path("categories/<int:pk>/edit/", ledger.assetcategory_update, name="assetcategory_update"),
    path("custom-fields/add/", ledger.assetcustomfield_create, name="assetcustomfield_create"),
    path("custom-fields/<int:pk>/edit/", ledger.assetcustomfield_update, name="assetcustomfield_update"),
    path("settings/", ledger.assetsettings_update, name="assetsettings_update"),
]
