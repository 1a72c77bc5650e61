"""The approvals API: my approvals and the decisions, through the same services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.approvals.choices import ApprovalStatus

from .helpers import fresh, submit

pytestmark = pytest.mark.django_db


def test_pending_list_and_detail_with_actions(client, school_a):
    _, approval = submit(school_a, "6000")
    client.force_login(school_a.user("logistics_director"))
    body = client.get(reverse("api:approvals-approvalrequest-list"), {"tab": "pending"}).json()
    assert [r["id"] for r in body["results"]] == [approval.pk] or approval.pk in [
        r["id"] for r in body["results"]
    ]
    detail = client.get(reverse("api:approvals-approvalrequest-detail", args=[approval.pk])).json()
    assert detail["actions"] == ["approve", "return", "reject", "comment"]
    assert [s["name"] for s in detail["steps"]] == ["部门负责人审批", "校务办审核", "校长审批"]


def test_approve_through_the_api(client, school_a):
    _, approval = submit(school_a, "100")
    client.force_login(school_a.user("logistics_director"))
    response = client.post(
        reverse("api:approvals-approvalrequest-approve", args=[approval.pk]),
        {"version": approval.version, "comment": "同意"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["current_step"]["name"] == "校务办审核"


def test_stale_version_and_missing_reason_are_400(client, school_a):
    _, approval = submit(school_a, "100")
    client.force_login(school_a.user("logistics_director"))
    url = reverse("api:approvals-approvalrequest-reject", args=[approval.pk])
    response = client.post(url, {"version": approval.version, "comment": ""}, content_type="application/json")
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    response = client.post(
        url, {"version": approval.version + 5, "comment": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert fresh(approval).status == ApprovalStatus.PENDING


def test_return_and_withdraw_routes(client, school_a):
    _, approval = submit(school_a, "100")
    client.force_login(school_a.user("teacher"))
    response = client.post(
        reverse("api:approvals-approvalrequest-return", args=[approval.pk]),
        {"comment": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403  # not the approver
    response = client.post(
        reverse("api:approvals-approvalrequest-withdraw", args=[approval.pk]),
        {},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_someone_not_involved_gets_404(client, school_a):
    _, approval = submit(school_a, "100")
    client.force_login(school_a.user("guard"))
    assert client.get(reverse("api:approvals-approvalrequest-detail", args=[approval.pk])).status_code == 404
    response = client.post(
        reverse("api:approvals-approvalrequest-approve", args=[approval.pk]),
        {},
        content_type="application/json",
    )
    assert response.status_code == 404
