"""Approvals runtime and policies, rule by rule (DOMAIN.md "Procurement and finance": "Approval chain
by amount, configurable per school (default: department head; + school affairs office; + principal
above 5,000 yuan; + collective decision record above 50,000 yuan (三重一大)"; 一支笔 — the principal
is the final approver; issue 3: withdraw before the first decision, delegation while away, a running
approval keeps its steps)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.approvals import services
from houqin.approvals.choices import (
    ApprovalStatus,
    ApproverRule,
    GeneralRequestStatus,
    StepStatus,
    TaskStatus,
)
from houqin.approvals.models import ApprovalPolicy, ApprovalRequest, GeneralRequest
from houqin.approvals.registry import document_type, document_types
from houqin.core.models import AuditEvent
from houqin.notify.models import Notification
from houqin.org import services as org_services

from .helpers import approve, fresh, step_names, submit

pytestmark = pytest.mark.django_db

HEAD, AFFAIRS, PRINCIPAL, COLLECTIVE = "部门负责人审批", "校务办审核", "校长审批", "集体决策（三重一大）"


def events(gr, verb):
    return AuditEvent.objects.for_school(gr.school).for_target(gr).filter(verb=verb)


# --- the chain by amount ----------------------------------------------------------------------------


def test_below_5000_needs_department_head_and_school_affairs(school_a):
    """DOMAIN.md: default chain = department head; + school affairs office."""
    _, approval = submit(school_a, "4999.99")
    assert step_names(approval) == [HEAD, AFFAIRS]


def test_from_5000_the_principal_signs(school_a):
    """DOMAIN.md: + principal above 5,000 yuan (一支笔) — the step applies from 5,000.00."""
    _, approval = submit(school_a, "5000.00")
    assert step_names(approval) == [HEAD, AFFAIRS, PRINCIPAL]


def test_from_50000_a_collective_decision_record_is_required(school_a):
    """DOMAIN.md: + collective decision record above 50,000 yuan (三重一大)."""
    gr, approval = submit(school_a, "50000")
    assert step_names(approval) == [HEAD, AFFAIRS, PRINCIPAL, COLLECTIVE]
    for role in ("logistics_director", "school_affairs", "principal"):
        approve(school_a, approval, role)
    with pytest.raises(ValidationError) as exc:
        approve(school_a, approval, "principal")
    assert "meeting_record" in exc.value.message_dict
    approve(school_a, approval, "principal", meeting_record="2025-03-02 校务会决议：同意")
    assert fresh(approval).status == ApprovalStatus.APPROVED
    assert fresh(gr).status == GeneralRequestStatus.APPROVED


def test_full_chain_approves_the_document_and_records_each_decision(
    school_a, django_capture_on_commit_callbacks
):
    """事事有记录: each decision is on the document's timeline with the approver, time and comment;
    the document learns the outcome from its own on_decision; people are told on commit."""
    with django_capture_on_commit_callbacks(execute=True):
        gr, approval = submit(school_a, "6000")
    assert set(Notification.objects.filter(kind="approval.pending").values_list("recipient", flat=True)) == {
        school_a.user("logistics_director").pk
    }
    with django_capture_on_commit_callbacks(execute=True):
        approve(school_a, approval, "logistics_director", comment="同意购买")
        approve(school_a, approval, "school_affairs")
        approve(school_a, approval, "principal", comment="一支笔")
    approval = fresh(approval)
    assert approval.status == ApprovalStatus.APPROVED and approval.decided_by == school_a.user("principal")
    assert fresh(gr).status == GeneralRequestStatus.APPROVED
    decisions = list(events(gr, "approval_approved").order_by("id"))
    assert [e.actor for e in decisions] == [
        school_a.user("logistics_director"),
        school_a.user("school_affairs"),
        school_a.user("principal"),
    ]
    assert decisions[0].changes["comment"] == [None, "同意购买"]
    assert Notification.objects.filter(kind="approval.decided", recipient=school_a.user("teacher")).exists()


def test_approvers_are_resolved_when_the_step_becomes_current(school_a):
    """A person who gets the role after submission but before the step is reached is asked."""
    _, approval = submit(school_a, "100")
    newcomer = org_services.membership_create(
        actor=None,
        school=school_a.school,
        username="a_affairs2",
        display_name="新校务办",
        roles=[school_a.role("school_affairs")],
    ).user
    approve(school_a, approval, "logistics_director")
    approvers = set(fresh(approval).current_step.tasks.values_list("approver", flat=True))
    assert approvers == {school_a.user("school_affairs").pk, newcomer.pk}


def test_a_step_without_approver_is_refused_at_submission_and_nothing_is_saved(school_a):
    """Clear error at submission: the department has no head → nothing half-saved."""
    dep = org_services.department_create(actor=None, school=school_a.school, name="教务处a")
    teacher = school_a.user("teacher")
    gr = services.general_request_create(
        actor=teacher, school=school_a.school, title="x", amount=Decimal("10"), department=dep
    )
    with pytest.raises(ValidationError) as exc:
        services.general_request_submit(actor=teacher, general_request=gr)
    assert "部门负责人" in str(exc.value)
    assert fresh(gr).status == GeneralRequestStatus.DRAFT
    assert not ApprovalRequest.objects.filter(target_id=gr.pk, document_type="general_request").exists()


def test_a_school_without_a_policy_is_seeded_on_first_submission(db):
    """Lazy seeding: a school created before approvals existed gets the default on first use."""
    from houqin.org.roles import DEFAULT_ROLES

    school = org_services.school_create(actor=None, name="新学校", code="new-school")
    ApprovalPolicy.objects.filter(school=school).delete()  # as if created before approvals existed
    roles = {r.code: r for r in school_roles(school)}
    head = org_services.membership_create(
        actor=None, school=school, username="n_head", display_name="主任", roles=[roles["logistics_director"]]
    ).user
    dep = org_services.department_create(actor=None, school=school, name="总务处", head=head)
    teacher = org_services.membership_create(
        actor=None,
        school=school,
        username="n_t",
        display_name="老师",
        department=dep,
        roles=[roles["teacher"]],
    ).user
    org_services.membership_create(
        actor=None, school=school, username="n_sa", display_name="校务", roles=[roles["school_affairs"]]
    )
    assert len(DEFAULT_ROLES) > 3
    gr = services.general_request_create(actor=teacher, school=school, title="x", amount=Decimal("1"))
    services.general_request_submit(actor=teacher, general_request=gr)
    assert ApprovalPolicy.objects.filter(school=school, document_type="general_request").exists()


def school_roles(school):
    from houqin.org.models import Role

    return Role.objects.for_school(school)


def test_seed_defaults_covers_every_seeded_document_type_and_is_idempotent(school_a):
    services.approval_policy_seed_defaults(school_a.school)
    services.approval_policy_seed_defaults(school_a.school)
    types = set(ApprovalPolicy.objects.for_school(school_a.school).values_list("document_type", flat=True))
    # every registered document type gets its policy: the seeds of issue 3 and the modules' own
    assert types == {t.key for t in document_types()}
    assert types >= {
        "procurement_request",
        "consumables_requisition",
        "asset_disposal",
        "stocktake_adjustment",
        "budget_adjustment",
        "hospitality_expense",
        "general_request",
    }
    disposal = ApprovalPolicy.objects.get(school=school_a.school, document_type="asset_disposal")
    assert [s.role.code for s in disposal.steps.all()] == [
        spec.role_code for spec in document_type("asset_disposal").default_steps
    ]


def test_the_requester_who_is_the_only_approver_skips_that_step(school_a):
    """The department head asking for something is not asked to approve it themself."""
    gr, approval = submit(school_a, "100", actor=school_a.user("logistics_director"))
    steps = list(approval.steps.order_by("order"))
    assert steps[0].status == StepStatus.SKIPPED
    assert fresh(approval).current_step == steps[1]
    assert events(gr, "approval_step_skipped").exists()


# --- reject, return, withdraw -------------------------------------------------------------------


def test_reject_needs_a_reason_and_is_final(school_a):
    gr, approval = submit(school_a, "100")
    with pytest.raises(ValidationError):
        services.approval_reject(actor=school_a.user("logistics_director"), approval=approval, comment=" ")
    services.approval_reject(actor=school_a.user("logistics_director"), approval=approval, comment="预算不足")
    assert fresh(approval).status == ApprovalStatus.REJECTED
    assert fresh(gr).status == GeneralRequestStatus.REJECTED
    assert events(gr, "approval_rejected").get().changes["comment"] == [None, "预算不足"]
    with pytest.raises(ValidationError):
        services.general_request_submit(actor=school_a.user("teacher"), general_request=gr)
    with pytest.raises(ValidationError):
        approve(school_a, approval, "logistics_director")


def test_return_then_resubmit_starts_a_new_round_with_a_fresh_snapshot(school_a):
    """Returned for changes: the requester edits (here: raises the amount) and submits again."""
    gr, approval = submit(school_a, "100")
    approve(school_a, approval, "logistics_director")
    with pytest.raises(ValidationError):
        services.approval_return(actor=school_a.user("school_affairs"), approval=fresh(approval), comment="")
    services.approval_return(
        actor=school_a.user("school_affairs"), approval=fresh(approval), comment="请附报价"
    )
    assert fresh(gr).status == GeneralRequestStatus.RETURNED
    teacher = school_a.user("teacher")
    services.general_request_update(actor=teacher, general_request=gr, data={"amount": Decimal("8000")})
    services.general_request_submit(actor=teacher, general_request=gr)
    approval = fresh(approval)
    assert approval.round == 2 and approval.status == ApprovalStatus.PENDING
    assert step_names(approval) == [HEAD, AFFAIRS, PRINCIPAL]
    assert approval.current_step.order == 1
    assert events(gr, "approval_resubmitted").exists()


def test_withdraw_only_before_the_first_decision(school_a):
    """Issue 3: withdraw by the requester before the first decision."""
    gr, approval = submit(school_a, "100")
    with pytest.raises(PermissionDenied):
        services.approval_withdraw(actor=school_a.user("logistics_director"), approval=approval)
    services.approval_withdraw(actor=school_a.user("teacher"), approval=approval)
    assert fresh(gr).status == GeneralRequestStatus.WITHDRAWN
    assert not fresh(approval).tasks.filter(status=TaskStatus.PENDING).exists()

    _gr2, approval2 = submit(school_a, "100", title="第二份")
    approve(school_a, approval2, "logistics_director")
    with pytest.raises(ValidationError):
        services.approval_withdraw(actor=school_a.user("teacher"), approval=fresh(approval2))


def test_withdrawn_request_can_be_edited_and_submitted_again(school_a):
    gr, approval = submit(school_a, "100")
    services.approval_withdraw(actor=school_a.user("teacher"), approval=approval)
    services.general_request_submit(actor=school_a.user("teacher"), general_request=gr)
    assert fresh(approval).round == 2 and fresh(gr).status == GeneralRequestStatus.SUBMITTED


def test_only_the_current_steps_approvers_decide(school_a):
    _, approval = submit(school_a, "100")
    with pytest.raises(PermissionDenied):
        approve(school_a, approval, "principal")  # not yet their step: no skipping ahead
    with pytest.raises(PermissionDenied):
        approve(school_a, approval, "teacher")


def test_a_stale_version_is_refused(school_a):
    """A decision form shown for version N is refused once the approval moved on."""
    _, approval = submit(school_a, "100")
    shown = approval.version
    approve(school_a, approval, "logistics_director")
    with pytest.raises(ValidationError):
        services.approval_approve(actor=school_a.user("school_affairs"), approval=approval, version=shown)
    with pytest.raises(ValidationError):
        services.approval_approve(
            actor=school_a.user("school_affairs"),
            approval=approval,
            version=fresh(approval).version,
            step_order=1,
        )


def test_double_approve_by_the_same_person_counts_once(school_a):
    _, approval = submit(school_a, "100")
    version = approval.version
    services.approval_approve(actor=school_a.user("logistics_director"), approval=approval, version=version)
    with pytest.raises((ValidationError, PermissionDenied)):
        services.approval_approve(
            actor=school_a.user("logistics_director"), approval=approval, version=version
        )
    assert fresh(approval).current_step.name == AFFAIRS


def test_approving_a_withdrawn_request_is_refused(school_a):
    _, approval = submit(school_a, "100")
    version = approval.version
    services.approval_withdraw(actor=school_a.user("teacher"), approval=approval)
    with pytest.raises(ValidationError):
        services.approval_approve(
            actor=school_a.user("logistics_director"), approval=approval, version=version
        )


# --- modes ------------------------------------------------------------------------------------------


def _policy(world):
    return ApprovalPolicy.objects.get(school=world.school, document_type="general_request")


def test_all_of_mode_needs_every_approver(school_a):
    org_services.membership_create(
        actor=None,
        school=school_a.school,
        username="a_sa2",
        display_name="校务二",
        roles=[school_a.role("school_affairs")],
    )
    services.approval_policy_update(
        actor=None,
        policy=_policy(school_a),
        steps=[
            {
                "name": "校务办会签",
                "rule": ApproverRule.ROLE,
                "role": school_a.role("school_affairs"),
                "mode": "all",
            }
        ],
    )
    _, approval = submit(school_a, "100")
    approve(school_a, approval, "school_affairs")
    assert fresh(approval).status == ApprovalStatus.PENDING
    from django.contrib.auth import get_user_model

    second = get_user_model().objects.get(username="a_sa2")
    services.approval_approve(actor=second, approval=approval, version=fresh(approval).version)
    assert fresh(approval).status == ApprovalStatus.APPROVED


def test_any_of_mode_one_approval_is_enough_and_closes_the_others(school_a):
    org_services.membership_create(
        actor=None,
        school=school_a.school,
        username="a_sa2",
        display_name="校务二",
        roles=[school_a.role("school_affairs")],
    )
    _, approval = submit(school_a, "100")
    approve(school_a, approval, "logistics_director")
    approve(school_a, approval, "school_affairs")
    approval = fresh(approval)
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.tasks.filter(status=TaskStatus.CANCELLED).count() == 1


# --- policies: editing and snapshots ----------------------------------------------------------------


def test_a_running_approval_keeps_the_steps_it_started_with(school_a):
    """Issue 3: a policy change applies to new submissions only (snapshot at submission)."""
    _, running = submit(school_a, "6000")
    services.approval_policy_update(
        actor=school_a.user("school_admin"),
        policy=_policy(school_a),
        steps=[{"name": "校长直批", "rule": ApproverRule.ROLE, "role": school_a.role("principal")}],
    )
    assert step_names(fresh(running)) == [HEAD, AFFAIRS, PRINCIPAL]
    for role in ("logistics_director", "school_affairs", "principal"):
        approve(school_a, running, role)
    assert fresh(running).status == ApprovalStatus.APPROVED
    _, new = submit(school_a, "6000", title="新的")
    assert step_names(new) == ["校长直批"]
    assert fresh(new).policy_version == _policy(school_a).version == 2


def test_policy_update_validates_steps(school_a, school_b):
    policy = _policy(school_a)
    with pytest.raises(ValidationError):
        services.approval_policy_update(actor=None, policy=policy, steps=[])
    with pytest.raises(ValidationError):
        services.approval_policy_update(
            actor=None,
            policy=policy,
            steps=[{"name": "x", "rule": ApproverRule.ROLE, "role": school_b.role("principal")}],
        )
    with pytest.raises(ValidationError):
        services.approval_policy_update(
            actor=None,
            policy=policy,
            steps=[{"name": "x", "rule": ApproverRule.USER, "user": school_b.user("principal")}],
        )
    assert fresh(policy).version == 1


def test_policy_update_records_the_change(school_a):
    admin = school_a.user("school_admin")
    policy = services.approval_policy_update(
        actor=admin,
        policy=_policy(school_a),
        steps=[
            {"name": "分管领导", "rule": ApproverRule.DEPARTMENT_SUPERVISOR},
            {
                "name": "指定审批",
                "rule": ApproverRule.USER,
                "user": school_a.user("finance"),
                "min_amount": "100",
            },
        ],
    )
    event = AuditEvent.objects.for_target(policy).filter(verb="updated").get()
    assert event.actor == admin and "steps" in event.changes
    assert [s.min_amount for s in policy.steps.all()] == [None, Decimal("100.00")]


# --- delegation -----------------------------------------------------------------------------------


def _delegate(world, *, start, end, delegator="principal", delegate="supervising_leader"):
    return services.approval_delegation_create(
        actor=world.user(delegator),
        school=world.school,
        delegator=world.user(delegator),
        delegate=world.user(delegate),
        start_date=start,
        end_date=end,
        reason="外出",
    )


def test_a_delegate_acts_within_the_dates_recorded_as_b_for_a(school_a):
    """代理审批: B may act on A's pending tasks during the dates; recorded as "B 代 A"."""
    today = timezone.localdate()
    _delegate(school_a, start=today, end=today + dt.timedelta(days=2))
    gr, approval = submit(school_a, "6000")
    approve(school_a, approval, "logistics_director")
    approve(school_a, approval, "school_affairs")
    approve(school_a, approval, "supervising_leader", comment="代批")
    task = fresh(approval).tasks.get(step__name=PRINCIPAL, status=TaskStatus.APPROVED)
    assert task.approver == school_a.user("principal") and task.acted_by == school_a.user(
        "supervising_leader"
    )
    event = events(gr, "approval_approved").order_by("-id").first()
    assert event.actor == school_a.user("supervising_leader")
    assert event.changes["on_behalf_of"] == [None, "supervising_leadera 代 principala"]


def test_a_delegation_outside_its_dates_or_cancelled_gives_nothing(school_a):
    today = timezone.localdate()
    _delegate(school_a, start=today + dt.timedelta(days=1), end=today + dt.timedelta(days=3))
    past = _delegate(school_a, start=today - dt.timedelta(days=5), end=today - dt.timedelta(days=1))
    assert past.end_date < today
    cancelled = _delegate(school_a, start=today, end=today)
    services.approval_delegation_cancel(actor=school_a.user("principal"), delegation=cancelled)
    _, approval = submit(school_a, "6000")
    approve(school_a, approval, "logistics_director")
    approve(school_a, approval, "school_affairs")
    with pytest.raises(PermissionDenied):
        approve(school_a, approval, "supervising_leader")


def test_delegation_rules(school_a, school_b):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        _delegate(school_a, start=today, end=today - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        _delegate(school_a, start=today, end=today, delegate="principal")
    with pytest.raises(ValidationError):
        services.approval_delegation_create(
            actor=school_a.user("principal"),
            school=school_a.school,
            delegator=school_a.user("principal"),
            delegate=school_b.user("principal"),
            start_date=today,
            end_date=today,
        )
    with pytest.raises(PermissionDenied):  # a teacher cannot hand the principal's pen to someone
        services.approval_delegation_create(
            actor=school_a.user("teacher"),
            school=school_a.school,
            delegator=school_a.user("principal"),
            delegate=school_a.user("teacher"),
            start_date=today,
            end_date=today,
        )


# --- comments, actions, tenancy -----------------------------------------------------------------


def test_anyone_involved_may_comment_others_may_not(school_a):
    gr, approval = submit(school_a, "100")
    services.approval_comment(actor=school_a.user("teacher"), approval=approval, text="附件稍后补")
    services.approval_comment(actor=school_a.user("logistics_director"), approval=approval, text="好")
    with pytest.raises(PermissionDenied):
        services.approval_comment(actor=school_a.user("guard"), approval=approval, text="路过")
    assert approval.comments.count() == 2
    assert events(gr, "approval_commented").count() == 2


def test_available_actions_are_exactly_the_buttons(school_a):
    from houqin.core.permissions import attach_school_context

    _, approval = submit(school_a, "100")

    def actions(role):
        user = school_a.user(role)

        class R:
            pass

        attach_school_context(R(), user, school_a.school.pk)
        return services.available_actions(fresh(approval), user)

    assert actions("logistics_director") == ["approve", "return", "reject", "comment"]
    assert actions("teacher") == ["withdraw", "comment"]
    assert actions("guard") == []
    approve(school_a, approval, "logistics_director")
    assert actions("teacher") == ["comment"]
    assert actions("logistics_director") == ["comment"]


def test_a_document_of_another_school_is_refused(school_a, school_b):
    gr = services.general_request_create(
        actor=school_b.user("teacher"), school=school_b.school, title="x", amount=Decimal("1")
    )
    with pytest.raises(ValidationError):
        services.approval_submit(
            actor=school_a.user("teacher"),
            school=school_a.school,
            target=gr,
            document_type="general_request",
            title="x",
            amount=Decimal("1"),
            department=school_a.department,
        )
    with pytest.raises(ValidationError):
        services.general_request_create(
            actor=school_a.user("teacher"), school=school_a.school, title="x", department=school_b.department
        )


def test_only_the_requester_edits_and_only_while_editable(school_a):
    gr, _ = submit(school_a, "100")
    with pytest.raises(ValidationError):
        services.general_request_update(
            actor=school_a.user("teacher"), general_request=gr, data={"title": "y"}
        )
    draft = services.general_request_create(actor=school_a.user("teacher"), school=school_a.school, title="d")
    with pytest.raises(PermissionDenied):
        services.general_request_update(
            actor=school_a.user("principal"), general_request=draft, data={"title": "y"}
        )
    assert GeneralRequest.objects.get(pk=draft.pk).title == "d"


def test_an_approval_left_waiting_reminds_the_approver_then_escalates(school_a):
    """事事有落实: a step not decided within two days reminds its approver every day, and after
    three more days the supervising leader hears of it (DOMAIN.md: overdue escalates)."""
    import datetime as dt

    from django.utils import timezone

    from houqin.notify.models import Notification, ReminderRule
    from houqin.notify.services import reminders_run

    w = school_a
    assert ReminderRule.objects.for_school(w.school).filter(source="approvals.waiting").count() == 1
    gr = services.general_request_create(
        actor=w.user("teacher"), school=w.school, title="修理窗户", amount=None
    )
    services.general_request_submit(actor=w.user("teacher"), general_request=gr)
    started = timezone.localdate()
    Notification.objects.filter(kind__startswith="reminder.").delete()
    reminders_run(today=started + dt.timedelta(days=1))
    assert not Notification.objects.filter(kind__startswith="reminder.", title__contains="修理窗户").exists()
    reminders_run(today=started + dt.timedelta(days=3))
    waiting = Notification.objects.filter(kind="reminder.overdue", title__contains="修理窗户")
    assert set(waiting.values_list("recipient", flat=True)) == {w.user("logistics_director").pk}
    reminders_run(today=started + dt.timedelta(days=3))  # once per day
    assert waiting.count() == 1
    reminders_run(today=started + dt.timedelta(days=6))
    assert Notification.objects.filter(
        kind="reminder.overdue", title__contains="修理窗户", recipient=w.user("supervising_leader")
    ).exists()
