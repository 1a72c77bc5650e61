"""Object rules of approvals (DESIGN.md rule 3). Views and the API ask these; templates never decide.

* the requester may withdraw before the first decision, and edit a returned / withdrawn request;
* the approvers of the current step — or whoever stands in for them today (代理审批) — may decide;
* anyone involved (requester, approvers, delegates) may read and comment;
* the principal and the school admin read every approval of the school (``view_all_approvalrequest``).
"""

from __future__ import annotations

import rules

from houqin.core.permissions import in_current_school, is_read_only, role_perm

from .choices import DECIDED_TASK, GENERAL_REQUEST_EDITABLE, ApprovalStatus, TaskStatus

sees_all = role_perm("approvals.view_all_approvalrequest")
manages_policies = role_perm("approvals.change_approvalpolicy")


@rules.predicate
def is_requester(user, approval) -> bool:
    return approval is not None and approval.requester_id == user.pk


@rules.predicate
def is_current_approver(user, approval) -> bool:
    """An approver of the current step with a task still open, in person or as today's delegate."""
    if approval is None or approval.status != ApprovalStatus.PENDING or approval.current_step_id is None:
        return False
    from .models import ApprovalDelegation, ApprovalTask

    approvers = set(
        ApprovalTask.objects.filter(step_id=approval.current_step_id, status=TaskStatus.PENDING).values_list(
            "approver_id", flat=True
        )
    )
    if user.pk in approvers:
        return True
    standing_in = set(
        ApprovalDelegation.objects.filter(school_id=approval.school_id)
        .delegators_of(user)
        .values_list("delegator_id", flat=True)
    )
    return bool(approvers & standing_in)


@rules.predicate
def is_involved(user, approval) -> bool:
    if approval is None:
        return False
    from .services import is_involved as involved

    return involved(approval, user)


@rules.predicate
def before_first_decision(user, approval) -> bool:
    return (
        approval is not None
        and approval.status == ApprovalStatus.PENDING
        and not approval.tasks.filter(step__round=approval.round, status__in=DECIDED_TASK).exists()
    )


can_view = in_current_school & (sees_all | is_involved)
can_decide = in_current_school & ~is_read_only & is_current_approver
can_withdraw = in_current_school & ~is_read_only & is_requester & before_first_decision
can_comment = in_current_school & ~is_read_only & is_involved


@rules.predicate
def owns_request(user, general_request) -> bool:
    return general_request is not None and general_request.requester_id == user.pk


@rules.predicate
def request_editable(user, general_request) -> bool:
    return general_request is not None and general_request.status in GENERAL_REQUEST_EDITABLE


can_edit_general_request = in_current_school & ~is_read_only & owns_request & request_editable
can_submit_general_request = can_edit_general_request


@rules.predicate
def owns_delegation(user, delegation) -> bool:
    return delegation is not None and delegation.delegator_id == user.pk


can_cancel_delegation = (
    in_current_school & ~is_read_only & (owns_delegation | role_perm("approvals.change_approvaldelegation"))
)
