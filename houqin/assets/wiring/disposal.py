"""Start-up registrations of the asset disposal area (处置 through approval by value)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


def _dispose_action(asset, user):
    """处置 on the card, for whoever may draw up a disposal."""
    from ..actions import AssetAction
    from ..permissions import can_dispose_asset

    if not can_dispose_asset(user, asset):
        return []
    url = reverse("assets:assetdisposal_create") + f"?asset={asset.pk}"
    return [AssetAction("dispose", gettext_lazy("处置"), url, "trash3", "outline-secondary", 90)]


def todo_disposals_to_submit(request):
    """My disposals back for changes (退回修改): change and submit again. One query."""
    from ..choices import DisposalStatus
    from ..models import AssetDisposal

    if not request.user.has_perm("assets.add_assetdisposal"):
        return []
    count = (
        AssetDisposal.objects.for_school(request.school)
        .filter(requested_by=request.user, status=DisposalStatus.RETURNED)
        .count()
    )
    if not count:
        return []
    from houqin.core.registry import TodoItem

    return [
        TodoItem(
            title=ngettext("%(count)d 份处置单被退回待修改", "%(count)d 份处置单被退回待修改", count)
            % {"count": count},
            url=reverse("assets:assetdisposal_list") + f"?status={DisposalStatus.RETURNED}",
            count=count,
            level="info",
            area=_("校产"),
        )
    ]


EXPORT_KEY = "assets.assetdisposal"


def _export_rows(school, user, params):
    from django.db.models import Count

    from ..forms.disposal import DisposalFilter
    from ..models import AssetDisposal

    queryset = (
        AssetDisposal.objects.for_school(school)
        .select_related("requested_by")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-pk")
    )
    return DisposalFilter(params or None, queryset=queryset, school=school).qs


def _export_spec():
    from houqin.core.excel import ExportColumn
    from houqin.core.exports import ExportSpec

    return ExportSpec(
        key=EXPORT_KEY,
        title=gettext_lazy("资产处置"),
        perm="assets.view_assetdisposal",
        columns=[
            ExportColumn(gettext_lazy("单号"), "number"),
            ExportColumn(gettext_lazy("处置方式"), "get_kind_display"),
            ExportColumn(gettext_lazy("状态"), "get_status_display"),
            ExportColumn(gettext_lazy("资产数"), "item_count"),
            ExportColumn(gettext_lazy("原值合计（元）"), "total_value"),
            ExportColumn(gettext_lazy("净值合计（元）"), "net_value"),
            ExportColumn(gettext_lazy("接收单位/买受人"), "counterparty"),
            ExportColumn(gettext_lazy("处置收入（元）"), "proceeds"),
            ExportColumn(gettext_lazy("处置理由"), "reason", width=40),
            ExportColumn(gettext_lazy("申请人"), "requested_by"),
            ExportColumn(gettext_lazy("提交时间"), "submitted_at"),
            ExportColumn(gettext_lazy("处置日期"), "disposed_on"),
        ],
        queryset=_export_rows,
    )


def ready() -> None:
    from houqin.approvals.choices import ApproverRule, StepKind
    from houqin.approvals.registry import StepSpec, register_document_type
    from houqin.core import audit
    from houqin.core import registry as core_registry
    from houqin.core.exports import register_export

    from .. import services
    from ..actions import register_asset_action

    # Approval by value (DOMAIN.md "Assets": disposal needs approval by value): the logistics
    # director checks, the principal approves; from 50,000 yuan a collective decision (三重一大).
    register_document_type(
        services.DISPOSAL_DOCUMENT,
        gettext_lazy("资产处置"),
        services.asset_disposal_on_decision,
        default_steps=(
            StepSpec(gettext_lazy("总务主任审核"), ApproverRule.ROLE, "logistics_director"),
            StepSpec(gettext_lazy("校长审批"), ApproverRule.ROLE, "principal"),
            StepSpec(
                gettext_lazy("集体决策（三重一大）"),
                ApproverRule.ROLE,
                "principal",
                Decimal(services.DISPOSAL_COLLECTIVE_FROM),
                kind=StepKind.COLLECTIVE,
            ),
        ),
    )
    audit.register_verbs(
        {
            "disposal_submitted": gettext_lazy("提交处置审批"),
            "disposed": gettext_lazy("已处置"),
        }
    )
    audit.register_change_labels(
        {
            "disposal": gettext_lazy("处置单"),
            "disposal_kind": gettext_lazy("处置方式"),
            "assets": gettext_lazy("资产"),
        }
    )
    core_registry.register_nav(
        core_registry.NavItem(
            gettext_lazy("校产"),
            gettext_lazy("资产处置"),
            "assets:assetdisposal_list",
            "assets.view_assetdisposal",
            "trash3",
            32,
        )
    )
    register_export(_export_spec())
    core_registry.register_todo(todo_disposals_to_submit)
    register_asset_action(_dispose_action)
