"""Excel import of asset cards (登记造册 from a typical Chinese asset system's export).

The page and the template download are the shared ones of ``houqin/org/import_views.py``: the whole
file is checked first, every error is listed at once, and nothing is imported until it is clean.
"""

from __future__ import annotations

from houqin.org.import_views import ImportPage, import_view, template_view

from .imports import AssetImporter

ASSETS = ImportPage(AssetImporter, "assets.add_asset", "assets:asset_list", "assets:asset_import_template")

asset_import = import_view(ASSETS, "asset_import")
asset_import_template = template_view(ASSETS, "asset_import_template")
