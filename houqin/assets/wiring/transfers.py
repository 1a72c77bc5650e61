"""Start-up registrations of transfers (调配): menu, the receiver's to-do, the asset page's button,
audit verbs and the notification kind."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from houqin.core.registry import TodoItem


def todo_transfers_to_confirm(request) -> list[TodoItem]:
    """待我确认的调配: the receiving custodian confirms (one query)."""
    from ..services.transfers import transfers_waiting_for

    if not request.user.has_perm("assets.view_assettransfer"):
        return []
    count = transfers_waiting_for(request.user, request.school).count()
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 项调配待我确认", "%(count)d 项调配待我确认", count) % {"count": count},
            url=reverse("assets:assettransfer_list") + "?tab=waiting",
            count=count,
            level="warning",
            area=_("校产"),
        )
    ]


def asset_transfer_actions(asset, user):
    """调配 on the asset page: for those who may start a transfer, when the card is in the books and
    not already waiting in a pending transfer."""
    from ..actions import AssetAction
    from ..permissions import can_transfer_asset

    if not can_transfer_asset(user, asset):
        return []
    return [
        AssetAction(
            "transfer",
            _("调配"),
            reverse("assets:assettransfer_create") + f"?asset={asset.pk}",
            "arrow-left-right",
            "outline-primary",
            30,
        )
    ]


def ready() -> None:
    from houqin.core import audit
    from houqin.core import registry as core_registry
    from houqin.notify.registry import register_kind

    from ..actions import register_asset_action

    audit.register_verbs(
        {
            "transferred": gettext_lazy("调配"),
            "transfer_confirmed": gettext_lazy("确认接收调配"),
            "transfer_rejected": gettext_lazy("拒收调配"),
            "transfer_cancelled": gettext_lazy("撤销调配"),
        }
    )
    audit.register_change_labels({"transfer": gettext_lazy("调配单")})
    register_kind("assets.transfer", gettext_lazy("资产调配"), default_channels=("app",))
    core_registry.register_nav(
        core_registry.NavItem(
            gettext_lazy("校产"),
            gettext_lazy("资产调配"),
            "assets:assettransfer_list",
            "assets.view_assettransfer",
            "arrow-left-right",
            23,
        )
    )
    core_registry.register_todo(todo_transfers_to_confirm)
    register_asset_action(asset_transfer_actions)
