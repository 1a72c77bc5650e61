"""Start-up registrations of the asset reports area: menu entries, report exports, and the
"print card" / "print label" buttons on the asset page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def print_actions(asset, user) -> list:
    from houqin.core.permissions import in_current_school

    from ..actions import AssetAction

    if not (user.has_perm("assets.view_asset") and in_current_school(user, asset)):
        return []
    return [
        AssetAction(
            "print_card",
            _("打印卡片"),
            reverse("assets:asset_print", args=[asset.pk]),
            icon="printer",
            style="outline-secondary",
            order=90,
        ),
        AssetAction(
            "print_label",
            _("打印标签"),
            reverse("assets:asset_labels") + f"?ids={asset.pk}",
            icon="qr-code",
            style="outline-secondary",
            order=91,
        ),
    ]


def ready() -> None:
    from houqin.core.exports import register_export
    from houqin.core.registry import NavItem, register_nav

    from .. import reports
    from ..actions import register_asset_action

    section = _("校产")
    register_nav(
        NavItem(section, _("资产汇总表"), "assets:asset_summary", "assets.view_asset", "table", 30),
        NavItem(section, _("资产增减表"), "assets:asset_changes", "assets.view_asset", "arrow-down-up", 31),
        NavItem(section, _("闲置设备"), "assets:asset_idle", "assets.view_asset", "hourglass-split", 32),
        NavItem(section, _("设备使用率"), "assets:asset_utilisation", "assets.view_asset", "bar-chart", 33),
        NavItem(section, _("扫码查资产"), "assets:asset_scan", "assets.view_asset", "qr-code-scan", 34),
    )
    for spec in reports.export_specs():
        register_export(spec)
    register_asset_action(print_actions)
