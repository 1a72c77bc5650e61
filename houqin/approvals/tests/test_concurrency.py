"""Two approvers pressing at the same moment, a double click, a stale tab, approve racing withdraw:
real threads on PostgreSQL (row locks). DESIGN.md rule 5: a double click or a second tab cannot skip
a state. SQLite serialises writers anyway (``BEGIN IMMEDIATE``), so these run on PostgreSQL only."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from houqin.approvals import services
from houqin.approvals.choices import ApprovalStatus, TaskStatus
from houqin.approvals.models import ApprovalRequest
from houqin.core.testing import make_school
from houqin.org import services as org_services

from .helpers import fresh, submit

SKIP_REASON = "row-lock races need PostgreSQL (run with DATABASE_URL=postgres://...)"
if connection.vendor != "postgresql":
    print(f"test_concurrency: skipped — {SKIP_REASON}")

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=SKIP_REASON),
]


def race(*calls):
    """Run the calls in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def refused(result) -> bool:
    return isinstance(result, ValidationError | PermissionDenied)


@pytest.fixture
def world():
    return make_school("cc")


def test_two_approvers_of_one_step_press_together_only_one_decision_counts(world):
    second = org_services.membership_create(
        actor=None,
        school=world.school,
        username="cc_sa2",
        display_name="校务二",
        roles=[world.role("school_affairs")],
    ).user
    _, approval = submit(world, "6000")
    services.approval_approve(
        actor=world.user("logistics_director"), approval=approval, version=approval.version
    )
    version = fresh(approval).version
    results = race(
        lambda: services.approval_approve(
            actor=world.user("school_affairs"), approval=approval, version=version
        ),
        lambda: services.approval_approve(actor=second, approval=approval, version=version),
    )
    assert sum(isinstance(r, ApprovalRequest) for r in results) == 1
    assert sum(refused(r) for r in results) == 1
    approval = fresh(approval)
    assert approval.current_step.name == "校长审批"  # moved on exactly one step, nothing skipped
    assert approval.tasks.filter(status=TaskStatus.APPROVED).count() == 2


def test_a_double_click_approves_once(world):
    _, approval = submit(world, "6000")
    version = approval.version
    director = world.user("logistics_director")
    results = race(
        lambda: services.approval_approve(actor=director, approval=approval, version=version),
        lambda: services.approval_approve(actor=director, approval=approval, version=version),
    )
    assert sum(isinstance(r, ApprovalRequest) for r in results) == 1
    assert fresh(approval).current_step.name == "校务办审核"


def test_a_double_click_without_version_cannot_skip_a_step(world):
    """Even without the form's version (an API client), the same person cannot approve two steps."""
    _, approval = submit(world, "100", actor=world.user("teacher"))
    director = world.user("logistics_director")
    race(
        lambda: services.approval_approve(actor=director, approval=approval),
        lambda: services.approval_approve(actor=director, approval=approval),
    )
    approval = fresh(approval)
    assert approval.status == ApprovalStatus.PENDING and approval.current_step.name == "校务办审核"


def test_approve_racing_withdraw_never_approves_a_withdrawn_request(world):
    gr, approval = submit(world, "100")
    version = approval.version
    results = race(
        lambda: services.approval_approve(
            actor=world.user("logistics_director"), approval=approval, version=version
        ),
        lambda: services.approval_withdraw(actor=world.user("teacher"), approval=approval, version=version),
    )
    assert sum(refused(r) for r in results) == 1
    approval = fresh(approval)
    if approval.status == ApprovalStatus.WITHDRAWN:
        assert not approval.tasks.filter(status=TaskStatus.APPROVED).exists()
    else:
        assert approval.current_step.name == "校务办审核"
        assert fresh(gr).status == "submitted"


def test_two_tabs_submitting_the_same_draft_start_one_approval(world):
    from houqin.approvals.models import GeneralRequest

    teacher = world.user("teacher")
    gr = services.general_request_create(actor=teacher, school=world.school, title="两个标签页", amount=None)
    results = race(
        lambda: services.general_request_submit(actor=teacher, general_request=gr),
        lambda: services.general_request_submit(actor=teacher, general_request=gr),
    )
    assert sum(isinstance(r, GeneralRequest) for r in results) == 1
    assert ApprovalRequest.objects.filter(target_id=gr.pk, document_type="general_request").count() == 1
