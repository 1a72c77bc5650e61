"""Start-up registrations of the asset damage area (损坏, 谁损坏谁赔偿)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


def _report_action(asset, user):
    """报告损坏 on the card (and the page a scanned label opens): anyone on the staff, not disposed."""
    from ..actions import AssetAction
    from ..permissions import can_report_damage

    if not can_report_damage(user, asset):
        return []
    url = reverse("assets:assetdamage_create") + f"?asset={asset.pk}"
    return [
        AssetAction(
            "report_damage", gettext_lazy("报告损坏"), url, "exclamation-triangle", "outline-danger", 40
        )
    ]


def todo_damage_to_assess(request):
    """待认定的损坏 — for whoever judges damage (the asset clerk, the logistics director). One query."""
    from ..choices import DamageStatus
    from ..models import AssetDamage

    if not request.user.has_perm("assets.change_assetdamage"):
        return []
    count = AssetDamage.objects.for_school(request.school).filter(status=DamageStatus.REPORTED).count()
    if not count:
        return []
    from houqin.core.registry import TodoItem

    return [
        TodoItem(
            title=ngettext("%(count)d 份损坏报告待认定", "%(count)d 份损坏报告待认定", count)
            % {"count": count},
            url=reverse("assets:assetdamage_list") + f"?status={DamageStatus.REPORTED}",
            count=count,
            level="warning",
            area=_("校产"),
        )
    ]


def todo_compensation_due(request):
    """待赔偿 — damage I (or my class) answer for and have not paid yet. One query."""
    from django.db.models import Q

    from ..choices import DamageStatus
    from ..models import AssetDamage

    if not request.user.has_perm("assets.view_assetdamage"):
        return []
    user = request.user
    count = (
        AssetDamage.objects.for_school(request.school)
        .filter(status=DamageStatus.COMPENSATION_DUE)
        .filter(Q(responsible_user=user) | Q(responsible_class__head_teacher=user))
        .count()
    )
    if not count:
        return []
    from houqin.core.registry import TodoItem

    return [
        TodoItem(
            title=ngettext("%(count)d 项损坏待赔偿", "%(count)d 项损坏待赔偿", count) % {"count": count},
            url=reverse("assets:assetdamage_list") + f"?status={DamageStatus.COMPENSATION_DUE}&mine=1",
            count=count,
            level="warning",
            area=_("校产"),
        )
    ]


EXPORT_KEY = "assets.assetdamage"


def _export_rows(school, user, params):
    from ..forms.damage import DamageFilter
    from ..permissions import damages_visible_to

    queryset = (
        damages_visible_to(user, school)
        .select_related("asset", "reported_by", "responsible_user", "responsible_class")
        .order_by("-created_at", "-pk")
    )
    return DamageFilter(params or None, queryset=queryset, school=school, user=user).qs


def _export_spec():
    from houqin.core.excel import ExportColumn
    from houqin.core.exports import ExportSpec

    return ExportSpec(
        key=EXPORT_KEY,
        title=gettext_lazy("损坏赔偿登记"),
        perm="assets.view_assetdamage",
        columns=[
            ExportColumn(gettext_lazy("单号"), "number"),
            ExportColumn(gettext_lazy("资产编号"), "asset.code"),
            ExportColumn(gettext_lazy("资产名称"), "asset.name"),
            ExportColumn(gettext_lazy("损坏情况"), "description", width=40),
            ExportColumn(gettext_lazy("发现日期"), "occurred_on"),
            ExportColumn(gettext_lazy("报告人"), "reported_by"),
            ExportColumn(gettext_lazy("状态"), "get_status_display"),
            ExportColumn(gettext_lazy("损坏原因"), "get_cause_display"),
            ExportColumn(gettext_lazy("责任人（教职工）"), "responsible_user"),
            ExportColumn(gettext_lazy("责任班级"), "responsible_class"),
            ExportColumn(gettext_lazy("责任人姓名"), "responsible_name"),
            ExportColumn(gettext_lazy("赔偿金额（元）"), "compensation_amount"),
            ExportColumn(gettext_lazy("收据号"), "receipt_number"),
            ExportColumn(gettext_lazy("减免理由"), "waiver_reason"),
            ExportColumn(gettext_lazy("维修单"), "repair_reference"),
        ],
        queryset=_export_rows,
    )


def ready() -> None:
    from houqin.approvals.choices import ApproverRule
    from houqin.approvals.registry import StepSpec, register_document_type
    from houqin.core import audit
    from houqin.core import registry as core_registry
    from houqin.core.attachments import register_attachment_rule
    from houqin.core.exports import register_export

    from .. import permissions, services
    from ..actions import register_asset_action
    from ..models import AssetDamage

    register_document_type(
        services.DAMAGE_WAIVER_DOCUMENT,
        gettext_lazy("赔偿减免"),
        services.asset_damage_waiver_on_decision,
        default_steps=(
            StepSpec(gettext_lazy("总务主任审核"), ApproverRule.ROLE, "logistics_director"),
            StepSpec(gettext_lazy("校长审批"), ApproverRule.ROLE, "principal"),
        ),
    )
    try:
        from houqin.notify.registry import register_kind
    except ImportError:  # pragma: no cover - notify not installed
        pass
    else:
        register_kind("assets.damage", gettext_lazy("资产损坏报告"))
        register_kind("assets.compensation", gettext_lazy("损坏赔偿"))
    register_attachment_rule(
        AssetDamage,
        can_view=lambda user, damage: permissions.can_view_damage(user, damage),
        can_change=lambda user, damage: permissions.can_change_damage_photos(user, damage),
    )
    audit.register_verbs(
        {
            "damage_reported": gettext_lazy("报告损坏"),
            "damage_assessed": gettext_lazy("认定损坏原因"),
            "sent_to_repair": gettext_lazy("转维修"),
            "repair_requested": gettext_lazy("转维修（待报修）"),
            "repair_linked": gettext_lazy("关联报修单"),
            "repaired": gettext_lazy("维修完成"),
            "damage_compensated": gettext_lazy("已收赔偿"),
            "waiver_requested": gettext_lazy("申请赔偿减免"),
            "damage_waived": gettext_lazy("赔偿已减免"),
            "waiver_refused": gettext_lazy("减免未通过，恢复待赔偿"),
        }
    )
    audit.register_change_labels(
        {
            "damage": gettext_lazy("损坏报告"),
            "cause": gettext_lazy("损坏原因"),
            "responsible": gettext_lazy("责任方"),
            "compensation_amount": gettext_lazy("赔偿金额（元）"),
            "repair_reference": gettext_lazy("维修单"),
        }
    )
    core_registry.register_nav(
        core_registry.NavItem(
            gettext_lazy("校产"),
            gettext_lazy("损坏报告"),
            "assets:assetdamage_list",
            "assets.view_assetdamage",
            "exclamation-triangle",
            30,
        )
    )
    register_export(_export_spec())
    core_registry.register_todo(todo_damage_to_assess)
    core_registry.register_todo(todo_compensation_due)
    register_asset_action(_report_action)
