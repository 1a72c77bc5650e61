"""Start-up registrations of custodianship (承包管理): menu, the signer's to-do, the signature rule,
audit verbs and the notification kind."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from houqin.core.registry import TodoItem


def todo_custodies_to_sign(request) -> list[TodoItem]:
    """承包清单待我签字 (head teachers, heads of offices): one query."""
    from ..services.custody import custodies_waiting_for_signature

    if not request.user.has_perm("assets.view_assetcustody"):
        return []
    count = custodies_waiting_for_signature(request.user, request.school).count()
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 份财产承包清单待我签字", "%(count)d 份财产承包清单待我签字", count)
            % {"count": count},
            url=reverse("assets:assetcustody_list") + "?tab=mine&status=draft",
            count=count,
            level="warning",
            area=_("校产"),
        )
    ]


def _can_sign(user, custody) -> bool:
    """A signature on a custodianship sheet is the responsible person's, while it waits for it."""
    from ..permissions import can_sign_custody

    return bool(can_sign_custody(user, custody))


def ready() -> None:
    from houqin.core import audit
    from houqin.core import registry as core_registry
    from houqin.core.attachments import register_attachment_rule
    from houqin.notify.registry import register_kind

    from ..models import AssetCustody

    audit.register_verbs(
        {
            "custody_signed": gettext_lazy("承包签字"),
            "custody_returned": gettext_lazy("承包交回验收"),
            "custody_items_updated": gettext_lazy("修改承包清单"),
        }
    )
    audit.register_change_labels(
        {
            "custody": gettext_lazy("承包单"),
            "holder": gettext_lazy("承包方"),
            "condition": gettext_lazy("状况（接收 → 交回）"),
            "damaged_items": gettext_lazy("损坏或缺失"),
            "added": gettext_lazy("新增物品"),
            "removed": gettext_lazy("删除物品"),
            "changed": gettext_lazy("修改物品"),
        }
    )
    register_kind("assets.custody", gettext_lazy("承包管理"), default_channels=("app",))
    register_attachment_rule(AssetCustody, can_sign=_can_sign)
    core_registry.register_nav(
        core_registry.NavItem(
            gettext_lazy("校产"),
            gettext_lazy("承包管理"),
            "assets:assetcustody_list",
            "assets.view_assetcustody",
            "clipboard-check",
            24,
        )
    )
    core_registry.register_todo(todo_custodies_to_sign)
