"""The custodianship API (``api:assets-assetcustody-*``): create, read, items, sign and return,
through the same services and rules as the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.assets import services
from houqin.assets.choices import Condition, CustodyHolder, CustodyStatus
from houqin.org import services as org_services

from .test_custody_services import signature

pytestmark = pytest.mark.django_db

TERM = "2026-2027学年第一学期"


def post(client, name, pk=None, data=None):
    url = reverse(f"api:assets-assetcustody-{name}", args=[pk] if pk else None)
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def world(school_a):
    org_services.school_class_update(
        actor=None, school_class=school_a.school_class, data={"head_teacher": school_a.user("head_teacher")}
    )
    school_a.school_class.refresh_from_db()
    return school_a


def test_whole_term_through_the_api(client, world):
    client.force_login(world.user("asset_clerk"))
    created = post(
        client, "list", data={"holder_kind": "class", "school_class": world.school_class.pk, "term": TERM}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("CB-") and body["status"] == "draft"
    assert body["responsible"] == world.user("head_teacher").pk and body["location"] == world.room.pk
    lines = body["items"]
    assert {"门", "窗", "门把手/锁"} <= {line["name"] for line in lines}
    kept = [{"id": line["id"], "name": line["name"], "quantity": line["quantity"]} for line in lines[:3]]
    kept.append({"name": "窗帘", "quantity": 2, "condition_out": "worn"})
    edited = post(client, "items", body["id"], {"items": kept})
    assert edited.status_code == 200, edited.content
    assert [line["name"] for line in edited.json()["items"]][-1] == "窗帘" and len(
        edited.json()["items"]
    ) == 4
    assert post(client, "sign", body["id"], {"signature": signature()}).status_code == 403, "the clerk"
    client.force_login(world.user("head_teacher"))
    assert post(client, "sign", body["id"], {"signature": signature(ink=False)}).status_code == 400
    signed = post(client, "sign", body["id"], {"signature": signature()})
    assert signed.status_code == 200 and signed.json()["status"] == CustodyStatus.SIGNED
    assert any(e["verb"] == "custody_signed" for e in signed.json()["timeline"])
    items = signed.json()["items"]
    conditions = {str(line["id"]): Condition.GOOD for line in items}
    assert post(client, "return", body["id"], {"conditions": conditions}).status_code == 403, "head teacher"
    client.force_login(world.user("asset_clerk"))
    partial = {str(items[0]["id"]): Condition.GOOD}
    missing = post(client, "return", body["id"], {"conditions": partial})
    assert missing.status_code == 400 and "conditions" in missing.json()["errors"]
    conditions[str(items[-1]["id"])] = Condition.MISSING
    returned = post(
        client, "return", body["id"], {"conditions": conditions, "notes": {str(items[-1]["id"]): "丢了"}}
    )
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == CustodyStatus.RETURNED
    assert returned.json()["items"][-1]["condition_back"] == Condition.MISSING


def test_a_teacher_cannot_create_and_another_schools_class_is_refused(client, world, school_b):
    client.force_login(world.user("teacher"))
    response = post(
        client, "list", data={"holder_kind": "class", "school_class": world.school_class.pk, "term": TERM}
    )
    assert response.status_code == 403
    client.force_login(world.user("asset_clerk"))
    foreign = post(
        client, "list", data={"holder_kind": "class", "school_class": school_b.school_class.pk, "term": TERM}
    )
    assert foreign.status_code == 400 and "school_class" in foreign.json()["errors"]


def test_list_mine_and_another_schools_sheet_is_404(client, world, school_b):
    sheet = services.asset_custody_create(
        actor=None,
        school=world.school,
        holder_kind=CustodyHolder.SCHOOL_CLASS,
        school_class=world.school_class,
        location=None,
        term=TERM,
    )
    client.force_login(world.user("head_teacher"))
    mine = client.get(reverse("api:assets-assetcustody-list"), {"tab": "mine"}).json()
    assert sheet.pk in [r["id"] for r in mine["results"]]
    assert mine["results"][0]["actions"] == ["edit", "sign"]
    url = reverse("api:assets-assetcustody-detail", args=[school_b.asset_custody.pk])
    assert client.get(url).status_code == 404
    assert post(client, "sign", school_b.asset_custody.pk, {"signature": signature()}).status_code == 404
