"""The transfers API (``api:assets-assettransfer-*``): create, list, read, confirm / reject / cancel,
through the same services and rules as the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.assets import services
from houqin.assets.choices import TransferStatus
from houqin.assets.models import AssetTransfer

pytestmark = pytest.mark.django_db


def post(client, name, pk=None, data=None):
    url = reverse(f"api:assets-assettransfer-{name}", args=[pk] if pk else None)
    return client.post(url, data or {}, content_type="application/json")


def pending(world, role="head_teacher"):
    return services.asset_transfer_create(
        actor=None, school=world.school, assets=[world.asset], to_custodian=world.user(role)
    )


def test_the_clerk_creates_and_the_receiver_confirms(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    response = post(
        client,
        "list",
        data={
            "assets": [school_a.asset.pk],
            "to_custodian": school_a.user("head_teacher").pk,
            "to_location": school_a.floor.pk,
            "reason": "API",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("DP-") and body["status"] == "pending" and body["item_count"] == 1
    assert body["actions"] == ["cancel"]
    client.force_login(school_a.user("head_teacher"))
    waiting = client.get(reverse("api:assets-assettransfer-list"), {"tab": "waiting"}).json()
    assert [r["id"] for r in waiting["results"]] == [body["id"]]
    detail = client.get(reverse("api:assets-assettransfer-detail", args=[body["id"]])).json()
    assert detail["actions"] == ["confirm", "reject"]
    assert detail["items"][0]["from_custodian"]["id"] == school_a.user("teacher").pk
    assert detail["timeline"][0]["verb"] == "created"
    confirmed = post(client, "confirm", body["id"])
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["actions"] == []
    school_a.asset.refresh_from_db()
    assert school_a.asset.location == school_a.floor


def test_a_teacher_cannot_create_and_only_the_receiver_confirms(client, school_a):
    client.force_login(school_a.user("teacher"))
    response = post(
        client, "list", data={"assets": [school_a.asset.pk], "to_custodian": school_a.user("head_teacher").pk}
    )
    assert response.status_code == 403
    transfer = pending(school_a)
    assert post(client, "confirm", transfer.pk).status_code == 403
    client.force_login(school_a.user("logistics_director"))
    assert post(client, "confirm", transfer.pk).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING


def test_errors_come_back_as_field_errors(client, school_a, school_b):
    pending(school_a)
    client.force_login(school_a.user("asset_clerk"))
    response = post(
        client, "list", data={"assets": [school_a.asset.pk], "to_custodian": school_a.user("principal").pk}
    )
    assert response.status_code == 400
    assert "不能重复调配" in response.json()["errors"]["assets"][0]
    foreign = post(
        client, "list", data={"assets": [school_b.asset.pk], "to_custodian": school_a.user("principal").pk}
    )
    assert foreign.status_code == 400 and "assets" in foreign.json()["errors"]
    assert AssetTransfer.objects.filter(school=school_a.school, status=TransferStatus.PENDING).count() == 1


def test_reject_needs_a_note_and_cancel_is_the_creators(client, school_a):
    transfer = pending(school_a)
    client.force_login(school_a.user("head_teacher"))
    assert post(client, "reject", transfer.pk, {"note": ""}).status_code == 400
    assert post(client, "cancel", transfer.pk).status_code == 403
    rejected = post(client, "reject", transfer.pk, {"note": "不需要"})
    assert rejected.status_code == 200 and rejected.json()["decision_note"] == "不需要"
    again = pending(school_a)
    client.force_login(school_a.user("asset_clerk"))
    cancelled = post(client, "cancel", again.pk, {"reason": "重复"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_another_schools_transfer_is_404(client, school_a, school_b):
    client.force_login(school_a.user("logistics_director"))
    assert (
        client.get(reverse("api:assets-assettransfer-detail", args=[school_b.asset_transfer.pk])).status_code
        == 404
    )
    assert post(client, "cancel", school_b.asset_transfer.pk).status_code == 404
