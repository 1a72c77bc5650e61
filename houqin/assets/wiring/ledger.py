"""Start-up registrations of the ledger: menu, global search, the Excel export, the card's
"edit" and "status" buttons, and the labels of the ledger's audit verbs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def search_assets(request, query, limit):
    """资产: by code (exact or prefix), serial number, name, pinyin initials or full pinyin."""
    from ..choices import AssetStatus
    from ..models import Asset

    qs = (
        Asset.objects.for_school(request.school)
        .search(query)
        .select_related("location")
        .order_by("-acquired_on", "-pk")[:limit]
    )
    return [_search_result(asset, AssetStatus) for asset in qs]


def _search_result(asset, statuses):
    from houqin.core.registry import SearchResult

    parts = [asset.code, asset.location.full_name if asset.location else ""]
    if asset.status == statuses.DISPOSED:
        parts.append(str(statuses.DISPOSED.label))
    return SearchResult(
        title=asset.name, subtitle=" · ".join(p for p in parts if p), url=asset.get_absolute_url()
    )


def ledger_actions(asset, user):
    """The card's own buttons: edit it, change its status by hand (not once disposed)."""
    from ..actions import AssetAction
    from ..permissions import can_edit_asset

    if not can_edit_asset(user, asset):
        return []
    return [
        AssetAction(
            "edit",
            _("编辑卡片"),
            reverse("assets:asset_update", args=[asset.pk]),
            icon="pencil",
            style="outline-secondary",
            order=80,
        ),
        AssetAction(
            "status",
            _("变更状态"),
            reverse("assets:asset_status", args=[asset.pk]),
            icon="arrow-repeat",
            style="outline-secondary",
            order=85,
        ),
    ]


def ready() -> None:
    from houqin.core import audit, registry

    from .. import exports  # noqa: F401  (registers the "assets.asset" export)
    from ..actions import register_asset_action

    registry.register_nav(
        registry.NavItem(_("校产"), _("资产台账"), "assets:asset_list", "assets.view_asset", "box-seam", 20),
        registry.NavItem(
            _("校产"),
            _("资产分类"),
            "assets:assetcategory_list",
            "assets.view_assetcategory",
            "diagram-3",
            38,
        ),
        registry.NavItem(
            _("校产"),
            _("资产设置"),
            "assets:assetsettings_update",
            "assets.change_assetsettings",
            "sliders",
            39,
        ),
    )
    registry.register_search(label=_("资产"), provider=search_assets, perm="assets.view_asset")
    register_asset_action(ledger_actions)
    audit.register_change_labels({"custom_fields": _("自定义字段")})
