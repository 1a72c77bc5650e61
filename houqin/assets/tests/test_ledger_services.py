"""Services of the ledger (services/cards.py): registration, the classification rule of DOMAIN.md
("Assets"), bad input, custom fields, categories, status by hand, field-level history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.assets import services
from houqin.assets.choices import AssetClass, AssetStatus
from houqin.assets.models import Asset, AssetCategory, AssetCustomField
from houqin.core.models import AuditEvent
from houqin.core.numbering import peek_number
from houqin.core.permissions import attach_school_context
from houqin.core.services import BatchValidationError

pytestmark = pytest.mark.django_db


def member(world, role: str):
    """The role's user acting in the world's school (permissions as in a request)."""
    user = world.user(role)
    attach_school_context(SimpleNamespace(), user, world.school.pk)
    return user


def category(world, code: str) -> AssetCategory:
    return AssetCategory.objects.get(school=world.school, code=code)


def make_asset(world, *, actor=None, **data) -> Asset:
    values = {
        "name": "办公桌",
        "category": category(world, "602"),
        "quantity": 1,
        "unit": "张",
        "unit_price": Decimal("800.00"),
        "acquired_on": dt.date(2024, 3, 1),
        **data,
    }
    return services.asset_create(actor=actor or world.user("asset_clerk"), school=world.school, **values)


def next_code(world, offset: int = 0, prefix: str = "ZC") -> str:
    """The generated code ``offset`` numbers after the next one (other samples may have used some)."""
    peek = peek_number(school=world.school, key="assets.asset", prefix=prefix)
    head, number = peek.rsplit("-", 1)
    return f"{head}-{int(number) + offset:05d}"


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict


# --- registration ---------------------------------------------------------------------------------


def test_create_generates_a_code_and_derives_total_and_class(school_a):
    """登记造册: code blank → ZC-<year>-00001 from the school's prefix; total = unit price × quantity."""
    expected = next_code(school_a)
    asset = make_asset(
        school_a,
        name="学生课桌椅",
        quantity=40,
        unit="套",
        unit_price=Decimal("350.50"),
        category=category(school_a, "601"),
    )
    assert asset.code == expected
    assert expected.startswith(f"ZC-{timezone.localdate().year}-")
    assert asset.total_value == Decimal("14020.00")
    assert asset.asset_class == AssetClass.FIXED  # furniture in bulk (批量同类) counts as fixed
    assert "xskzy" in asset.search_text  # pinyin initials of 学生课桌椅
    following = next_code(school_a)
    assert make_asset(school_a).code == following


def test_code_prefix_comes_from_the_settings(school_a):
    services.asset_settings_update(actor=None, school=school_a.school, data={"code_prefix": "GZ"})
    assert make_asset(school_a).code.startswith("GZ-")


def test_generated_code_skips_a_code_taken_by_hand(school_a):
    taken, after = next_code(school_a), next_code(school_a, 1)
    make_asset(school_a, code=taken)
    assert make_asset(school_a).code == after


def test_create_records_every_field_on_the_card_timeline(school_a):
    clerk = school_a.user("asset_clerk")
    asset = make_asset(school_a, serial_number="SN-1", location=school_a.room)
    event = AuditEvent.objects.for_school(school_a.school).for_target(asset).get(verb="created")
    assert event.actor == clerk
    assert event.changes["serial_number"] == [None, "SN-1"]
    assert event.changes["total_value"] == [None, "800.00"]
    labels = {label for label, _old, _new in event.change_rows}
    assert {"资产名称", "序列号", "存放地点", "原值（元）"} <= labels


# --- classification (DOMAIN.md, Assets) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "code,price,expected",
    [
        ("302", "999.99", AssetClass.LOW_VALUE),  # office equipment under 1,000 yuan: low-value
        ("302", "1000.00", AssetClass.FIXED),  # from 1,000 yuan: fixed
        ("304", "1200.00", AssetClass.LOW_VALUE),  # special equipment needs 1,500 yuan
        ("304", "1500.00", AssetClass.FIXED),
        ("5", "45.00", AssetClass.FIXED),  # books in bulk are fixed whatever the unit price
        ("601", "120.00", AssetClass.FIXED),  # desks and chairs in bulk
    ],
)
def test_classification_rule_from_domain_md(school_a, code, price, expected):
    """DOMAIN.md: fixed asset at unit value >= 1,000 yuan (special equipment >= 1,500); bulk items of
    the same kind below the value (books, furniture) are still fixed; the rest low-value consumables."""
    asset = make_asset(school_a, category=category(school_a, code), unit_price=Decimal(price))
    assert asset.asset_class == expected


def test_thresholds_are_school_settings(school_a):
    """DOMAIN.md: "Thresholds are settings" — a locality with 1,500 / 2,000 yuan."""
    services.asset_settings_update(
        actor=None,
        school=school_a.school,
        data={"fixed_asset_threshold": Decimal("1500"), "special_equipment_threshold": Decimal("2000")},
    )
    assert make_asset(
        school_a, category=category(school_a, "302"), unit_price=Decimal("1200")
    ).asset_class == (AssetClass.LOW_VALUE)
    assert make_asset(
        school_a, category=category(school_a, "304"), unit_price=Decimal("1800")
    ).asset_class == (AssetClass.LOW_VALUE)


def test_sub_category_inherits_special_equipment_and_bulk_rules(school_a):
    lab = services.asset_category_create(
        actor=None,
        school=school_a.school,
        code="30401",
        name="物理实验仪器",
        parent=category(school_a, "304"),
    )
    assert make_asset(school_a, category=lab, unit_price=Decimal("1400")).asset_class == AssetClass.LOW_VALUE
    shelves = services.asset_category_create(
        actor=None, school=school_a.school, code="603", name="书架", parent=category(school_a, "6")
    )
    assert make_asset(school_a, category=shelves, unit_price=Decimal("300")).asset_class == AssetClass.FIXED


def test_editing_the_price_reclassifies_and_is_recorded(school_a):
    asset = make_asset(school_a, category=category(school_a, "302"), unit_price=Decimal("800"))
    assert asset.asset_class == AssetClass.LOW_VALUE
    asset = services.asset_update(
        actor=school_a.user("asset_clerk"), asset=asset, data={"unit_price": Decimal("1200")}
    )
    assert asset.asset_class == AssetClass.FIXED
    event = AuditEvent.objects.for_school(school_a.school).for_target(asset).get(verb="updated")
    assert event.changes["unit_price"] == ["800.00", "1200.00"]
    assert event.changes["asset_class"] == [AssetClass.LOW_VALUE, AssetClass.FIXED]
    rows = {label: (old, new) for label, old, new in event.change_rows}
    assert rows["资产类别"] == ("低值易耗品", "固定资产")  # readable labels on the timeline


# --- bad input (issue 4: "Bad input ... → clear field errors") -------------------------------------------


@pytest.mark.parametrize(
    "data,field",
    [
        ({"unit_price": Decimal("-1")}, "unit_price"),
        ({"quantity": 0}, "quantity"),
        ({"acquired_on": dt.date.today() + dt.timedelta(days=2)}, "acquired_on"),
        ({"warranty_until": dt.date(2020, 1, 1), "acquired_on": dt.date(2024, 1, 1)}, "warranty_until"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_values_give_field_errors(school_a, data, field):
    before = Asset.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_asset(school_a, **data)
    assert field in errors_of(exc)
    assert Asset.objects.count() == before


def test_quantity_zero_message_is_clear(school_a):
    with pytest.raises(ValidationError) as exc:
        make_asset(school_a, quantity=0)
    assert errors_of(exc)["quantity"] == ["数量至少为 1。"]


def test_duplicate_code_is_a_field_error_on_the_code(school_a):
    make_asset(school_a, code="ZC-001")
    with pytest.raises(ValidationError) as exc:
        make_asset(school_a, code="ZC-001")
    assert errors_of(exc) == {"code": ["资产编号“ZC-001”已被本校其他资产使用。"]}


def test_same_code_in_another_school_is_fine(school_a, school_b):
    """Uniqueness is per school (DESIGN.md rule 2)."""
    make_asset(school_a, code="ZC-777")
    assert make_asset(school_b, code="ZC-777").school == school_b.school


def test_links_of_another_school_are_refused(school_a, school_b):
    with pytest.raises(ValidationError) as exc:
        make_asset(
            school_a,
            location=school_b.room,
            department=school_b.department,
            custodian=school_b.user("teacher"),
            category=category(school_b, "301"),
        )
    errors = errors_of(exc)
    assert errors["location"] == ["存放地点不属于本校。"]
    assert errors["department"] == ["使用部门不属于本校。"]
    assert errors["custodian"] == ["责任人必须是本校教职工。"]
    assert errors["category"] == ["资产分类不属于本校。"]


def test_update_refuses_another_schools_location(school_a, school_b):
    with pytest.raises(ValidationError) as exc:
        services.asset_update(actor=None, asset=school_a.asset, data={"location": school_b.room})
    assert "location" in errors_of(exc)
    school_a.asset.refresh_from_db()
    assert school_a.asset.location == school_a.room


def test_disposed_card_cannot_be_edited(school_a):
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    with pytest.raises(ValidationError):
        services.asset_update(actor=None, asset=school_a.asset, data={"name": "新名称"})


# --- custom fields -------------------------------------------------------------------------------------


def test_custom_fields_of_the_category_and_its_ancestors_are_validated(school_a):
    equipment = category(school_a, "3")
    computers = category(school_a, "301")
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=equipment,
        key="asset_tag",
        label="旧标签号",
        required=True,
    )
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=computers,
        key="ram",
        label="内存(GB)",
        field_type="number",
    )
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=computers,
        key="grade",
        label="成色",
        field_type="choice",
        options="新、良好、一般",
    )
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=computers,
        key="checked",
        label="验收日期",
        field_type="date",
    )
    assert [f.key for f in services.custom_fields_for(computers)] == [
        "cpu",
        "asset_tag",
        "ram",
        "grade",
        "checked",
    ]
    with pytest.raises(ValidationError) as exc:
        make_asset(
            school_a,
            category=computers,
            unit_price=Decimal("4000"),
            custom_fields={"ram": "sixteen", "grade": "破旧", "checked": "昨天"},
        )
    assert errors_of(exc)["custom_fields"] == [
        "“旧标签号”必须填写。",
        "“内存(GB)”应为数字。",
        "“成色”只能是：新、良好、一般。",
        "“验收日期”应为日期，如 2026-09-01。",
    ]
    asset = make_asset(
        school_a,
        category=computers,
        unit_price=Decimal("4000"),
        custom_fields={
            "asset_tag": "T-9",
            "ram": "16",
            "grade": "良好",
            "checked": "2024-03-02",
            "stray": "x",
        },
    )
    assert asset.custom_fields == {"asset_tag": "T-9", "ram": "16", "grade": "良好", "checked": "2024-03-02"}
    assert "t-9" in asset.search_text  # custom values are searchable
    event = AuditEvent.objects.for_school(school_a.school).for_target(asset).get(verb="created")
    assert event.changes["内存(GB)"] == [None, "16"]  # on the timeline under the field's label


def test_custom_field_change_is_on_the_timeline_with_its_label(school_a):
    asset = school_a.asset
    services.asset_update(actor=None, asset=asset, data={"custom_fields": {"cpu": "i7"}})
    event = AuditEvent.objects.for_school(school_a.school).for_target(asset).get(verb="updated")
    assert event.changes == {"处理器a": [None, "i7"]}


def test_custom_field_key_is_made_from_the_label_and_unique_along_the_line(school_a):
    computers = category(school_a, "301")
    field = services.asset_custom_field_create(
        actor=None, school=school_a.school, category=computers, label="内存容量"
    )
    assert field.key == "neicunrongliang"
    with pytest.raises(ValidationError) as exc:  # "cpu" is on 301 already; 3 is its parent
        services.asset_custom_field_create(
            actor=None, school=school_a.school, category=category(school_a, "3"), key="cpu", label="CPU"
        )
    assert "key" in errors_of(exc)
    other = services.asset_custom_field_create(
        actor=None, school=school_a.school, category=category(school_a, "6"), key="cpu", label="无关"
    )
    assert other.key == "cpu"  # another line of the tree may reuse a key


def test_choice_field_needs_options(school_a):
    with pytest.raises(ValidationError) as exc:
        services.asset_custom_field_create(
            actor=None,
            school=school_a.school,
            category=category(school_a, "6"),
            label="颜色",
            field_type="choice",
        )
    assert "options" in errors_of(exc)


def test_custom_field_of_another_schools_category_is_refused(school_a, school_b):
    with pytest.raises(ValidationError):
        services.asset_custom_field_create(
            actor=None, school=school_a.school, category=category(school_b, "6"), label="颜色"
        )
    assert not AssetCustomField.objects.filter(school=school_a.school, label="颜色").exists()


# --- categories ------------------------------------------------------------------------------------------


def test_seed_is_gbt_14885_top_level_with_domain_md_lives(school_a):
    """DOMAIN.md: categories 1–9 of GB/T 14885-2022; computers 6 years; none for 4 and 5."""
    tops = dict(AssetCategory.objects.for_school(school_a.school).filter(depth=0).values_list("code", "name"))
    assert sorted(tops) == [str(i) for i in range(1, 10)]
    rules = services.category_rules(school_a.school)
    assert rules[category(school_a, "301").pk].life_years == 6
    assert rules[category(school_a, "303").pk].life_years == 8  # vehicles
    assert rules[category(school_a, "6").pk].life_years == 15  # furniture
    assert rules[category(school_a, "4").pk].life_years == 0
    assert rules[category(school_a, "5").pk].life_years == 0


def test_category_code_is_unique_per_school(school_a):
    with pytest.raises(ValidationError) as exc:
        services.asset_category_create(actor=None, school=school_a.school, code="301", name="重复")
    assert "code" in errors_of(exc)


def test_life_blank_inherits_and_a_move_carries_the_subtree(school_a):
    laptops = services.asset_category_create(
        actor=None, school=school_a.school, code="30101", name="笔记本电脑", parent=category(school_a, "301")
    )
    tablets = services.asset_category_create(
        actor=None, school=school_a.school, code="3010101", name="平板", parent=laptops
    )
    assert services.rules_for_category(tablets).life_years == 6
    services.asset_category_update(actor=None, category=laptops, data={"parent": category(school_a, "6")})
    tablets.refresh_from_db()
    laptops.refresh_from_db()
    assert laptops.depth == 1 and tablets.depth == 2
    assert tablets.path.startswith(category(school_a, "6").path)
    assert services.rules_for_category(tablets).life_years == 15
    with pytest.raises(ValidationError) as exc:
        services.asset_category_update(actor=None, category=laptops, data={"parent": tablets})
    assert "parent" in errors_of(exc)


# --- status by hand -------------------------------------------------------------------------------------


def test_status_change_by_hand_follows_allowed_transitions(school_a):
    clerk = member(school_a, "asset_clerk")
    asset = services.asset_set_status(
        actor=clerk, asset=school_a.asset, status=AssetStatus.IDLE, reason="暑假不用"
    )
    assert asset.status == AssetStatus.IDLE
    event = AuditEvent.objects.for_school(school_a.school).for_target(asset).get(verb="status_changed")
    assert event.changes == {"status": ["in_use", "idle"], "reason": [None, "暑假不用"]}
    assert ("状态", "在用", "闲置") in event.change_rows
    with pytest.raises(ValidationError) as exc:
        services.asset_set_status(actor=clerk, asset=asset, status=AssetStatus.DISPOSED)
    assert "status" in errors_of(exc)  # disposal goes through approval, not by hand
    with pytest.raises(ValidationError):
        services.asset_set_status(actor=clerk, asset=asset, status="lost")


def test_status_change_needs_change_asset(school_a):
    with pytest.raises(PermissionDenied):
        services.asset_set_status(
            actor=school_a.user("teacher"), asset=school_a.asset, status=AssetStatus.IDLE
        )


def test_disposed_card_has_no_status_change_by_hand(school_a):
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    with pytest.raises(ValidationError):
        services.asset_set_status(actor=None, asset=school_a.asset, status=AssetStatus.IN_USE)


# --- batch ----------------------------------------------------------------------------------------------


def test_create_many_reports_every_bad_item_and_writes_nothing(school_a, school_b):
    good = {
        "name": "椅子",
        "category": category(school_a, "601"),
        "unit_price": Decimal("100"),
        "acquired_on": dt.date(2024, 1, 1),
    }
    items = [
        good,
        {**good, "quantity": 0},
        {**good, "location": school_b.room},
        {**good, "code": "X1"},
        {**good, "code": "X1"},
    ]
    before = Asset.objects.count()
    with pytest.raises(BatchValidationError) as exc:
        services.asset_create_many(actor=None, school=school_a.school, items=items)
    assert set(exc.value.errors) == {1, 2, 4}
    assert Asset.objects.count() == before


def test_create_many_takes_codes_in_one_block(school_a):
    items = [
        {
            "name": f"椅子{i}",
            "category": category(school_a, "601"),
            "unit_price": Decimal("100"),
            "acquired_on": dt.date(2024, 1, 1),
        }
        for i in range(5)
    ]
    expected = [next_code(school_a, i) for i in range(6)]
    assets = services.asset_create_many(actor=None, school=school_a.school, items=items)
    assert [a.code for a in assets] == expected[:5]
    assert make_asset(school_a).code == expected[5]


def test_an_impossible_date_in_a_custom_field_is_an_error_not_a_crash(school_a):
    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=category(school_a, "6"),
        key="checked_on",
        label="验收日期",
        field_type="date",
    )
    with pytest.raises(ValidationError) as exc:
        make_asset(school_a, category=category(school_a, "6"), custom_fields={"checked_on": "2026-02-30"})
    assert errors_of(exc)["custom_fields"] == ["“验收日期”应为日期，如 2026-09-01。"]


def test_every_school_starts_with_the_gbt_14885_top_level_as_a_tree(school_a):
    """DOMAIN.md, Assets: GB/T 14885-2022 top level 1–9 (a tree the school can extend); lives from
    DOMAIN.md (computers 6, vehicles 8, furniture 15, none for 文物和陈列品 and 图书和档案)."""
    from houqin.assets.services.categories import GBT_14885_SEED
    from houqin.core.models import AuditEvent

    categories = {c.code: c for c in AssetCategory.objects.for_school(school_a.school)}
    assert {str(n) for n in range(1, 10)} <= set(categories)
    for code, parent_code, *_rest in GBT_14885_SEED:
        category = categories[code]
        parent = categories.get(parent_code)
        assert category.parent_id == (parent.pk if parent else None)
        assert category.path == f"{parent.path if parent else '/'}{category.pk}/"
        assert category.depth == (parent.depth + 1 if parent else 0)
        assert code in category.search_text
    assert (categories["301"].useful_life_years, categories["303"].useful_life_years) == (6, 8)
    assert categories["6"].useful_life_years == 15 and categories["6"].fixed_regardless_of_value
    assert categories["4"].useful_life_years == 0 and categories["5"].useful_life_years == 0
    seeded = AuditEvent.objects.for_school(school_a.school).filter(
        verb="created", target_repr__startswith="301 "
    )
    assert seeded.count() == 1
    assert services.asset_categories_seed(school_a.school) == 0  # idempotent
