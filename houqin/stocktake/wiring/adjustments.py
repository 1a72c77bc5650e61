"""Start-up registrations of the stocktake's adjustments step: the stocktake-adjustment approval
(盘点差异调整), its audit verbs and the managers' to-do for plans waiting for their adjustments."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext


def todo_adjustments_waiting(request):
    """Plans reconciled (待处理差异, or returned by the approvers): check the proposals and submit
    them, or close the plan. One query, for whoever runs stocktakes."""
    from houqin.core.registry import TodoItem

    from ..choices import StocktakeStatus
    from ..models import Stocktake

    if not request.user.has_perm("stocktake.change_stocktake"):
        return []
    count = Stocktake.objects.for_school(request.school).filter(status=StocktakeStatus.RECONCILED).count()
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 次盘点待处理差异", "%(count)d 次盘点待处理差异", count)
            % {"count": count},
            url=reverse("stocktake:stocktake_list") + f"?status={StocktakeStatus.RECONCILED}",
            count=count,
            level="warning",
            area=_("校产"),
        )
    ]


def ready() -> None:
    from houqin.approvals.choices import ApproverRule
    from houqin.approvals.registry import StepSpec, register_document_type
    from houqin.core import audit
    from houqin.core import registry as core_registry

    from .. import services
    from ..choices import AdjustmentKind

    # DOMAIN.md "Stocktake": surplus and loss go through approval before the books change; the
    # logistics director checks, the principal approves (amount: the losses).
    register_document_type(
        services.ADJUSTMENT_DOCUMENT,
        gettext_lazy("盘点差异调整"),
        services.stocktake_adjustment_on_decision,
        default_steps=(
            StepSpec(gettext_lazy("总务主任审核"), ApproverRule.ROLE, "logistics_director"),
            StepSpec(gettext_lazy("校长审批"), ApproverRule.ROLE, "principal"),
        ),
    )
    audit.register_verbs(
        {
            "adjustment_changed": gettext_lazy("修改盘点调整"),
            "adjustments_submitted": gettext_lazy("提交差异审批"),
            "adjusted": gettext_lazy("差异已调账，盘点结账"),
            "stocktake_closed": gettext_lazy("结账（帐物相符）"),
            "stocktake_adjusted": gettext_lazy("盘点调账"),
            "registered_from_stocktake": gettext_lazy("盘盈入账"),
        }
    )
    audit.register_change_labels(
        {
            "adjustment": gettext_lazy("盘点调整"),
            "adjustments": gettext_lazy("调整项数"),
            "include": gettext_lazy("纳入调整"),
            "to_location": gettext_lazy("调整到位置"),
            "new_quantity": gettext_lazy("调整后数量"),
            "loss_amount": gettext_lazy("盘亏金额"),
            "result": gettext_lazy("结果"),
            "approval": gettext_lazy("审批"),
            "reference": gettext_lazy("依据单据"),
            "stocktake": gettext_lazy("盘点"),
            **{f"adjust_{kind.value}": kind.label for kind in AdjustmentKind},
        }
    )
    core_registry.register_todo(todo_adjustments_waiting)
