"""The damage API: report, read (with the timeline and the user's actions), assess / settle / waive
as POST actions calling the same services; photos through the attachments API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.assets.choices import AssetStatus, DamageCause, DamageStatus
from houqin.assets.models import AssetDamage

from .test_damage_helpers import fresh, photo, report

pytestmark = pytest.mark.django_db

LIST = reverse("api:assets-assetdamage-list")


def url(damage, name=None):
    return reverse(f"api:assets-assetdamage-{name or 'detail'}", args=[damage.pk])


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def test_report_then_add_a_photo_through_the_attachments_api(client, school_a):
    client.force_login(school_a.user("teacher"))
    response = post(client, LIST, {"asset": school_a.asset.pk, "description": "投影仪不亮"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("SH-") and body["status"] == DamageStatus.REPORTED
    assert body["asset_code"] == school_a.asset.code
    assert fresh(school_a.asset).status == AssetStatus.DAMAGED
    upload = client.post(
        reverse("api:core-attachment-list"),
        {"target_type": "assets.assetdamage", "target_id": body["id"], "kind": "photo", "file": photo()},
    )
    assert upload.status_code == 201, upload.content


def test_a_card_of_another_school_is_a_field_error(client, school_a, school_b):
    client.force_login(school_a.user("teacher"))
    response = post(client, LIST, {"asset": school_b.asset.pk, "description": "x"})
    assert response.status_code == 400
    assert "asset" in response.json()["errors"]


def test_the_list_shows_what_the_user_may_see(client, school_a):
    mine = report(school_a)
    other = report(school_a, role="head_teacher", description="别处")
    client.force_login(school_a.user("teacher"))
    numbers = {r["number"] for r in client.get(LIST).json()["results"]}
    assert mine.number in numbers and other.number not in numbers
    assert client.get(url(other)).status_code == 404
    client.force_login(school_a.user("asset_clerk"))
    numbers = {r["number"] for r in client.get(LIST).json()["results"]}
    assert {mine.number, other.number} <= numbers


def test_assess_settle_through_the_api_with_field_errors(client, school_a):
    damage = report(school_a)
    client.force_login(school_a.user("asset_clerk"))
    detail = client.get(url(damage)).json()
    assert detail["actions"] == ["assess"]
    assert "damage_reported" in [e["verb"] for e in detail["timeline"]]
    response = post(
        client, url(damage, "assess"), {"cause": DamageCause.MAN_MADE, "compensation_amount": "-5"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"responsible_user", "compensation_amount"}
    response = post(
        client,
        url(damage, "assess"),
        {
            "cause": DamageCause.MAN_MADE,
            "responsible_user": school_a.user("teacher").pk,
            "compensation_amount": "88",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == DamageStatus.COMPENSATION_DUE
    assert response.json()["actions"] == ["settle", "waive"]
    response = post(client, url(damage, "settle"), {"receipt_number": "SJ-9"})
    assert response.status_code == 200 and response.json()["status"] == DamageStatus.COMPENSATED


def test_a_teacher_cannot_assess_and_a_waiver_goes_to_approval(client, school_a):
    damage = report(school_a)
    client.force_login(school_a.user("teacher"))
    assert post(client, url(damage, "assess"), {"cause": DamageCause.NATURAL}).status_code == 403
    client.force_login(school_a.user("asset_clerk"))
    post(
        client,
        url(damage, "assess"),
        {"cause": DamageCause.MAN_MADE, "responsible_name": "学生甲", "compensation_amount": "5"},
    )
    response = post(client, url(damage, "waive"), {"reason": "家庭困难"})
    assert response.status_code == 200 and response.json()["status"] == DamageStatus.WAIVER_PENDING
    assert AssetDamage.objects.get(pk=damage.pk).waiver_reason == "家庭困难"


def test_natural_wear_through_the_api(client, school_a):
    damage = report(school_a)
    client.force_login(school_a.user("logistics_director"))
    response = post(client, url(damage, "assess"), {"cause": DamageCause.NATURAL})
    assert response.status_code == 200 and response.json()["status"] == DamageStatus.REPAIR
    assert fresh(school_a.asset).status == AssetStatus.UNDER_REPAIR
    assert client.patch(url(damage), {"description": "x"}, content_type="application/json").status_code == 405


def test_the_api_list_query_count_does_not_grow(client, school_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_damage_views import grow

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(school_a.user("teacher"))  # the object rules run per row: select_related covers them
    grow(school_a, 3)
    count()
    few = count()
    grow(school_a, 30)
    assert count() == few
    assert client.get(LIST).json()["count"] == 34  # and the sample report of make_school()
