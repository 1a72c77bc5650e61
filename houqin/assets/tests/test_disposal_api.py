"""The disposal API: drafts created and changed through the services, ``submit`` as a POST action,
decisions on the approval (the approvals API) disposing the cards."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.assets.choices import AssetStatus, DisposalKind, DisposalStatus

from .test_damage_helpers import approval_of, fresh, make_asset

pytestmark = pytest.mark.django_db

LIST = reverse("api:assets-assetdisposal-list")


def url(obj_id, name=None):
    return reverse(f"api:assets-assetdisposal-{name or 'detail'}", args=[obj_id])


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def test_a_draft_through_the_api_then_submitted_and_approved(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    response = post(
        client, LIST, {"kind": DisposalKind.SCRAP, "reason": "主板损坏", "assets": [school_a.asset.pk]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CZ-") and body["status"] == DisposalStatus.DRAFT
    assert body["total_value"] == "4800.00"
    assert [i["asset_code"] for i in body["items"]] == [school_a.asset.code]
    assert body["actions"] == ["edit", "submit", "cancel"]
    response = post(client, url(body["id"], "submit"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == DisposalStatus.SUBMITTED
    approval_id = response.json()["approval"]["id"]
    assert response.json()["approval"]["current_step"] == "总务主任审核"
    for role in ("logistics_director", "principal"):
        client.force_login(school_a.user(role))
        approval = approval_of(type("D", (), {"pk": body["id"]})(), "asset_disposal")
        response = post(
            client,
            reverse("api:approvals-approvalrequest-approve", args=[approval_id]),
            {"version": approval.version},
        )
        assert response.status_code == 200, response.content
    assert fresh(school_a.asset).status == AssetStatus.DISPOSED
    client.force_login(school_a.user("principal"))
    detail = client.get(url(body["id"])).json()
    assert detail["status"] == DisposalStatus.APPROVED and detail["disposed_on"]
    assert "disposed" in [e["verb"] for e in detail["timeline"]]


def test_field_errors_and_cards_of_another_school(client, school_a, school_b):
    client.force_login(school_a.user("asset_clerk"))
    response = post(
        client, LIST, {"kind": DisposalKind.SALE, "reason": "出售", "assets": [school_b.asset.pk]}
    )
    assert response.status_code == 400 and "assets" in response.json()["errors"]
    response = post(
        client, LIST, {"kind": DisposalKind.SALE, "reason": "出售", "assets": [school_a.asset.pk]}
    )
    assert response.status_code == 400 and "counterparty" in response.json()["errors"]


def test_a_draft_is_patched_and_locked_once_submitted(client, school_a):
    other = make_asset(school_a, "ZC-API", "700.00")
    client.force_login(school_a.user("asset_clerk"))
    created = post(
        client, LIST, {"kind": DisposalKind.SCRAP, "reason": "旧", "assets": [school_a.asset.pk]}
    ).json()
    response = client.patch(
        url(created["id"]), {"assets": [other.pk], "reason": "换一台"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["total_value"] == "700.00"
    post(client, url(created["id"], "submit"))
    response = client.patch(url(created["id"]), {"reason": "再改"}, content_type="application/json")
    assert response.status_code == 403


def test_teachers_neither_read_nor_write_disposals(client, school_a):
    client.force_login(school_a.user("teacher"))
    assert client.get(LIST).status_code == 403
    assert (
        post(
            client, LIST, {"kind": DisposalKind.SCRAP, "reason": "x", "assets": [school_a.asset.pk]}
        ).status_code
        == 403
    )


def test_the_list_query_count_does_not_grow(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    few = count(client, LIST)
    for i in range(12):
        asset = make_asset(school_a, f"ZC-Q{i}", "1.00")
        post(client, LIST, {"kind": DisposalKind.SCRAP, "reason": "x", "assets": [asset.pk]})
    assert count(client, LIST) == few
    assert client.get(LIST).json()["count"] == 13


def count(client, path) -> int:
    client.get(path)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)
