"""What the stocktake registers at start-up: notification kinds, navigation, audit verbs, to-dos,
reminders, exports and the stocktake-adjustment approval document type."""

from __future__ import annotations

from django.utils.translation import gettext_lazy


def ready() -> None:
    from houqin.core import audit
    from houqin.core import registry as core_registry
    from houqin.notify.registry import register_kind

    from .. import services

    register_kind(services.NOTIFY_ASSIGNED, gettext_lazy("盘点任务"))
    core_registry.register_nav(
        core_registry.NavItem(
            gettext_lazy("校产"),
            gettext_lazy("盘点"),
            "stocktake:stocktake_list",
            "stocktake.view_stocktake",
            "clipboard-check",
            40,
        ),
        core_registry.NavItem(
            gettext_lazy("校产"),
            gettext_lazy("我的盘点"),
            "stocktake:stocktakelocation_mine",
            "stocktake.view_stocktakelocation",
            "upc-scan",
            41,
        ),
    )
    audit.register_verbs(
        {
            "reconciled": gettext_lazy("完成对账"),
            "count_withdrawn": gettext_lazy("撤销盘点结果"),
            "surplus_found": gettext_lazy("登记盘盈物品"),
            "surplus_withdrawn": gettext_lazy("撤销盘盈物品"),
            "location_finished": gettext_lazy("位置盘点完成"),
            "location_reopened": gettext_lazy("位置重新盘点"),
        }
    )
    audit.register_change_labels(
        {
            "expected_count": gettext_lazy("应盘卡片数"),
            "expected_value": gettext_lazy("应盘原值"),
            "locations": gettext_lazy("盘点位置数"),
            "counter": gettext_lazy("盘点人"),
            "location": gettext_lazy("位置"),
            "counted": gettext_lazy("已盘"),
            "asset": gettext_lazy("资产"),
            "surplus": gettext_lazy("盘盈物品"),
            "missing": gettext_lazy("盘亏"),
            "misplaced": gettext_lazy("位置不符"),
        }
    )
