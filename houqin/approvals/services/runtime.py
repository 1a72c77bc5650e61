"""Running an approval: submit, approve, reject, return, withdraw, comment, delegate.

Each state change locks the approval row, checks the transition, the actor's right and the
version the decision form was shown for, records on the document and notifies on commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.services import model_create, model_update
from houqin.org.models import Department, Membership, School

from .. import registry
from ..choices import (
    ALLOWED_TRANSITIONS,
    DECIDED_TASK,
    RESUBMITTABLE,
    Action,
    ApprovalStatus,
    Outcome,
    StepKind,
    StepMode,
    StepStatus,
    TaskStatus,
)
from ..models import (
    ApprovalComment,
    ApprovalDelegation,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
)
from .policies import (
    STEP_FIELDS,
    _money,
    _no_approver_message,
    applicable_steps,
    approval_policy_seed,
    resolve_approvers,
)

User = get_user_model()

# --- delegation -------------------------------------------------------------------------------------


@transaction.atomic
def approval_delegation_create(
    *,
    actor,
    school: School,
    delegator,
    delegate,
    start_date: dt.date,
    end_date: dt.date,
    reason: str = "",
) -> ApprovalDelegation:
    errors: dict[str, list[str]] = {}
    members = Membership.objects.for_school(school).filter(is_active=True)
    if not members.filter(user=delegator).exists():
        errors["delegator"] = [_("委托人必须是本校在职教职工。")]
    if not members.filter(user=delegate).exists():
        errors["delegate"] = [_("代理人必须是本校在职教职工。")]
    elif delegate == delegator:
        errors["delegate"] = [_("不能委托给自己。")]
    if end_date < start_date:
        errors["end_date"] = [_("结束日期不能早于开始日期。")]
    if actor != delegator and not actor.has_perm("approvals.change_approvaldelegation"):
        raise PermissionDenied(_("只能为自己设置代理审批。"))
    if errors:
        raise ValidationError(errors)
    return model_create(
        model=ApprovalDelegation,
        actor=actor,
        data={
            "school": school,
            "delegator": delegator,
            "delegate": delegate,
            "start_date": start_date,
            "end_date": end_date,
            "reason": reason,
        },
    )


@transaction.atomic
def approval_delegation_cancel(*, actor, delegation: ApprovalDelegation) -> ApprovalDelegation:
    delegation = ApprovalDelegation.objects.select_for_update().get(pk=delegation.pk)
    if actor != delegation.delegator and not actor.has_perm("approvals.change_approvaldelegation"):
        raise PermissionDenied(_("只能取消自己的代理审批。"))
    model_update(
        instance=delegation, actor=actor, data={"is_active": False}, fields=["is_active"], verb="deactivated"
    )
    return delegation


def delegators_of(user, school: School, day: dt.date | None = None) -> set[int]:
    return set(
        ApprovalDelegation.objects.for_school(school)
        .delegators_of(user, day)
        .values_list("delegator_id", flat=True)
    )


# --- notifications ----------------------------------------------------------------------------------


def _notify_later(*, approval: ApprovalRequest, recipients, kind: str, title: str, actor=None) -> None:
    recipients = [u for u in recipients if u is not None]
    if not recipients:
        return
    school, url, target = approval.school, approval.get_absolute_url(), approval

    def send():
        from houqin.notify.services import notify

        notify(
            school=school, recipients=recipients, kind=kind, title=title, url=url, actor=actor, target=target
        )

    transaction.on_commit(send)


# --- runtime ------------------------------------------------------------------------------------


def _lock(approval: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().get(pk=approval.pk)


def _check_version(approval: ApprovalRequest, version: int | None, step_order: int | None = None) -> None:
    """The decision form carries the version it was shown for; a stale one is refused."""
    stale = version is not None and int(version) != approval.version
    if step_order is not None and approval.current_step is not None:
        stale = stale or int(step_order) != approval.current_step.order
    if stale:
        raise ValidationError(_("这条审批在您打开页面后已有变化（他人已处理或申请人已撤回），请刷新后再看。"))


def _transition(approval: ApprovalRequest, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS[approval.status]:
        raise ValidationError(
            _("这条审批%(status)s，不能再这样处理。") % {"status": ApprovalStatus(approval.status).label}
        )
    approval.status = to


def _record(approval: ApprovalRequest, *, actor, verb: str, changes: dict | None = None) -> None:
    """On the document's timeline (its own page shows it), and the approval's school."""
    target = approval.target or approval
    audit.record(actor=actor, verb=verb, target=target, school=approval.school, changes=changes)


def _finish(approval: ApprovalRequest, *, outcome: str, actor) -> None:
    approval.finished_at = timezone.now()
    approval.decided_by = actor
    approval.current_step = None
    approval.version += 1
    approval.save()
    doc_type = registry.document_type(approval.document_type)
    if doc_type.on_decision is not None:
        doc_type.on_decision(approval, outcome)


def _activate_from(approval: ApprovalRequest, *, after_order: int, actor) -> None:
    """Make the next step current (resolving its approvers now), or finish as approved."""
    steps = approval.steps.filter(round=approval.round, order__gt=after_order, status=StepStatus.WAITING)
    for step in steps.select_related("role", "user").order_by("order"):
        people = resolve_approvers(step, school=approval.school, department=approval.department)
        approvers = [u for u in people if u.pk != approval.requester_id]
        now = timezone.now()
        if not approvers and people:  # the requester is this step's only approver: nothing to ask
            step.status, step.started_at, step.finished_at = StepStatus.SKIPPED, now, now
            step.save()
            _record(
                approval,
                actor=None,
                verb="approval_step_skipped",
                changes={"approval_step": [None, step.name]},
            )
            continue
        if not approvers:
            raise ValidationError(_no_approver_message(step))
        step.status, step.started_at = StepStatus.CURRENT, now
        step.save()
        ApprovalTask.objects.bulk_create(
            ApprovalTask(school=approval.school, request=approval, step=step, approver=u) for u in approvers
        )
        approval.current_step = step
        approval.save()
        _notify_later(
            approval=approval,
            recipients=approvers,
            kind="approval.pending",
            title=_("待您审批：%(title)s（%(step)s）") % {"title": approval.title, "step": step.name},
            actor=actor,
        )
        return
    _transition(approval, ApprovalStatus.APPROVED)
    _finish(approval, outcome=Outcome.APPROVED, actor=actor)
    _record(approval, actor=actor, verb="approval_completed")
    _notify_later(
        approval=approval,
        recipients=[approval.requester],
        kind="approval.decided",
        title=_("已批准：%(title)s") % {"title": approval.title},
        actor=actor,
    )


def _snapshot(approval: ApprovalRequest, policy: ApprovalPolicy) -> None:
    steps = applicable_steps(
        policy.steps.select_related("role", "user").order_by("order", "id"), approval.amount
    )
    if not steps:
        raise ValidationError(_("审批流程“%(policy)s”对这个金额没有任何步骤。") % {"policy": policy.name})
    # a step with nobody to decide it is refused now, before anything is saved
    problems = [
        _no_approver_message(s)
        for s in steps
        if not resolve_approvers(s, school=approval.school, department=approval.department)
    ]
    if problems:
        raise ValidationError(problems)
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            school=approval.school,
            request=approval,
            round=approval.round,
            order=i,
            role_name=s.role.name if s.role_id else "",
            **{f: getattr(s, f) for f in STEP_FIELDS},
        )
        for i, s in enumerate(steps, start=1)
    )


@transaction.atomic
def approval_submit(
    *,
    actor,
    school: School,
    target: models.Model,
    document_type: str,
    title: str,
    amount: Decimal | None = None,
    department: Department | None = None,
) -> ApprovalRequest:
    """Start (or, after a return or withdrawal, restart as a new round) the approval of a document.

    Steps are resolved from the school's current policy by amount and snapshotted; a missing
    policy is seeded from the default first. The first step's approvers are asked at once.
    """
    if getattr(target, "school_id", None) != school.pk:
        raise ValidationError(_("单据不属于本校。"))
    registry.document_type(document_type)  # KeyError for an unregistered type: a programming error
    policy = approval_policy_seed(school=school, document_type=document_type, actor=actor)
    amount = _money(amount)
    content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    approval = (
        ApprovalRequest.objects.select_for_update()
        .filter(target_type=content_type, target_id=target.pk)
        .first()
    )
    now = timezone.now()
    if approval is None:
        approval = ApprovalRequest(
            school=school,
            document_type=document_type,
            target_type=content_type,
            target_id=target.pk,
            created_by=actor,
        )
    else:
        if approval.status not in RESUBMITTABLE:
            raise ValidationError(
                _("这份单据的审批%(status)s，不能重复提交。")
                % {"status": ApprovalStatus(approval.status).label}
            )
        _transition(approval, ApprovalStatus.PENDING)
        approval.round += 1
        approval.version += 1
    approval.status = ApprovalStatus.PENDING
    approval.title = str(title)[:200]
    approval.amount = amount
    approval.requester = actor
    approval.department = department
    approval.policy = policy
    approval.policy_version = policy.version
    approval.submitted_at = now
    approval.finished_at = None
    approval.decided_by = None
    approval.current_step = None
    approval.updated_by = actor
    approval.save()
    approval.target = target
    _snapshot(approval, policy)
    _record(
        approval,
        actor=actor,
        verb="approval_submitted" if approval.round == 1 else "approval_resubmitted",
        changes={
            "金额": [None, str(amount) if amount is not None else None],
            "approval_policy": [None, policy.name],
        },
    )
    _activate_from(approval, after_order=0, actor=actor)
    return approval


def _acting_task(approval: ApprovalRequest, actor) -> ApprovalTask:
    """The pending task of the current step the actor may decide: their own first, then one they
    stand in for (代理审批) today."""
    tasks = list(
        ApprovalTask.objects.select_for_update()
        .filter(step=approval.current_step, status=TaskStatus.PENDING)
        .select_related("approver")
    )
    own = [t for t in tasks if t.approver_id == actor.pk]
    if own:
        return own[0]
    standing_in = delegators_of(actor, approval.school)
    delegated = [t for t in tasks if t.approver_id in standing_in]
    if delegated:
        return delegated[0]
    raise PermissionDenied(_("您不是当前步骤的审批人。"))


def _prepare_decision(approval, actor, version, step_order) -> tuple[ApprovalRequest, ApprovalTask]:
    approval = _lock(approval)
    if approval.status != ApprovalStatus.PENDING:
        raise ValidationError(
            _("这条审批%(status)s，不能再处理。") % {"status": ApprovalStatus(approval.status).label}
        )
    _check_version(approval, version, step_order)
    task = _acting_task(approval, actor)
    return approval, task


def _decision_changes(task: ApprovalTask, actor, comment: str) -> dict[str, list]:
    changes = {"approval_step": [None, task.step.name]}
    if comment:
        changes["comment"] = [None, comment]
    if task.approver_id != actor.pk:
        changes["on_behalf_of"] = [
            None,
            _("%(delegate)s 代 %(approver)s") % {"delegate": actor, "approver": task.approver},
        ]
    return changes


def _close_task(task: ApprovalTask, *, actor, status: str, comment: str, meeting_record: str = "") -> None:
    task.status = status
    task.acted_by = actor
    task.decided_at = timezone.now()
    task.comment = comment
    task.meeting_record = meeting_record
    task.updated_by = actor
    task.save()


def _cancel_open_tasks(step: ApprovalStep) -> None:
    step.tasks.filter(status=TaskStatus.PENDING).update(
        status=TaskStatus.CANCELLED, updated_at=timezone.now()
    )


@transaction.atomic
def approval_approve(
    *,
    actor,
    approval: ApprovalRequest,
    version: int | None = None,
    step_order: int | None = None,
    comment: str = "",
    meeting_record: str = "",
) -> ApprovalRequest:
    approval, task = _prepare_decision(approval, actor, version, step_order)
    step = approval.current_step
    comment, meeting_record = (comment or "").strip(), (meeting_record or "").strip()
    if step.kind == StepKind.COLLECTIVE and not meeting_record:
        raise ValidationError(
            {"meeting_record": [_("三重一大事项须填写集体决策记录（会议名称、日期、决议）。")]}
        )
    _close_task(task, actor=actor, status=TaskStatus.APPROVED, comment=comment, meeting_record=meeting_record)
    changes = _decision_changes(task, actor, comment)
    if meeting_record:
        changes["meeting_record"] = [None, meeting_record]
    _record(approval, actor=actor, verb="approval_approved", changes=changes)
    step_done = step.mode == StepMode.ANY or not step.tasks.filter(status=TaskStatus.PENDING).exists()
    _transition(approval, ApprovalStatus.PENDING)
    approval.version += 1
    approval.updated_by = actor
    approval.save()
    if step_done:
        _cancel_open_tasks(step)
        step.status, step.finished_at = StepStatus.APPROVED, timezone.now()
        step.save()
        _activate_from(approval, after_order=step.order, actor=actor)
    return approval


def _end_with(
    approval: ApprovalRequest,
    task: ApprovalTask,
    *,
    actor,
    comment: str,
    task_status,
    step_status,
    outcome,
    verb,
) -> ApprovalRequest:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("请填写理由，申请人会看到。")]})
    step = approval.current_step
    _close_task(task, actor=actor, status=task_status, comment=comment)
    _cancel_open_tasks(step)
    step.status, step.finished_at = step_status, timezone.now()
    step.save()
    approval.steps.filter(round=approval.round, status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
    _transition(approval, outcome)
    approval.updated_by = actor
    _record(approval, actor=actor, verb=verb, changes=_decision_changes(task, actor, comment))
    _finish(approval, outcome=outcome, actor=actor)
    _notify_later(
        approval=approval,
        recipients=[approval.requester],
        kind="approval.decided",
        title=_("%(outcome)s：%(title)s — %(reason)s")
        % {"outcome": Outcome(outcome).label, "title": approval.title, "reason": comment},
        actor=actor,
    )
    return approval


@transaction.atomic
def approval_reject(
    *,
    actor,
    approval: ApprovalRequest,
    comment: str,
    version: int | None = None,
    step_order: int | None = None,
) -> ApprovalRequest:
    """Reject with a required reason: final, the requester is told why."""
    approval, task = _prepare_decision(approval, actor, version, step_order)
    return _end_with(
        approval,
        task,
        actor=actor,
        comment=comment,
        task_status=TaskStatus.REJECTED,
        step_status=StepStatus.REJECTED,
        outcome=Outcome.REJECTED,
        verb="approval_rejected",
    )


@transaction.atomic
def approval_return(
    *,
    actor,
    approval: ApprovalRequest,
    comment: str,
    version: int | None = None,
    step_order: int | None = None,
) -> ApprovalRequest:
    """Back to the requester for changes; submitting again starts a new round with a fresh snapshot."""
    approval, task = _prepare_decision(approval, actor, version, step_order)
    return _end_with(
        approval,
        task,
        actor=actor,
        comment=comment,
        task_status=TaskStatus.RETURNED,
        step_status=StepStatus.RETURNED,
        outcome=Outcome.RETURNED,
        verb="approval_returned",
    )


def has_decisions(approval: ApprovalRequest) -> bool:
    return approval.tasks.filter(step__round=approval.round, status__in=DECIDED_TASK).exists()


@transaction.atomic
def approval_withdraw(*, actor, approval: ApprovalRequest, version: int | None = None) -> ApprovalRequest:
    """The requester takes the request back — only before anyone has decided on it."""
    approval = _lock(approval)
    if approval.requester_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以撤回。"))
    if approval.status != ApprovalStatus.PENDING:
        raise ValidationError(
            _("这条审批%(status)s，不能撤回。") % {"status": ApprovalStatus(approval.status).label}
        )
    _check_version(approval, version)
    if has_decisions(approval):
        raise ValidationError(_("已有审批人处理过，不能撤回；请联系当前审批人退回。"))
    approval.tasks.filter(status=TaskStatus.PENDING).update(status=TaskStatus.CANCELLED)
    approval.steps.filter(round=approval.round, status__in=[StepStatus.WAITING, StepStatus.CURRENT]).update(
        status=StepStatus.CANCELLED
    )
    _transition(approval, ApprovalStatus.WITHDRAWN)
    approval.updated_by = actor
    _record(approval, actor=actor, verb="approval_withdrawn")
    _finish(approval, outcome=Outcome.WITHDRAWN, actor=actor)
    return approval


def is_involved(approval: ApprovalRequest, user) -> bool:
    if approval.requester_id == user.pk:
        return True
    people = set(approval.tasks.values_list("approver_id", flat=True))
    people |= set(approval.tasks.exclude(acted_by=None).values_list("acted_by_id", flat=True))
    return user.pk in people or bool(people & delegators_of(user, approval.school))


@transaction.atomic
def approval_comment(*, actor, approval: ApprovalRequest, text: str) -> ApprovalComment:
    """Anyone involved (requester, approvers, their delegates) may add a comment at any time."""
    approval = _lock(approval)
    if not is_involved(approval, actor):
        raise PermissionDenied(_("只有申请人和审批人可以发表意见。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"comment": [_("请填写意见。")]})
    comment = ApprovalComment.objects.create(
        school=approval.school,
        request=approval,
        author=actor,
        round=approval.round,
        text=text,
        created_by=actor,
        updated_by=actor,
    )
    _record(approval, actor=actor, verb="approval_commented", changes={"comment": [None, text]})
    others = {approval.requester, *(t.approver for t in approval.tasks.filter(status=TaskStatus.PENDING))}
    _notify_later(
        approval=approval,
        recipients=[u for u in others if u.pk != actor.pk],
        kind="approval.comment",
        title=_("%(user)s 对“%(title)s”发表了意见") % {"user": actor, "title": approval.title},
        actor=actor,
    )
    return comment


def available_actions(approval: ApprovalRequest, user) -> list[str]:
    """Exactly the buttons ``user`` may press on ``approval`` now (pages and the API use it)."""
    from .. import permissions

    actions = []
    if permissions.can_decide(user, approval):
        actions += [Action.APPROVE, Action.RETURN, Action.REJECT]
    if permissions.can_withdraw(user, approval):
        actions.append(Action.WITHDRAW)
    if permissions.can_comment(user, approval):
        actions.append(Action.COMMENT)
    return [str(a) for a in actions]


def approval_act(*, actor, approval: ApprovalRequest, action: str, **kwargs) -> Any:
    """Dispatch one of :class:`Action` to its service (pages and the API call this)."""
    version, step_order = kwargs.get("version"), kwargs.get("step_order")
    comment = kwargs.get("comment", "")
    if action == Action.APPROVE:
        return approval_approve(
            actor=actor,
            approval=approval,
            version=version,
            step_order=step_order,
            comment=comment,
            meeting_record=kwargs.get("meeting_record", ""),
        )
    if action == Action.REJECT:
        return approval_reject(
            actor=actor, approval=approval, version=version, step_order=step_order, comment=comment
        )
    if action == Action.RETURN:
        return approval_return(
            actor=actor, approval=approval, version=version, step_order=step_order, comment=comment
        )
    if action == Action.WITHDRAW:
        return approval_withdraw(actor=actor, approval=approval, version=version)
    if action == Action.COMMENT:
        return approval_comment(actor=actor, approval=approval, text=comment)
    raise ValidationError(_("未知的操作。"))
