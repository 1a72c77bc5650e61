"""Ledger pages as a user walks them: the ledger list with its filters, totals, htmx partial and
export; the card page (net value as of a date, schedule, custom fields, history); the card form
with its custom-field block; status by hand; categories, custom fields and settings."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from houqin.assets import services
from houqin.assets.choices import AssetClass, AssetStatus
from houqin.assets.models import Asset, AssetCategory, AssetCustomField, AssetSettings
from houqin.core.export_models import ExportJob
from houqin.core.exports import run_export
from houqin.core.models import AuditEvent
from houqin.org import services as org_services
from houqin.org.choices import LocationKind

pytestmark = pytest.mark.django_db


def category(world, code: str) -> AssetCategory:
    return AssetCategory.objects.get(school=world.school, code=code)


def add_assets(world, n: int, *, start: int = 0, **data) -> list[Asset]:
    items = [
        {
            "name": f"椅子{i}",
            "code": f"T-{i:05d}",
            "category": category(world, "601"),
            "quantity": 2,
            "unit_price": Decimal("100.00"),
            "acquired_on": dt.date(2023, 5, 1),
            "location": world.room,
            "department": world.department,
            "custodian": world.user("teacher"),
            **data,
        }
        for i in range(start, start + n)
    ]
    return services.asset_create_many(actor=None, school=world.school, items=items)


def listed(response) -> set[str]:
    return {a.code for a in response.context["page"].object_list}


@pytest.fixture
def clerk(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    return school_a.user("asset_clerk")


# --- the ledger list ------------------------------------------------------------------------------


def test_ledger_lists_the_schools_cards_with_totals(client, school_a, clerk):
    add_assets(school_a, 3)
    response = client.get(reverse("assets:asset_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert {"T-00000", "T-00001", "T-00002", "ZC-a-001"} <= listed(response)
    totals = response.context["totals"]
    expected = Asset.objects.for_school(school_a.school).active().count()
    assert totals["cards"] == expected
    assert totals["quantity"] == sum(a.quantity for a in Asset.objects.for_school(school_a.school).active())
    assert 'id="add-asset"' in body and 'id="import-assets"' in body and "export=xlsx" in body
    assert "text-bg-success" in body  # status badge colour of 在用 (choices.STATUS_COLOURS)


def test_totals_follow_the_filter(client, school_a, clerk):
    stools = services.asset_category_create(
        actor=None, school=school_a.school, code="60109", name="凳子", parent=category(school_a, "601")
    )
    add_assets(school_a, 3, category=stools)
    response = client.get(reverse("assets:asset_list"), {"category": stools.pk})
    assert response.context["totals"] == {"cards": 3, "quantity": 6, "value": Decimal("600.00")}


def test_disposed_cards_leave_the_ledger_but_a_status_filter_shows_them(client, school_a, clerk):
    """DOMAIN.md: disposed assets leave the active ledger but keep their card and history."""
    gone, kept = add_assets(school_a, 2)
    Asset.objects.filter(pk=gone.pk).update(status=AssetStatus.DISPOSED)
    url = reverse("assets:asset_list")
    assert gone.code not in listed(client.get(url))
    assert listed(client.get(url, {"status": "disposed"})) == {gone.code}
    assert {gone.code, kept.code} <= listed(client.get(url, {"status": "all"}))
    assert gone.code in listed(client.get(url, {"status": "all", "q": gone.code}))


def test_filters_category_subtree_location_subtree_people_class_value_year(client, school_a, clerk):
    school = school_a.school
    chairs = add_assets(school_a, 2)
    other_room = org_services.location_create(
        actor=None,
        school=school,
        campus=school_a.campus,
        name="仓库",
        kind=LocationKind.ROOM,
        parent=school_a.building,
    )
    computer = services.asset_create(
        actor=None,
        school=school,
        code="PC-9",
        name="笔记本电脑",
        category=category(school_a, "301"),
        unit_price=Decimal("5200"),
        acquired_on=dt.date(2021, 7, 1),
        location=other_room,
        custodian=school_a.user("technician"),
    )
    url = reverse("assets:asset_list")
    assert listed(client.get(url, {"category": category(school_a, "3").pk})) >= {"PC-9"}
    assert "T-00000" not in listed(client.get(url, {"category": category(school_a, "3").pk}))
    building = listed(client.get(url, {"location": school_a.building.pk}))
    assert {"PC-9", chairs[0].code, chairs[1].code} <= building  # rooms under the building
    assert "PC-9" not in listed(client.get(url, {"location": school_a.floor.pk}))
    assert listed(client.get(url, {"custodian": school_a.user("technician").pk})) == {"PC-9"}
    assert "PC-9" not in listed(client.get(url, {"department": school_a.department.pk}))
    assert "PC-9" not in listed(client.get(url, {"asset_class": AssetClass.LOW_VALUE}))
    assert listed(client.get(url, {"value_min": "5000", "value_max": "6000"})) == {"PC-9"}
    assert listed(client.get(url, {"year": "2021"})) == {"PC-9"}
    assert computer.asset_class == AssetClass.FIXED


def test_search_by_code_name_and_pinyin(client, school_a, clerk):
    add_assets(school_a, 1)
    url = reverse("assets:asset_list")
    assert listed(client.get(url, {"q": "zc-a-001"})) == {"ZC-a-001"}  # code, any case
    assert "ZC-a-001" in listed(client.get(url, {"q": "tsdn"}))  # 台式电脑: pinyin initials
    assert "ZC-a-001" in listed(client.get(url, {"q": "taishidiannao"}))  # full pinyin
    assert listed(client.get(url, {"q": "椅子0"})) == {"T-00000"}


def test_filter_panel_htmx_partial_is_just_the_results(client, school_a, clerk):
    response = client.get(
        reverse("assets:asset_list"), {"status": "idle"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "ledger-filters" not in body and "ledger-totals" in body


def test_bad_filter_value_shows_an_error_not_a_crash(client, school_a, clerk):
    response = client.get(reverse("assets:asset_list"), {"value_min": "-5", "year": "abc"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors.keys() >= {"value_min", "year"}


def test_export_uses_the_same_filters(client, school_a, clerk):
    add_assets(school_a, 3)
    response = client.get(reverse("assets:asset_list"), {"export": "xlsx", "q": "T-0000"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("资产编号", "资产名称", "资产分类")
    assert sorted(r[0] for r in rows[1:]) == ["T-00000", "T-00001", "T-00002"]
    assert rows[1][2] == "601 课桌椅"
    assert AuditEvent.objects.for_school(school_a.school).filter(verb="exported").exists()


def test_big_export_runs_as_a_task(client, school_a, clerk, settings):
    """Issue 4: exporting many cards runs as a task with progress (core/exports.py)."""
    settings.HOUQIN = {**settings.HOUQIN, "EXPORT_SYNC_MAX_ROWS": 2}
    add_assets(school_a, 3)
    response = client.get(reverse("assets:asset_list"), {"export": "xlsx", "status": "all"})
    job = ExportJob.objects.get(school=school_a.school, spec="assets.asset")
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.params == {"status": ["all"]}  # the task exports what the filters show
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows_total == Asset.objects.for_school(school_a.school).count()


def test_ledger_query_count_does_not_grow_with_rows(client, school_a, clerk):
    """DESIGN.md rule 6: 3 rows and 30 rows cost the same number of queries."""
    url = reverse("assets:asset_list")
    params = {"q": "yz", "location": school_a.building.pk, "status": "all"}
    add_assets(school_a, 3)
    client.get(url, params)  # warm caches

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["page"].object_list)

    small, rows_small = count()
    add_assets(school_a, 27, start=3)
    large, rows_large = count()
    assert (rows_small, rows_large) == (3, 25)
    assert small == large


# --- the card ---------------------------------------------------------------------------------------


def test_card_page_shows_value_schedule_custom_fields_actions_and_history(client, school_a, clerk):
    asset = school_a.asset
    services.asset_update(
        actor=clerk, asset=asset, data={"custom_fields": {"cpu": "i5-12400"}, "brand": "联想"}
    )
    response = client.get(reverse("assets:asset_detail", args=[asset.pk]), {"as_of": "2025-08-31"})
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["net_value"] == Decimal("4000.00")  # 4800 over 72 months, 12 months gone
    assert response.context["schedule"][0].year == 2024
    assert 'id="depreciation-schedule"' in body and "固定资产" in body
    assert "处理器a" in body and "i5-12400" in body
    actions = {a.key for a in response.context["actions"]}
    assert {"edit", "status"} <= actions
    assert reverse("assets:asset_update", args=[asset.pk]) in body
    assert "品牌：— → 联想" in body  # field-level history, old → new
    assert "处理器a：— → i5-12400" in body


def test_card_as_of_a_bad_date_uses_today(client, school_a, clerk):
    response = client.get(reverse("assets:asset_detail", args=[school_a.asset.pk]), {"as_of": "31/08/2025"})
    assert response.status_code == 200
    assert response.context["as_of_error"] is True
    assert "日期格式不对" in response.content.decode()


def test_low_value_card_has_no_schedule(client, school_a, clerk):
    kettle = services.asset_create(
        actor=None,
        school=school_a.school,
        name="热水壶",
        category=category(school_a, "302"),
        unit_price=Decimal("150"),
        acquired_on=dt.date(2024, 1, 1),
    )
    response = client.get(reverse("assets:asset_detail", args=[kettle.pk]))
    assert response.context["schedule"] == []
    assert "低值易耗品" in response.content.decode()


def test_teacher_sees_the_card_without_edit_buttons(client, school_a):
    client.force_login(school_a.user("teacher"))
    response = client.get(reverse("assets:asset_detail", args=[school_a.asset.pk]))
    assert response.status_code == 200
    keys = {a.key for a in response.context["actions"]}
    assert not keys & {"edit", "status"}
    list_body = client.get(reverse("assets:asset_list")).content.decode()
    assert 'id="add-asset"' not in list_body


def test_disposed_card_offers_no_edit(client, school_a, clerk):
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    response = client.get(reverse("assets:asset_detail", args=[school_a.asset.pk]))
    assert not {a.key for a in response.context["actions"]} & {"edit", "status"}
    response = client.get(reverse("assets:asset_update", args=[school_a.asset.pk]))
    assert response.status_code == 302


# --- the card form ------------------------------------------------------------------------------------


def card_post(world, **overrides) -> dict:
    data = {
        "code": "",
        "name": "投影仪",
        "category": category(world, "307").pk,
        "spec_model": "EB-X51",
        "brand": "爱普生",
        "quantity": "1",
        "unit": "台",
        "unit_price": "3200.00",
        "acquired_on": "2024-03-01",
        "acquisition_way": "purchase",
        "location": world.room.pk,
        "department": world.department.pk,
        "custodian": world.user("teacher").pk,
    }
    data.update(overrides)
    return data


def test_create_card_with_custom_fields(client, school_a, clerk):
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=category(school_a, "3"),
        key="lumen",
        label="亮度",
        field_type="number",
        required=True,
    )
    url = reverse("assets:asset_create")
    form_page = client.get(url, {"category": category(school_a, "307").pk})
    assert 'name="cf_lumen"' in form_page.content.decode()  # the ancestor's field shows
    response = client.post(url, card_post(school_a, cf_lumen="3600"))
    assert response.status_code == 302
    asset = Asset.objects.get(school=school_a.school, name="投影仪")
    assert response["Location"] == asset.get_absolute_url()
    assert asset.code.startswith("ZC-")
    assert asset.custom_fields == {"lumen": "3600"}
    assert asset.created_by == clerk


def test_save_and_add_another_returns_to_the_form_with_the_category(client, school_a, clerk):
    response = client.post(reverse("assets:asset_create"), card_post(school_a, save_add_another="1"))
    assert response["Location"] == f"{reverse('assets:asset_create')}?category={category(school_a, '307').pk}"


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"unit_price": "-5"}, "unit_price"),
        ({"quantity": "0"}, "quantity"),
        ({"code": "ZC-a-001"}, "code"),
        ({"acquired_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "acquired_on"),
    ],
)
def test_bad_input_gives_field_errors_and_keeps_what_was_typed(client, school_a, clerk, overrides, field):
    before = Asset.objects.count()
    response = client.post(reverse("assets:asset_create"), card_post(school_a, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert Asset.objects.count() == before
    body = response.content.decode()
    assert 'value="EB-X51"' in body  # nothing typed is lost
    assert "请更正下面标出的错误" in body


def test_another_schools_location_department_custodian_are_refused(client, school_a, school_b, clerk):
    """Issue 4: "a location of another school → clear field errors" (the form offers only this school's)."""
    before = Asset.objects.count()
    data = card_post(
        school_a,
        location=school_b.room.pk,
        department=school_b.department.pk,
        custodian=school_b.user("teacher").pk,
    )
    response = client.post(reverse("assets:asset_create"), data)
    assert response.context["form"].errors.keys() >= {"location", "department", "custodian"}
    assert Asset.objects.count() == before


def test_duplicate_code_message(client, school_a, clerk):
    response = client.post(reverse("assets:asset_create"), card_post(school_a, code="ZC-a-001"))
    assert response.context["form"].errors["code"] == ["资产编号“ZC-a-001”已被本校其他资产使用。"]


def test_missing_required_custom_field_is_an_error_on_its_input(client, school_a, clerk):
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=category(school_a, "307"),
        key="lamp",
        label="灯泡型号",
        required=True,
    )
    response = client.post(reverse("assets:asset_create"), card_post(school_a))
    assert "cf_lamp" in response.context["form"].errors


def test_edit_changes_are_recorded_and_the_code_stays(client, school_a, clerk):
    asset = school_a.asset
    data = card_post(
        school_a,
        code="HACKED",
        name="台式电脑a",
        category=asset.category_id,
        unit_price="5000.00",
        acquired_on="2024-09-01",
        cf_cpu="i7",
    )
    response = client.post(reverse("assets:asset_update", args=[asset.pk]), data)
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.code == "ZC-a-001"
    assert asset.total_value == Decimal("5000.00")
    event = AuditEvent.objects.for_school(school_a.school).for_target(asset).filter(verb="updated").get()
    assert event.actor == clerk
    assert event.changes["unit_price"] == ["4800.00", "5000.00"]
    assert event.changes["处理器a"] == [None, "i7"]


def test_category_change_swaps_the_custom_field_block(client, school_a, clerk):
    services.asset_custom_field_create(
        actor=None, school=school_a.school, category=category(school_a, "6"), key="material", label="材质"
    )
    url = reverse("assets:asset_form_fields")
    response = client.get(
        url, {"category": category(school_a, "601").pk, "cf_material": "实木", "cf_cpu": "i5"}
    )
    body = response.content.decode()
    assert 'name="cf_material"' in body and 'value="实木"' in body  # typed value kept
    assert "cf_cpu" not in body
    assert "<html" not in body  # a partial
    response = client.get(url, {"category": category(school_a, "301").pk})
    assert 'name="cf_cpu"' in response.content.decode()


def test_custom_field_block_is_permission_checked(client, school_a):
    client.force_login(school_a.user("teacher"))
    response = client.get(reverse("assets:asset_form_fields"), {"category": school_a.asset.category_id})
    assert response.status_code == 403


def test_custom_field_block_ignores_another_schools_category(client, school_a, school_b, clerk):
    response = client.get(reverse("assets:asset_form_fields"), {"category": category(school_b, "301").pk})
    assert response.status_code == 200
    assert "cf_cpu" not in response.content.decode()


# --- status by hand ----------------------------------------------------------------------------------


def test_status_change_page(client, school_a, clerk):
    url = reverse("assets:asset_status", args=[school_a.asset.pk])
    form = client.get(url).context["form"]
    assert "disposed" not in dict(form.fields["status"].choices)
    response = client.post(url, {"status": "idle", "reason": ""})
    assert "reason" in response.context["form"].errors  # a reason is asked for
    response = client.post(url, {"status": "idle", "reason": "学期结束"})
    assert response.status_code == 302
    school_a.asset.refresh_from_db()
    assert school_a.asset.status == AssetStatus.IDLE
    detail = client.get(reverse("assets:asset_detail", args=[school_a.asset.pk])).content.decode()
    assert "状态变更" in detail and "在用 → 闲置" in detail and "学期结束" in detail


# --- categories, custom fields, settings ------------------------------------------------------------


def test_category_tree_and_detail(client, school_a, clerk):
    response = client.get(reverse("assets:assetcategory_list"))
    codes = [c.code for c in response.context["page"].object_list]
    assert codes.index("3") < codes.index("301") < codes.index("307") < codes.index("4")  # tree order
    body = response.content.decode()
    assert "padding-left: 2.25rem" in body  # sub-categories indented
    detail = client.get(reverse("assets:assetcategory_detail", args=[category(school_a, "3").pk]))
    body = detail.content.decode()
    assert "计算机设备" in body and 'id="sub-categories"' in body
    assert detail.context["rules"].life_years == 6
    computers = client.get(reverse("assets:assetcategory_detail", args=[category(school_a, "301").pk]))
    assert "处理器a" in computers.content.decode() and 'id="add-custom-field"' in computers.content.decode()


def test_category_create_and_edit(client, school_a, clerk):
    parent = category(school_a, "301")
    response = client.post(
        reverse("assets:assetcategory_create"),
        {"parent": parent.pk, "code": "30105", "name": "平板电脑", "useful_life_years": "4"},
    )
    tablet = AssetCategory.objects.get(school=school_a.school, code="30105")
    assert response.status_code == 302 and tablet.parent == parent and tablet.depth == 2
    response = client.post(
        reverse("assets:assetcategory_create"), {"parent": parent.pk, "code": "30105", "name": "重复"}
    )
    assert "code" in response.context["form"].errors
    response = client.post(
        reverse("assets:assetcategory_update", args=[tablet.pk]),
        {
            "parent": parent.pk,
            "code": "30105",
            "name": "平板电脑",
            "useful_life_years": "",
            "is_active": "on",
        },
    )
    tablet.refresh_from_db()
    assert tablet.useful_life_years is None  # blank: inherits 6 from computers
    assert services.rules_for_category(tablet).life_years == 6


def test_custom_field_create_and_edit(client, school_a, clerk):
    cat = category(school_a, "601")
    response = client.post(
        reverse("assets:assetcustomfield_create") + f"?category={cat.pk}",
        {
            "category": cat.pk,
            "label": "颜色",
            "key": "",
            "field_type": "choice",
            "options": "红、蓝",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302
    field = AssetCustomField.objects.get(school=school_a.school, label="颜色")
    assert field.key == "yanse" and field.options == ["红", "蓝"]
    response = client.post(
        reverse("assets:assetcustomfield_update", args=[field.pk]),
        {"label": "颜色", "field_type": "choice", "options": "", "sort_order": "0", "is_active": "on"},
    )
    assert "options" in response.context["form"].errors
    response = client.post(
        reverse("assets:assetcustomfield_update", args=[field.pk]),
        {
            "label": "颜色",
            "field_type": "choice",
            "options": "红,蓝,绿",
            "sort_order": "1",
            "is_active": "on",
        },
    )
    field.refresh_from_db()
    assert field.options == ["红", "蓝", "绿"] and field.key == "yanse"


def test_settings_page(client, school_a, clerk):
    url = reverse("assets:assetsettings_update")
    form = client.get(url).context["form"]
    assert form.initial["fixed_asset_threshold"] == Decimal("1000.00")
    assert form.initial["special_equipment_threshold"] == Decimal("1500.00")
    response = client.post(
        url,
        {
            "fixed_asset_threshold": "-1",
            "special_equipment_threshold": "1500",
            "code_prefix": "ZC",
            "idle_months": "6",
            "loan_days": "7",
        },
    )
    assert "fixed_asset_threshold" in response.context["form"].errors
    response = client.post(
        url,
        {
            "fixed_asset_threshold": "1200",
            "special_equipment_threshold": "1800",
            "code_prefix": "GX",
            "idle_months": "12",
            "loan_days": "14",
        },
    )
    assert response.status_code == 302
    settings = AssetSettings.objects.get(school=school_a.school)
    assert (settings.fixed_asset_threshold, settings.code_prefix, settings.loan_days) == (
        Decimal("1200"),
        "GX",
        14,
    )


# --- permissions per role ---------------------------------------------------------------------------


READ_PAGES = ["assets:asset_list", "assets:assetcategory_list"]
WRITE_PAGES = ["assets:asset_create", "assets:asset_import"]


@pytest.mark.parametrize("role", ["teacher", "head_teacher", "technician", "principal", "finance"])
def test_staff_may_look_but_not_register(client, school_a, role):
    client.force_login(school_a.user(role))
    for name in READ_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("assets:asset_detail", args=[school_a.asset.pk])).status_code == 200
    for name in WRITE_PAGES:
        assert client.get(reverse(name)).status_code == 403, (role, name)
    asset_pk = school_a.asset.pk
    assert client.get(reverse("assets:asset_update", args=[asset_pk])).status_code == 403
    assert (
        client.post(
            reverse("assets:asset_status", args=[asset_pk]), {"status": "idle", "reason": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("assets:assetsettings_update")).status_code == 403
    school_a.asset.refresh_from_db()
    assert school_a.asset.status == AssetStatus.IN_USE


@pytest.mark.parametrize("role", ["asset_clerk", "logistics_director"])
def test_asset_keepers_may_register_and_edit(client, school_a, role):
    client.force_login(school_a.user(role))
    for name in [*READ_PAGES, *WRITE_PAGES, "assets:assetsettings_update", "assets:assetcategory_create"]:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("assets:asset_update", args=[school_a.asset.pk])).status_code == 200
    response = client.post(reverse("assets:asset_create"), card_post(school_a, code=f"{role}-1"))
    assert response.status_code == 302


def test_school_admin_keeps_categories_and_settings_not_cards(client, school_a):
    client.force_login(school_a.user("school_admin"))
    assert client.get(reverse("assets:assetcategory_create")).status_code == 200
    assert client.get(reverse("assets:assetsettings_update")).status_code == 200
    assert client.get(reverse("assets:asset_create")).status_code == 403


# --- another school ---------------------------------------------------------------------------------


def test_another_schools_card_is_not_found(client, school_a, school_b, clerk):
    for name in ["assets:asset_detail", "assets:asset_update", "assets:asset_status"]:
        assert client.get(reverse(name, args=[school_b.asset.pk])).status_code == 404
    assert (
        client.get(reverse("assets:assetcategory_detail", args=[category(school_b, "3").pk])).status_code
        == 404
    )
    body = client.get(reverse("assets:asset_list"), {"status": "all"}).content.decode()
    assert "ZC-b-001" not in body
    response = client.get(reverse("assets:asset_list"), {"category": category(school_b, "3").pk})
    assert "category" in response.context["filter"].form.errors  # not a choice here


def test_global_search_finds_assets_by_pinyin(client, school_a, clerk):
    response = client.get(reverse("core:search"), {"q": "tsdn"})
    body = response.content.decode()
    assert "台式电脑a" in body and school_a.asset.get_absolute_url() in body


def test_menu_entries_follow_permissions(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    body = client.get(reverse("core:home")).content.decode()
    for name in ("assets:asset_list", "assets:assetcategory_list", "assets:assetsettings_update"):
        assert f'href="{reverse(name)}"' in body, name
    client.force_login(school_a.user("teacher"))
    body = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("assets:asset_list")}"' in body
    assert f'href="{reverse("assets:assetsettings_update")}"' not in body


def test_card_page_query_count_does_not_grow_with_its_history(client, school_a, clerk):
    url = reverse("assets:asset_detail", args=[school_a.asset.pk])
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(20):
        services.asset_update(actor=clerk, asset=school_a.asset, data={"note": f"第{i}次", "brand": f"B{i}"})
    assert count() == small


def test_editing_a_card_whose_room_was_switched_off_keeps_the_room(client, school_a, clerk):
    org_services.location_update(actor=None, location=school_a.room, data={"is_active": False})
    asset = school_a.asset
    data = card_post(
        school_a,
        name="台式电脑a（新）",
        category=asset.category_id,
        unit_price="4800.00",
        acquired_on="2024-09-01",
    )
    response = client.post(reverse("assets:asset_update", args=[asset.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    asset.refresh_from_db()
    assert asset.location == school_a.room and asset.name == "台式电脑a（新）"
    form = client.get(reverse("assets:asset_create")).context["form"]
    assert school_a.room not in form.fields["location"].queryset  # not offered for new cards
