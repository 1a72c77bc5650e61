"""The ledger API: the ledger's filters and search, the card with net value, custom fields, actions
and timeline, writes through the services, errors as field errors, another school refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.assets import services
from houqin.assets.choices import AssetStatus
from houqin.assets.models import Asset, AssetCategory, AssetCustomField
from houqin.core.models import AuditEvent

pytestmark = pytest.mark.django_db

ASSETS = "/api/v1/assets/"
CATEGORIES = "/api/v1/asset-categories/"
FIELDS = "/api/v1/asset-custom-fields/"


def category(world, code: str) -> AssetCategory:
    return AssetCategory.objects.get(school=world.school, code=code)


@pytest.fixture
def clerk(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    return school_a.user("asset_clerk")


def new_card(world, **overrides) -> dict:
    return {
        "name": "投影仪",
        "category": category(world, "307").pk,
        "quantity": 1,
        "unit": "台",
        "unit_price": "3200.00",
        "acquired_on": "2024-03-01",
        "location": world.room.pk,
        "custodian": world.user("teacher").pk,
        "custom_fields": {},
        **overrides,
    }


def test_list_filters_and_search_like_the_page(client, school_a, clerk):
    response = client.get(ASSETS, {"q": "tsdn"})
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == ["ZC-a-001"]
    row = response.json()["results"][0]
    assert row["status_label"] == "在用" and row["asset_class_label"] == "固定资产"
    assert row["location_name"] == school_a.room.full_name
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    assert "ZC-a-001" not in [r["code"] for r in client.get(ASSETS).json()["results"]]
    assert [r["code"] for r in client.get(ASSETS, {"status": "disposed"}).json()["results"]] == ["ZC-a-001"]
    response = client.get(ASSETS, {"category": category(school_a, "3").pk, "status": "all", "year": 2024})
    assert "ZC-a-001" in [r["code"] for r in response.json()["results"]]


def test_bad_filter_is_a_field_error(client, school_a, clerk):
    response = client.get(ASSETS, {"value_min": "abc"})
    assert response.status_code == 400
    assert "value_min" in response.json()["errors"]


def test_retrieve_has_net_value_custom_fields_actions_and_timeline(client, school_a, clerk):
    asset = school_a.asset
    services.asset_update(actor=clerk, asset=asset, data={"custom_fields": {"cpu": "i5"}})
    response = client.get(f"{ASSETS}{asset.pk}/", {"as_of": "2025-08-31"})
    data = response.json()
    assert response.status_code == 200
    assert data["net_value"] == "4000.00" and data["net_value_as_of"] == "2025-08-31"
    assert data["life_years"] == 6
    assert {"key": "cpu", "label": "处理器a", "value": "i5"} in data["custom_field_values"]
    assert {"edit", "status"} <= {a["key"] for a in data["actions"]}
    verbs = [e["verb"] for e in data["timeline"]]
    assert verbs[0] == "updated" and "created" in verbs
    assert data["timeline"][0]["change_rows"] == [{"field": "处理器a", "old": "—", "new": "i5"}]
    assert client.get(f"{ASSETS}{asset.pk}/", {"as_of": "soon"}).status_code == 400


def test_teacher_reads_but_has_no_edit_actions_and_cannot_write(client, school_a):
    client.force_login(school_a.user("teacher"))
    data = client.get(f"{ASSETS}{school_a.asset.pk}/").json()
    assert not {a["key"] for a in data["actions"]} & {"edit", "status"}
    assert client.post(ASSETS, new_card(school_a), content_type="application/json").status_code == 403
    response = client.patch(f"{ASSETS}{school_a.asset.pk}/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    response = client.post(
        f"{ASSETS}{school_a.asset.pk}/set-status/", {"status": "idle"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_create_goes_through_the_service(client, school_a, clerk):
    response = client.post(ASSETS, new_card(school_a), content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"].startswith("ZC-") and data["total_value"] == "3200.00"
    asset = Asset.objects.get(pk=data["id"])
    assert AuditEvent.objects.for_school(school_a.school).for_target(asset).get(verb="created").actor == clerk


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"unit_price": "-1"}, "unit_price"),
        ({"quantity": 0}, "quantity"),
        ({"code": "ZC-a-001"}, "code"),
        ({"acquired_on": (dt.date.today() + dt.timedelta(days=1)).isoformat()}, "acquired_on"),
    ],
)
def test_bad_input_is_a_field_error(client, school_a, clerk, overrides, field):
    before = Asset.objects.count()
    response = client.post(ASSETS, new_card(school_a, **overrides), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert Asset.objects.count() == before


def test_another_schools_links_are_refused(client, school_a, school_b, clerk):
    response = client.post(
        ASSETS,
        new_card(
            school_a,
            location=school_b.room.pk,
            custodian=school_b.user("teacher").pk,
            category=category(school_b, "307").pk,
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"location", "custodian", "category"} <= set(response.json()["errors"])


def test_custom_field_errors_come_back(client, school_a, clerk):
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=category(school_a, "307"),
        key="lumen",
        label="亮度",
        field_type="number",
    )
    response = client.post(
        ASSETS, new_card(school_a, custom_fields={"lumen": "很亮"}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["custom_fields"] == ["“亮度”应为数字。"]


def test_update_is_recorded_and_the_code_stays(client, school_a, clerk):
    asset = school_a.asset
    response = client.patch(
        f"{ASSETS}{asset.pk}/", {"code": "NEW", "unit_price": "5000.00"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    asset.refresh_from_db()
    assert asset.code == "ZC-a-001" and asset.total_value == Decimal("5000.00")
    assert AuditEvent.objects.for_school(school_a.school).for_target(asset).filter(verb="updated").exists()


def test_set_status_action(client, school_a, clerk):
    url = f"{ASSETS}{school_a.asset.pk}/set-status/"
    response = client.post(url, {"status": "idle", "reason": "寒假"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "idle"
    response = client.post(url, {"status": "disposed"}, content_type="application/json")
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_another_schools_card_is_not_found(client, school_a, school_b, clerk):
    assert client.get(f"{ASSETS}{school_b.asset.pk}/").status_code == 404
    response = client.post(
        f"{ASSETS}{school_b.asset.pk}/set-status/", {"status": "idle"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_categories_and_custom_fields(client, school_a, clerk):
    response = client.post(
        CATEGORIES,
        {"parent": category(school_a, "301").pk, "code": "30109", "name": "服务器", "useful_life_years": 5},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    server = AssetCategory.objects.get(pk=response.json()["id"])
    assert server.depth == 2
    duplicate = client.post(CATEGORIES, {"code": "30109", "name": "又一个"}, content_type="application/json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]
    response = client.post(
        FIELDS,
        {"category": server.pk, "label": "机柜位置", "field_type": "choice", "options": ["A1", "A2"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    field = AssetCustomField.objects.get(pk=response.json()["id"])
    assert field.key == "jiguiweizhi"
    response = client.patch(
        f"{FIELDS}{field.pk}/", {"key": "x", "required": True}, content_type="application/json"
    )
    field.refresh_from_db()
    assert response.status_code == 200 and field.required and field.key == "jiguiweizhi"
    listed = client.get(FIELDS, {"category": server.pk}).json()["results"]
    assert [f["label"] for f in listed] == ["机柜位置"]


def test_list_query_count_is_constant(client, school_a, clerk):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(ASSETS, {"status": "all"}).status_code == 200
        return len(ctx.captured_queries)

    count()
    small = count()
    services.asset_create_many(
        actor=None,
        school=school_a.school,
        items=[
            {
                "name": f"椅子{i}",
                "category": category(school_a, "601"),
                "unit_price": Decimal("80"),
                "acquired_on": dt.date(2024, 1, 1),
                "location": school_a.room,
                "custodian": school_a.user("teacher"),
                "department": school_a.department,
            }
            for i in range(30)
        ],
    )
    assert count() == small
