"""Shared helpers for the approvals tests."""

from __future__ import annotations

from decimal import Decimal

from houqin.approvals import services
from houqin.approvals.models import ApprovalRequest


def submit(world, amount, *, actor=None, title="购买投影仪"):
    """A 事项申请 of ``amount`` yuan by the teacher (department 总务处, head: the logistics director)."""
    actor = actor or world.user("teacher")
    gr = services.general_request_create(
        actor=actor,
        school=world.school,
        title=title,
        amount=Decimal(amount) if amount is not None else None,
        department=world.department,
    )
    services.general_request_submit(actor=actor, general_request=gr)
    gr.refresh_from_db()
    return gr, ApprovalRequest.objects.get(target_id=gr.pk, document_type="general_request")


def fresh(obj):
    obj.refresh_from_db()
    return obj


def step_names(approval):
    return [s.name for s in approval.steps.filter(round=approval.round).order_by("order")]


def approve(world, approval, role, **kwargs):
    approval = fresh(approval)
    return services.approval_approve(
        actor=world.user(role), approval=approval, version=approval.version, **kwargs
    )
