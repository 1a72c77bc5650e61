"""Every write of approvals: policies, the runtime (submit, approve, reject, return, withdraw,
comment), delegations, and the 事项申请 document that uses them.

Each state change locks the approval row (``select_for_update``), checks the transition against
``choices.ALLOWED_TRANSITIONS``, the actor's right and the version the decision form was shown for
(a double click, a second approver pressing at the same moment or a stale tab is refused), writes
an ``AuditEvent`` on the *document* (so its timeline shows who decided, when, with which comment)
and queues notifications with ``transaction.on_commit``. The document learns the outcome from an
explicit call of its registered ``on_decision(approval, outcome)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
from houqin.org.models import Department, Membership, Role, School

from . import registry
from .choices import (
    ALLOWED_TRANSITIONS,
    DECIDED_TASK,
    GENERAL_REQUEST_EDITABLE,
    GENERAL_REQUEST_TRANSITIONS,
    RESUBMITTABLE,
    Action,
    ApprovalStatus,
    ApproverRule,
    GeneralRequestStatus,
    Outcome,
    StepKind,
    StepMode,
    StepStatus,
    TaskStatus,
)
from .models import (
    ApprovalComment,
    ApprovalDelegation,
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
    GeneralRequest,
)

User = get_user_model()

STEP_FIELDS = ["name", "kind", "rule", "role", "user", "min_amount", "mode"]
CENT = Decimal("0.01")


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(value).quantize(CENT)


# --- policies -------------------------------------------------------------------------------------


def _spec_to_step(school: School, spec: registry.StepSpec, roles: dict[str, Role]) -> dict[str, Any]:
    return {
        "name": str(spec.name),
        "kind": spec.kind,
        "rule": spec.rule,
        "role": roles.get(spec.role_code) if spec.rule == ApproverRule.ROLE else None,
        "user": None,
        "min_amount": spec.min_amount,
        "mode": spec.mode,
    }


@transaction.atomic
def approval_policy_seed(*, school: School, document_type: str, actor=None) -> ApprovalPolicy:
    """The school's policy for ``document_type``; created from the registered default if missing."""
    existing = ApprovalPolicy.objects.for_school(school).filter(document_type=document_type).first()
    if existing is not None:
        return existing
    doc_type = registry.document_type(document_type)
    roles = {r.code: r for r in Role.objects.for_school(school)}
    policy = ApprovalPolicy.objects.create(
        school=school,
        document_type=document_type,
        name=str(doc_type.label),
        created_by=actor,
        updated_by=actor,
    )
    ApprovalPolicyStep.objects.bulk_create(
        ApprovalPolicyStep(school=school, policy=policy, order=i, **_spec_to_step(school, spec, roles))
        for i, spec in enumerate(doc_type.default_steps, start=1)
    )
    audit.record(actor=actor, verb="created", target=policy, changes={"name": [None, policy.name]})
    return policy


@transaction.atomic
def approval_policy_seed_defaults(school: School, *, actor=None) -> list[ApprovalPolicy]:
    """Seed every registered document type's default policy for a school (idempotent).

    Call it when a school is created; submission also seeds a missing policy lazily.
    """
    return [
        approval_policy_seed(school=school, document_type=t.key, actor=actor)
        for t in registry.document_types()
    ]


def _clean_steps(school: School, steps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned, errors = [], []
    for i, raw in enumerate(steps, start=1):
        step = {k: raw.get(k) for k in STEP_FIELDS}
        step["name"] = (step["name"] or "").strip()
        step["kind"] = step["kind"] or StepKind.APPROVAL
        step["mode"] = step["mode"] or StepMode.ANY
        step["min_amount"] = _money(step["min_amount"])
        if not step["name"]:
            errors.append(_("第 %(n)d 步：请填写步骤名称。") % {"n": i})
        if step["rule"] not in ApproverRule.values:
            errors.append(_("第 %(n)d 步：请选择审批人。") % {"n": i})
        if step["rule"] == ApproverRule.ROLE:
            if step["role"] is None:
                errors.append(_("第 %(n)d 步：按角色审批时请选择角色。") % {"n": i})
            elif step["role"].school_id != school.pk:
                errors.append(_("第 %(n)d 步：角色不属于本校。") % {"n": i})
        else:
            step["role"] = None
        if step["rule"] == ApproverRule.USER:
            if step["user"] is None:
                errors.append(_("第 %(n)d 步：请选择指定人员。") % {"n": i})
            elif not Membership.objects.for_school(school).filter(user=step["user"], is_active=True).exists():
                errors.append(_("第 %(n)d 步：指定人员必须是本校在职教职工。") % {"n": i})
        else:
            step["user"] = None
        if step["min_amount"] is not None and step["min_amount"] < 0:
            errors.append(_("第 %(n)d 步：起始金额不能为负数。") % {"n": i})
        cleaned.append(step)
    if not cleaned:
        errors.append(_("审批流程至少要有一步。"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _describe(steps: Iterable) -> list[str]:
    out = []
    for s in steps:
        get = s.get if isinstance(s, dict) else lambda k, s=s: getattr(s, k)
        amount = get("min_amount")
        role = get("role")
        user = get("user")
        who = role or user or ApproverRule(get("rule")).label
        text = f"{get('name')}: {who}"
        if amount is not None:
            text += f" (≥{amount})"
        if get("mode") == StepMode.ALL:
            text += f" [{StepMode.ALL.label}]"
        out.append(text)
    return out


@transaction.atomic
def approval_policy_update(
    *, actor, policy: ApprovalPolicy, steps: list[dict[str, Any]], name: str | None = None
) -> ApprovalPolicy:
    """Replace the policy's steps (in the given order). Running approvals keep their snapshot."""
    policy = ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
    cleaned = _clean_steps(policy.school, steps)
    before = _describe(policy.steps.select_related("role", "user"))
    after = _describe(cleaned)
    changes: dict[str, list[Any]] = {}
    if name is not None and name.strip() and name.strip() != policy.name:
        changes["name"] = [policy.name, name.strip()]
        policy.name = name.strip()
    if before != after:
        changes["steps"] = [before, after]
        policy.steps.all().delete()
        ApprovalPolicyStep.objects.bulk_create(
            ApprovalPolicyStep(
                school=policy.school, policy=policy, order=i, created_by=actor, updated_by=actor, **s
            )
            for i, s in enumerate(cleaned, start=1)
        )
    if not changes:
        return policy
    policy.version += 1
    policy.updated_by = actor
    policy.full_clean()
    policy.save()
    audit.record(actor=actor, verb="updated", target=policy, changes=changes)
    return policy


# --- resolving approvers --------------------------------------------------------------------------


def applicable_steps(policy_steps: Iterable, amount: Decimal | None) -> list:
    """DOMAIN.md: depth by value — a step with a threshold applies from that amount (≥ N yuan)."""
    value = amount or Decimal("0")
    return [s for s in policy_steps if s.min_amount is None or value >= s.min_amount]


def resolve_approvers(step, *, school: School, department: Department | None) -> list:
    """The people who may decide ``step`` now (active staff of the school), before self-exclusion."""
    members = Membership.objects.for_school(school).filter(is_active=True, user__is_active=True)
    if step.rule == ApproverRule.ROLE:
        if step.role_id is None:
            return []
        users = User.objects.filter(pk__in=members.filter(roles=step.role_id).values("user_id"))
        return list(users.order_by("id"))
    if step.rule in (ApproverRule.DEPARTMENT_HEAD, ApproverRule.DEPARTMENT_SUPERVISOR):
        if department is None:
            return []
        department = Department.objects.select_related("head", "supervisor").get(pk=department.pk)
        person = department.head if step.rule == ApproverRule.DEPARTMENT_HEAD else department.supervisor
        if person is None or not members.filter(user=person).exists():
            return []
        return [person]
    if step.rule == ApproverRule.USER:
        if step.user_id is None or not members.filter(user_id=step.user_id).exists():
            return []
        return [step.user]
    return []


def _no_approver_message(step) -> str:
    if step.rule == ApproverRule.DEPARTMENT_HEAD:
        return _("“%(step)s”找不到审批人：申请部门没有设置部门负责人。") % {"step": step.name}
    if step.rule == ApproverRule.DEPARTMENT_SUPERVISOR:
        return _("“%(step)s”找不到审批人：申请部门没有设置分管领导。") % {"step": step.name}
    if step.rule == ApproverRule.ROLE:
        return _("“%(step)s”找不到审批人：本校没有在职的“%(role)s”。") % {
            "step": step.name,
            "role": getattr(step, "role_name", "") or step.role or "—",
        }
    return _("“%(step)s”找不到审批人：指定人员不在职。") % {"step": step.name}


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
                changes={"审批步骤": [None, step.name]},
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
            "审批流程": [None, policy.name],
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
    changes = {"审批步骤": [None, task.step.name]}
    if comment:
        changes["意见"] = [None, comment]
    if task.approver_id != actor.pk:
        changes["代理审批"] = [
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
        changes["集体决策记录"] = [None, meeting_record]
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
    _record(approval, actor=actor, verb="approval_commented", changes={"意见": [None, text]})
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
    from . import permissions

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
