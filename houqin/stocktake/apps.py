from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StocktakeConfig(AppConfig):
    name = "houqin.stocktake"
    label = "stocktake"
    verbose_name = _("盘点")

    def ready(self) -> None:
        from houqin.core.permissions import register_app_label
        from houqin.org.roles import DEFAULT_ROLES, register_grants

        from . import wiring

        register_app_label(self.label)
        # Everyone on the staff may be a counter (custodians and head teachers count their rooms):
        # "view_stocktakelocation" opens 我的盘点, and the object rules (permissions.py) show each
        # counter only the locations assigned to them. The asset clerk and the logistics director
        # run the plans; the principal, finance and the school admin read them.
        register_grants({spec.code: ["stocktake.view_stocktakelocation"] for spec in DEFAULT_ROLES})
        register_grants(
            {
                "asset_clerk": ["stocktake.*"],
                "logistics_director": ["stocktake.*"],
                "principal": ["stocktake.view_*"],
                "finance": ["stocktake.view_*"],
                "school_admin": ["stocktake.view_*"],
            }
        )
        wiring.ready()
