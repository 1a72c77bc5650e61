"""Approval pages as people use them: submit a 事项申请, decide on the approval page (only the
buttons the user may press), stale tabs, 我的审批 tabs with a constant query count, policy and
delegation pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.approvals import services
from houqin.approvals.choices import ApprovalStatus, GeneralRequestStatus
from houqin.approvals.models import ApprovalDelegation, ApprovalPolicy, GeneralRequest

from .helpers import fresh, submit

pytestmark = pytest.mark.django_db


def login(client, world, role):
    client.force_login(world.user(role))
    return world.user(role)


def test_teacher_creates_and_submits_a_request(client, school_a):
    login(client, school_a, "teacher")
    response = client.post(
        reverse("approvals:generalrequest_create"),
        {
            "title": "购买扩音器",
            "description": "上课用",
            "amount": "6000",
            "department": school_a.department.pk,
        },
    )
    gr = GeneralRequest.objects.for_school(school_a.school).get(title="购买扩音器")
    assert response.status_code == 302 and response["Location"] == gr.get_absolute_url()
    assert gr.number.startswith("SQ-")
    page = client.get(gr.get_absolute_url()).content.decode()
    assert 'id="submit-request"' in page
    client.post(reverse("approvals:generalrequest_submit", args=[gr.pk]))
    assert fresh(gr).status == GeneralRequestStatus.SUBMITTED
    page = client.get(gr.get_absolute_url()).content.decode()
    assert 'id="submit-request"' not in page and "部门负责人审批" in page


def test_form_errors_lose_nothing(client, school_a):
    login(client, school_a, "teacher")
    response = client.post(reverse("approvals:generalrequest_create"), {"title": "", "amount": "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_submission_without_approver_shows_a_clear_message(client, school_a):
    from houqin.org import services as org_services

    dep = org_services.department_create(actor=None, school=school_a.school, name="无负责人部门a")
    teacher = login(client, school_a, "teacher")
    gr = services.general_request_create(actor=teacher, school=school_a.school, title="x", department=dep)
    response = client.post(reverse("approvals:generalrequest_submit", args=[gr.pk]), follow=True)
    assert "没有设置部门负责人" in response.content.decode()
    assert fresh(gr).status == GeneralRequestStatus.DRAFT


def test_the_approver_sees_the_buttons_and_approves(client, school_a):
    _, approval = submit(school_a, "6000")
    login(client, school_a, "logistics_director")
    page = client.get(approval.get_absolute_url())
    assert page.context["actions"] == ["approve", "return", "reject", "comment"]
    assert 'id="approve"' in page.content.decode()
    response = client.post(
        reverse("approvals:approvalrequest_act", args=[approval.pk]),
        {"action": "approve", "version": approval.version, "step_order": 1, "comment": "同意"},
    )
    assert response.status_code == 302
    assert fresh(approval).current_step.name == "校务办审核"


def test_the_requester_sees_withdraw_not_approve(client, school_a):
    _, approval = submit(school_a, "6000")
    login(client, school_a, "teacher")
    page = client.get(approval.get_absolute_url()).content.decode()
    assert 'id="withdraw"' in page and 'id="approve"' not in page
    client.post(
        reverse("approvals:approvalrequest_act", args=[approval.pk]),
        {"action": "withdraw", "version": approval.version},
    )
    assert fresh(approval).status == ApprovalStatus.WITHDRAWN


def test_a_stale_tab_is_refused_with_a_clear_message(client, school_a):
    _, approval = submit(school_a, "6000")
    shown = approval.version
    services.approval_approve(actor=school_a.user("logistics_director"), approval=approval, version=shown)
    login(client, school_a, "school_affairs")
    response = client.post(
        reverse("approvals:approvalrequest_act", args=[approval.pk]),
        {"action": "approve", "version": shown, "step_order": 1},
        follow=True,
    )
    assert "已有变化" in response.content.decode()
    assert fresh(approval).current_step.name == "校务办审核"


def test_reject_without_reason_shows_the_field_error(client, school_a):
    _, approval = submit(school_a, "100")
    login(client, school_a, "logistics_director")
    response = client.post(
        reverse("approvals:approvalrequest_act", args=[approval.pk]),
        {"action": "reject", "version": approval.version, "step_order": 1, "comment": ""},
    )
    assert response.status_code == 400
    assert "请填写理由" in response.content.decode()
    assert fresh(approval).status == ApprovalStatus.PENDING


def test_an_outsider_of_the_same_school_cannot_open_the_approval(client, school_a):
    _, approval = submit(school_a, "100")
    login(client, school_a, "guard")
    assert client.get(approval.get_absolute_url()).status_code == 404
    login(client, school_a, "principal")  # 校长 sees every approval of the school
    assert client.get(approval.get_absolute_url()).status_code == 200


def test_my_approvals_tabs(client, school_a):
    _, approval = submit(school_a, "100", title="标签测试")
    login(client, school_a, "logistics_director")
    pending = client.get(reverse("approvals:approvalrequest_list"))
    assert approval in pending.context["page"].object_list
    assert pending.context["pending_count"] >= 1
    services.approval_approve(actor=school_a.user("logistics_director"), approval=approval)
    done = client.get(reverse("approvals:approvalrequest_list"), {"tab": "done"})
    assert approval in done.context["page"].object_list
    login(client, school_a, "teacher")
    mine = client.get(reverse("approvals:approvalrequest_list"), {"tab": "mine"})
    assert approval in mine.context["page"].object_list


def test_home_shows_the_todo(client, school_a):
    login(client, school_a, "logistics_director")
    assert "项待我审批" in client.get(reverse("core:home")).content.decode()


def test_my_approvals_query_count_does_not_grow_with_rows(client, school_a, django_assert_max_num_queries):
    """DESIGN.md rule 6: the list's queries do not grow with the number of rows."""
    login(client, school_a, "logistics_director")
    url = reverse("approvals:approvalrequest_list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        submit(school_a, "100", title=f"批量{i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["page"].object_list) >= 9


def test_htmx_partial_is_the_results_only(client, school_a):
    login(client, school_a, "logistics_director")
    response = client.get(
        reverse("approvals:approvalrequest_list"), headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.content.decode().lstrip().startswith('<div id="results"')


def test_admin_edits_a_policy_reorders_and_removes_steps(client, school_a):
    login(client, school_a, "school_admin")
    policy = ApprovalPolicy.objects.get(school=school_a.school, document_type="general_request")
    page = client.get(reverse("approvals:approvalpolicy_update", args=[policy.pk]))
    assert page.status_code == 200
    steps = list(policy.steps.all())
    data = {
        "name": "事项申请（新）",
        "steps-TOTAL_FORMS": str(len(steps) + 1),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, s in enumerate(steps):
        data.update(
            {
                f"steps-{i}-name": s.name,
                f"steps-{i}-kind": s.kind,
                f"steps-{i}-rule": s.rule,
                f"steps-{i}-role": s.role_id or "",
                f"steps-{i}-user": "",
                f"steps-{i}-min_amount": s.min_amount or "",
                f"steps-{i}-mode": s.mode,
                f"steps-{i}-ORDER": str(i + 1),
            }
        )
    data["steps-0-ORDER"] = "3"  # department head moves after the school affairs office
    data["steps-3-DELETE"] = "on"  # the collective decision step goes
    n = len(steps)
    data.update(
        {
            f"steps-{n}-name": "会计审核",
            f"steps-{n}-kind": "approval",
            f"steps-{n}-rule": "role",
            f"steps-{n}-role": school_a.role("finance").pk,
            f"steps-{n}-mode": "any",
            f"steps-{n}-ORDER": "9",
        }
    )
    response = client.post(reverse("approvals:approvalpolicy_update", args=[policy.pk]), data)
    assert response.status_code == 302, response.context["formset"].errors if response.context else ""
    assert [s.name for s in fresh(policy).steps.all()] == [
        "校务办审核",
        "部门负责人审批",
        "校长审批",
        "会计审核",
    ]


def test_a_teacher_cannot_edit_policies(client, school_a):
    policy = ApprovalPolicy.objects.get(school=school_a.school, document_type="general_request")
    login(client, school_a, "teacher")
    assert client.get(reverse("approvals:approvalpolicy_update", args=[policy.pk])).status_code == 403
    assert client.get(reverse("approvals:approvalpolicy_list")).status_code == 403


def test_principal_sets_a_delegation_and_cancels_it(client, school_a):
    login(client, school_a, "principal")
    today = timezone.localdate()
    response = client.post(
        reverse("approvals:approvaldelegation_create"),
        {
            "delegate": school_a.user("supervising_leader").pk,
            "start_date": today,
            "end_date": today + dt.timedelta(days=3),
            "reason": "外出学习",
        },
    )
    assert response.status_code == 302
    delegation = ApprovalDelegation.objects.get(school=school_a.school, reason="外出学习")
    assert delegation.delegator == school_a.user("principal")
    assert "外出学习" in client.get(reverse("approvals:approvaldelegation_list")).content.decode()
    assert client.get(reverse("approvals:approvaldelegation_cancel", args=[delegation.pk])).status_code == 405
    client.post(reverse("approvals:approvaldelegation_cancel", args=[delegation.pk]))
    assert not fresh(delegation).is_active


def test_a_delegate_sees_the_pending_task_and_acts(client, school_a):
    today = timezone.localdate()
    services.approval_delegation_create(
        actor=school_a.user("logistics_director"),
        school=school_a.school,
        delegator=school_a.user("logistics_director"),
        delegate=school_a.user("finance"),
        start_date=today,
        end_date=today,
    )
    _, approval = submit(school_a, "100")
    login(client, school_a, "finance")
    assert approval in client.get(reverse("approvals:approvalrequest_list")).context["page"].object_list
    client.post(
        reverse("approvals:approvalrequest_act", args=[approval.pk]),
        {"action": "approve", "version": approval.version, "step_order": 1},
    )
    page = client.get(approval.get_absolute_url()).content.decode()
    assert "financea 代 logistics_directora" in page
