"""Excel import of asset cards from a typical Chinese asset system export (issue 4): header aliases,
every error at once, nothing imported until the file is clean, 200 rows in one batch."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.assets.choices import AcquisitionWay, AssetClass
from houqin.assets.imports import AssetImporter
from houqin.assets.models import Asset, AssetCategory
from houqin.core.models import AuditEvent
from houqin.org import services as org_services
from houqin.org.choices import LocationKind
from houqin.org.tests.import_fixtures import xlsx_bytes, xlsx_upload

pytestmark = pytest.mark.django_db

# Headers as another system exports them: every one an alias, not our own header.
ALIAS_HEADERS = [
    "序号",
    "卡片编号",
    "名称",
    "分类代码",
    "规格",
    "品牌",
    "数量",
    "单位",
    "金额(元)",
    "购置日期",
    "取得方式",
    "资金来源",
    "部门",
    "使用人",
    "位置",
    "备注",
    "使用状况",  # not ours: ignored with a note
]


def alias_row(world, i: int, **overrides) -> list:
    values = {
        "序号": i + 1,
        "卡片编号": f"A{i:04d}",
        "名称": f"学生椅{i}",
        "分类代码": "601",
        "规格": "钢木",
        "品牌": "",
        "数量": 10,
        "单位": "把",
        "金额(元)": 1200,
        "购置日期": dt.date(2022, 9, 1),
        "取得方式": "新购",
        "资金来源": "财政拨款",
        "部门": world.department.name,
        "使用人": world.user("teacher").display_name,
        "位置": world.room.code,
        "备注": "",
        "使用状况": "在用",
    }
    values.update(overrides)
    return [values[h] for h in ALIAS_HEADERS]


def run(world, rows, *, commit=True, actor=None):
    importer = AssetImporter(school=world.school, actor=actor or world.user("asset_clerk"))
    return importer.run(io.BytesIO(xlsx_bytes(rows)), commit=commit)


def messages(result) -> dict[int | None, list[str]]:
    grouped: dict[int | None, list[str]] = {}
    for error in result.errors:
        grouped.setdefault(error.row, []).append(
            f"{error.column}：{error.message}" if error.column else error.message
        )
    return grouped


def test_200_rows_with_alias_headers_import_in_one_go(school_a):
    """Issue 4: "import 200 assets from Excel" of another system's export, header aliases included."""
    world = school_a
    rows = [ALIAS_HEADERS] + [alias_row(world, i) for i in range(200)]
    rows[5][1] = ""  # no card number: generated
    rows[6][3] = "课桌椅"  # the category by name
    rows[7][3] = "601 课桌椅"  # code and name, as our own export writes it
    rows[8][14] = world.room.full_name  # the place by its full name
    rows[9][14] = "教学楼a / 1Fa / 电脑室a"  # ... without the campus
    rows[10][14] = "电脑室a"  # ... by a unique name
    before = Asset.objects.count()
    result = run(world, rows)
    assert result.ok, messages(result)
    assert result.imported == 200
    assert "以下列不认识，已忽略：使用状况。" in result.notes
    assert Asset.objects.count() == before + 200
    chair = Asset.objects.get(school=world.school, code="A0000")
    assert chair.unit_price == Decimal("120.00")  # only the total given: total / quantity
    assert chair.total_value == Decimal("1200.00")
    assert chair.asset_class == AssetClass.FIXED  # furniture in bulk
    assert chair.acquisition_way == AcquisitionWay.PURCHASE  # 新购
    assert (chair.department, chair.custodian, chair.location) == (
        world.department,
        world.user("teacher"),
        world.room,
    )
    assert chair.funding_source == "财政拨款"
    generated = Asset.objects.get(school=world.school, name="学生椅4")
    assert generated.code.startswith("ZC-")
    assert (
        Asset.objects.filter(school=world.school, location=world.room, name__startswith="学生椅").count()
        == 200
    )
    events = AuditEvent.objects.for_school(world.school).filter(verb="imported")
    assert events.filter(target_id=str(chair.pk)).exists()  # on each card's timeline


def test_every_error_is_reported_at_once_and_nothing_is_imported(school_a, school_b):
    world = school_a
    second_room = org_services.location_create(
        actor=None,
        school=world.school,
        campus=world.campus,
        name="电脑室a",
        kind=LocationKind.ROOM,
        parent=world.building,
    )
    assert second_room.pk
    future = timezone.localdate() + dt.timedelta(days=5)
    rows = [ALIAS_HEADERS] + [alias_row(world, i) for i in range(12)]
    rows[1] = alias_row(world, 0, 分类代码="999")  # no such category
    rows[2] = alias_row(world, 1, 购置日期=future)  # future date
    rows[3] = alias_row(world, 2, 数量=0)  # quantity 0
    rows[4] = alias_row(world, 3, 卡片编号="DUP")  # Excel row 5; row 8 repeats its code
    rows[5] = alias_row(world, 4, 卡片编号="ZC-a-001")  # taken in the school
    rows[6] = alias_row(world, 5, 部门="不存在的处室")
    rows[7] = alias_row(world, 6, 卡片编号="DUP", 使用人="查无此人")
    rows[8] = alias_row(world, 7, 位置="电脑室a")  # two rooms have that name now
    rows[9] = alias_row(world, 8, 数量=3, **{"金额(元)": 100})  # 33.333... a unit
    rows[10] = alias_row(world, 9, **{"金额(元)": -5})
    rows[11] = alias_row(world, 10, 位置=school_b.room.code)  # another school's room
    before = Asset.objects.count()
    result = run(world, rows)
    assert not result.ok
    assert Asset.objects.count() == before
    found = messages(result)
    # errors name our column (资产分类), whatever the sheet called it (分类代码)
    assert found[2] == ["资产分类：本校没有资产分类“999”（可填分类代码或名称，可在“资产分类”中添加）。"]
    assert found[3] == ["取得日期：取得日期不能晚于今天。"]
    assert any("数量" in m and "不能小于 1" in m for m in found[4])
    assert any("与第 5 行重复" in m for m in found[8])
    assert any("ZC-a-001" in m and "已被本校其他资产使用" in m for m in found[6])
    assert found[7] == ["使用部门：本校没有部门“不存在的处室”。"]
    assert any("查无此人" in m for m in found[8])
    assert any("有 2 个地点叫“电脑室a”" in m for m in found[9])
    assert any("不是整分" in m for m in found[10])
    assert any("不能小于 0" in m for m in found[11])
    assert any(f"找不到地点“{school_b.room.code}”" in m for m in found[12])
    assert set(found) == set(range(2, 13)) - {5}  # row 5 is fine: row 8 repeats its code


def test_headers_use_our_own_names_too_and_unit_price_alone_works(school_a):
    rows = [
        [
            "资产编号",
            "资产名称",
            "资产分类",
            "规格型号",
            "数量",
            "计量单位",
            "单价",
            "取得日期",
            "使用部门",
            "责任人",
            "存放地点",
        ],
        ["PC-1", "台式电脑", "计算机设备", "i5", 2, "台", "4800.00", "2024/9/1", "", "", ""],
    ]
    result = run(school_a, rows)
    assert result.ok, messages(result)
    card = Asset.objects.get(school=school_a.school, code="PC-1")
    assert card.total_value == Decimal("9600.00")
    assert card.category == AssetCategory.objects.get(school=school_a.school, code="301")
    assert card.unit == "台" and card.location is None


def test_price_and_total_must_agree(school_a):
    rows = [
        ["资产名称", "资产分类", "数量", "单价", "原值", "取得日期"],
        ["投影仪", "307", 2, 3000, 5000, "2024-01-01"],
        ["投影仪", "307", 2, "", "", "2024-01-01"],
    ]
    result = run(school_a, rows)
    found = messages(result)
    assert found[2] == ["原值：原值 5000.00 不等于单价 3000.00 × 数量 2。"]
    assert found[3] == ["原值：单价和原值至少填一个。"]


def test_missing_required_columns_are_named(school_a):
    result = run(school_a, [["名称", "数量"], ["椅子", 1]])
    assert result.errors[0].row is None
    assert "资产分类" in result.errors[0].message and "取得日期" in result.errors[0].message


def test_a_custom_field_rule_of_the_category_is_checked_by_the_batch_service(school_a):
    from houqin.assets import services

    services.asset_custom_field_create(
        actor=None,
        school=school_a.school,
        category=AssetCategory.objects.get(school=school_a.school, code="601"),
        key="material",
        label="材质",
        required=True,
    )
    result = run(school_a, [ALIAS_HEADERS, alias_row(school_a, 0)])
    assert messages(result)[2] == ["“材质”必须填写。"]


# --- the pages ------------------------------------------------------------------------------------


def test_import_page_template_and_upload(client, school_a):
    client.force_login(school_a.user("asset_clerk"))
    page = client.get(reverse("assets:asset_import"))
    assert page.status_code == 200 and "资产卡片" in page.content.decode()
    template = client.get(reverse("assets:asset_import_template"))
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers[:4] == ["资产编号", "资产名称", "资产分类", "规格型号"]
    assert {"原值", "取得日期", "使用部门", "责任人", "存放地点"} <= set(headers)

    upload = xlsx_upload([ALIAS_HEADERS, alias_row(school_a, 0), alias_row(school_a, 1, 分类代码="999")])
    response = client.post(reverse("assets:asset_import"), {"file": upload})
    assert response.status_code == 200
    assert "本校没有资产分类“999”" in response.content.decode()
    assert not Asset.objects.filter(school=school_a.school, code="A0000").exists()

    upload = xlsx_upload([ALIAS_HEADERS, alias_row(school_a, 0), alias_row(school_a, 1)])
    response = client.post(reverse("assets:asset_import"), {"file": upload})
    assert response.status_code == 302 and response["Location"] == reverse("assets:asset_list")
    assert Asset.objects.filter(school=school_a.school, code__in=["A0000", "A0001"]).count() == 2


def test_template_round_trips(school_a):
    """The downloaded template, filled in as it comes (its example row), imports cleanly."""
    from houqin.core.excel import template_workbook

    content = template_workbook(AssetImporter)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    rows[1][rows[0].index("责任人")] = school_a.user("teacher").username
    rows[1][rows[0].index("使用部门")] = school_a.department.name
    rows[1][rows[0].index("存放地点")] = school_a.room.code
    result = run(school_a, rows)
    assert result.ok, messages(result)


def test_export_reimports_into_another_school(client, school_a, school_b):
    """Our own export is a valid import file: a school moving to Houqin, or a copy for a branch."""
    client.force_login(school_a.user("asset_clerk"))
    response = client.get(reverse("assets:asset_list"), {"export": "xlsx", "q": "ZC-a-001"})
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert len(rows) == 2
    header = rows[0]
    for column in ("存放地点", "使用部门", "责任人"):  # people and places are school B's own
        rows[1][header.index(column)] = None
    result = run(school_b, rows, actor=school_b.user("asset_clerk"))
    assert result.ok, messages(result)
    copy = Asset.objects.get(school=school_b.school, code="ZC-a-001")
    assert copy.category.code == "301" and copy.total_value == Decimal("4800.00")


def test_teacher_may_not_import(client, school_a):
    client.force_login(school_a.user("teacher"))
    assert client.get(reverse("assets:asset_import")).status_code == 403
    assert client.get(reverse("assets:asset_import_template")).status_code == 403


def test_200_rows_with_a_few_bad_ones_import_nothing_and_list_each(school_a):
    rows = [ALIAS_HEADERS] + [alias_row(school_a, i) for i in range(200)]
    rows[50] = alias_row(school_a, 49, 分类代码="不存在")
    rows[120] = alias_row(school_a, 119, 数量=-2)
    rows[199] = alias_row(school_a, 198, 购置日期="2024-13-01")
    before = Asset.objects.count()
    result = run(school_a, rows)
    assert Asset.objects.count() == before
    assert sorted(messages(result)) == [51, 121, 200]
    assert result.imported == 0 and not result.committed
