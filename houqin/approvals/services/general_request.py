"""事项申请 (GeneralRequest): a real document that uses the approval chain."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.services import model_create, model_update
from houqin.org.models import Department, Membership, School

from ..choices import (
    GENERAL_REQUEST_EDITABLE,
    GENERAL_REQUEST_TRANSITIONS,
    GeneralRequestStatus,
    Outcome,
)
from ..models import (
    ApprovalRequest,
    GeneralRequest,
)
from .policies import _money
from .runtime import approval_submit

# --- 事项申请 (GeneralRequest): a real document that uses the approval chain ----------------------


def _number(school: School) -> str:
    try:
        from houqin.core.numbering import next_number
    except ImportError:  # numbering not available yet: left blank
        return ""
    return next_number(school=school, key="approvals.generalrequest", prefix="SQ")


def _check_department(school: School, department) -> None:
    if department is not None and department.school_id != school.pk:
        raise ValidationError({"department": [_("部门不属于本校。")]})


@transaction.atomic
def general_request_create(
    *,
    actor,
    school: School,
    title: str,
    description: str = "",
    amount: Decimal | None = None,
    department: Department | None = None,
) -> GeneralRequest:
    if department is None:
        membership = Membership.objects.for_school(school).filter(user=actor).first()
        department = membership.department if membership else None
    _check_department(school, department)
    return model_create(
        model=GeneralRequest,
        actor=actor,
        data={
            "school": school,
            "number": _number(school),
            "title": title.strip(),
            "description": description,
            "amount": _money(amount),
            "requester": actor,
            "department": department,
        },
    )


def _lock_request(gr: GeneralRequest) -> GeneralRequest:
    return GeneralRequest.objects.select_for_update().get(pk=gr.pk)


@transaction.atomic
def general_request_update(*, actor, general_request: GeneralRequest, data: dict[str, Any]) -> GeneralRequest:
    gr = _lock_request(general_request)
    if gr.requester_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以修改。"))
    if gr.status not in GENERAL_REQUEST_EDITABLE:
        raise ValidationError(_("审批中或已办结的申请不能修改。"))
    _check_department(gr.school, data.get("department"))
    if "amount" in data:
        data = {**data, "amount": _money(data["amount"])}
    model_update(instance=gr, actor=actor, data=data, fields=["title", "description", "amount", "department"])
    return gr


@transaction.atomic
def general_request_submit(*, actor, general_request: GeneralRequest) -> GeneralRequest:
    gr = _lock_request(general_request)
    if gr.requester_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以提交。"))
    if GeneralRequestStatus.SUBMITTED not in GENERAL_REQUEST_TRANSITIONS[gr.status]:
        raise ValidationError(
            _("这份申请%(status)s，不能提交。") % {"status": GeneralRequestStatus(gr.status).label}
        )
    old = gr.status
    gr.status = GeneralRequestStatus.SUBMITTED
    gr.submitted_at = timezone.now()
    gr.updated_by = actor
    gr.save(update_fields=["status", "submitted_at", "updated_by", "updated_at"])
    approval_submit(
        actor=actor,
        school=gr.school,
        target=gr,
        document_type="general_request",
        title=str(gr),
        amount=gr.amount,
        department=gr.department,
    )
    audit.record(actor=actor, verb="updated", target=gr, changes={"status": [old, gr.status]})
    return gr


def general_request_on_decision(approval: ApprovalRequest, outcome: str) -> None:
    """事项申请 learns the approval's outcome (called by the approvals services, explicitly)."""
    gr = _lock_request(approval.target)
    new = {
        Outcome.APPROVED: GeneralRequestStatus.APPROVED,
        Outcome.REJECTED: GeneralRequestStatus.REJECTED,
        Outcome.RETURNED: GeneralRequestStatus.RETURNED,
        Outcome.WITHDRAWN: GeneralRequestStatus.WITHDRAWN,
    }[outcome]
    if new not in GENERAL_REQUEST_TRANSITIONS[gr.status]:
        raise ValidationError(_("申请状态已变化，请刷新后再试。"))
    old = gr.status
    gr.status = new
    gr.updated_by = approval.decided_by
    gr.save(update_fields=["status", "updated_by", "updated_at"])
    audit.record(actor=approval.decided_by, verb="updated", target=gr, changes={"status": [old, new]})
    approval.target = gr
