from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "houqin.assets"
    label = "assets"
    verbose_name = _("校产")

    def ready(self) -> None:
        from houqin.core import audit
        from houqin.core import registry as core_registry
        from houqin.core.permissions import register_app_label
        from houqin.org.roles import DEFAULT_ROLES, register_grants

        from . import services
        from .wiring import WIRING

        register_app_label(self.label)
        # Everyone on the staff looks an asset up (a scanned label), borrows, books and reports
        # damage; confirming a transfer or signing a custodianship sheet is an object rule
        # (permissions.py). The asset clerk and the logistics director keep the books.
        staff = [
            "assets.view_asset",
            "assets.view_assetcategory",
            "assets.view_assetloan",
            "assets.add_assetloan",
            "assets.view_assetdamage",
            "assets.add_assetdamage",
            "assets.view_assettransfer",
            "assets.view_assetcustody",
        ]
        register_grants({spec.code: list(staff) for spec in DEFAULT_ROLES})
        register_grants(
            {
                "asset_clerk": ["assets.*"],
                "logistics_director": ["assets.*"],
                "school_admin": [
                    "assets.view_*",
                    "assets.change_assetsettings",
                    "assets.add_assetcategory",
                    "assets.change_assetcategory",
                    "assets.add_assetcustomfield",
                    "assets.change_assetcustomfield",
                ],
                "principal": ["assets.view_*"],
                "finance": ["assets.view_*"],
                "school_affairs": ["assets.view_*", "assets.add_asset"],
                "head_teacher": ["assets.add_assetcustody"],
            }
        )
        core_registry.register_school_setup(services.asset_categories_seed)
        audit.register_verbs(
            {
                "imported": _("从 Excel 导入"),
                "registered_from_acceptance": _("采购验收入账"),
                "status_changed": _("状态变更"),
            }
        )
        audit.register_change_labels({"reason": _("原因")})
        for module in WIRING:
            module.ready()
