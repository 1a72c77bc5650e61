"""The Excel framework (houqin.core.excel): cells, headers, upload checks, all-or-nothing saving, workbooks.

DESIGN.md rule 5: bad input gets a clear error and loses nothing; imports validate every row
first, report all errors at once and import nothing until the file is clean; uploads are checked
for size and real type.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from houqin.core import excel
from houqin.core.excel import Choice, Column, Date, DecimalNumber, Importer, Integer, Text
from houqin.core.models import AuditEvent
from houqin.org import services
from houqin.org.choices import RoomType
from houqin.org.models import Department
from houqin.org.tests import import_fixtures
from houqin.org.tests.import_fixtures import read_xlsx, upload, xlsx_bytes, xlsx_upload

town = import_fixtures.town


class DepartmentImporter(Importer):
    """A small importer for the framework tests; saves through ``services.department_create``."""

    name = "test.department"
    title = _l("部门")
    columns = [
        Column("name", _l("部门名称"), Text(50), required=True, aliases=["部门"], example="总务处"),
        Column("code", _l("编码"), Text(20, normalize=True), example="ZW"),
        Column("sort_order", _l("排序"), Integer(0, 999)),
    ]

    def save_row(self, data):
        return services.department_create(
            actor=self.actor,
            school=self.school,
            name=data["name"],
            code=data["code"],
            sort_order=data["sort_order"] or 0,
        )


# --- cells, headers, parsers -----------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (101, "101"),
        (101.0, "101"),
        (12.5, "12.5"),
        ("  a b \u3000", "a b"),
        (Decimal("3.10"), "3.1"),
        (dt.datetime(2024, 9, 1), "2024-09-01"),
        (dt.date(2024, 9, 1), "2024-09-01"),
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
    ],
)
def test_cell_text_turns_numbers_and_dates_into_plain_text(value, text):
    assert excel.cell_text(value) == text


@pytest.mark.parametrize("header", ["面积", " 面积 ", "面积（㎡）", "面积(m2)", "*面积", "面 积(必填)"])
def test_headers_match_loosely(header):
    assert excel.normalise_header(header) == "面积"


def test_full_width_and_case_do_not_matter_in_headers():
    assert excel.normalise_header("ＮＡＭＥ") == excel.normalise_header("name")


def test_integer_parser():
    parse = Integer(0, 100)
    assert parse(30) == 30
    assert parse(30.0) == 30
    assert parse("３０") == 30
    assert parse(" 30 ") == 30
    with pytest.raises(ValueError, match="不是整数"):
        parse("30人")
    with pytest.raises(ValueError, match="不是整数"):
        parse(30.5)
    with pytest.raises(ValueError, match="不能大于 100"):
        parse(101)


def test_decimal_parser_rounds_half_up_and_never_uses_float():
    parse = DecimalNumber(2)
    assert parse(66.555) == Decimal("66.56")
    assert parse("1,234.5") == Decimal("1234.50")
    assert isinstance(parse(0.1), Decimal)
    with pytest.raises(ValueError, match="不是数字"):
        parse("很大")


def test_date_parser_accepts_cells_serial_numbers_and_chinese_text():
    parse = Date()
    expected = dt.date(2024, 9, 1)
    for value in (dt.datetime(2024, 9, 1, 0, 0), expected, 45536, "2024-09-01", "2024/9/1", "2024年9月1日"):
        assert parse(value) == expected
    with pytest.raises(ValueError, match="不是日期"):
        parse("下周一")


def test_choice_parser_accepts_label_and_value_and_lists_the_options():
    parse = Choice(RoomType)
    assert parse("普通教室") == RoomType.CLASSROOM
    assert parse("classroom") == RoomType.CLASSROOM
    with pytest.raises(ValueError, match="可选：普通教室、办公室"):
        parse("教工之家")


def test_importer_with_two_columns_answering_to_one_header_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        type("Clash", (Importer,), {"columns": [Column("a", "名称"), Column("b", "名字", aliases=["名称"])]})


# --- upload checks ---------------------------------------------------


def _file_errors(result):
    return " ".join(e.message for e in result.errors if e.row is None)


@pytest.mark.django_db
def test_renamed_csv_gets_a_clear_error(town):
    csv = "部门名称,编码\n总务处,ZW\n".encode()
    result = DepartmentImporter(school=town.school, actor=town.admin).run(upload(csv, "部门.xlsx"))
    assert not result.ok and not result.rows
    assert "CSV" in _file_errors(result)
    assert "另存为" in _file_errors(result)
    others = Department.objects.filter(name="总务处", school=town.school).exclude(pk=town.department.pk)
    assert not others.exists()


@pytest.mark.django_db
def test_old_xls_and_other_zips_get_clear_errors(town):
    importer = DepartmentImporter(school=town.school, actor=town.admin)
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert ".xls" in _file_errors(importer.run(upload(xls, "old.xlsx")))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert "不是 Excel" in _file_errors(importer.run(upload(buffer.getvalue())))

    assert "空" in _file_errors(importer.run(upload(b"")))
    assert "损坏" in _file_errors(importer.run(upload(b"PK\x03\x04garbage" * 10)))


@pytest.mark.django_db
def test_too_big_a_file_is_refused(town, settings):
    settings.HOUQIN = {**settings.HOUQIN, "IMPORT_MAX_BYTES": 1000}
    content = xlsx_bytes([["部门名称"], *[[f"部门{i}"] for i in range(300)]])
    result = DepartmentImporter(school=town.school, actor=town.admin).run(upload(content))
    assert "文件太大" in _file_errors(result)


@pytest.mark.django_db
def test_too_many_rows_is_refused(town, settings):
    settings.HOUQIN = {**settings.HOUQIN, "IMPORT_MAX_ROWS": 5}
    before = Department.objects.count()
    result = DepartmentImporter(school=town.school, actor=town.admin).run(
        xlsx_upload([["部门名称"], *[[f"部门{i}"] for i in range(6)]])
    )
    assert "超过 5 行" in _file_errors(result)
    assert Department.objects.count() == before
    ok = DepartmentImporter(school=town.school, actor=town.admin).run(
        xlsx_upload([["部门名称"], *[[f"部门{i}"] for i in range(5)]])
    )
    assert ok.ok and ok.imported == 5


@pytest.mark.django_db
def test_missing_required_columns_and_unknown_columns(town):
    importer = DepartmentImporter(school=town.school, actor=town.admin)
    result = importer.run(xlsx_upload([["编码", "颜色"], ["ZW", "红"]]))
    assert "缺少必填的列：部门名称" in _file_errors(result)

    result = importer.run(xlsx_upload([["部门", "颜色", "错误"], ["教务处", "红", "旧的错误说明"]]))
    assert result.ok, result.errors
    # the 错误 column of an error workbook is not noted
    assert result.notes == ["以下列不认识，已忽略：颜色。"]


@pytest.mark.django_db
def test_a_column_given_twice_is_an_error(town):
    result = DepartmentImporter(school=town.school, actor=town.admin).run(
        xlsx_upload([["部门名称", "部门"], ["教务处", "教务处"]])
    )
    assert "出现了两次" in _file_errors(result)


@pytest.mark.django_db
def test_header_below_a_title_row_and_blank_rows_are_fine(town):
    rows = [
        ["实验小学部门清单"],
        [],
        ["序号", "部门名称", "排序"],
        [1, "教务处", 2],
        [None, None, None],
        ["", "  ", None],
        [2, "德育处", 3.0],
    ]
    result = DepartmentImporter(school=town.school, actor=town.admin).run(xlsx_upload(rows))
    assert result.ok, result.errors
    assert result.imported == 2
    assert Department.objects.get(school=town.school, name="德育处").sort_order == 3


@pytest.mark.django_db
def test_a_wrong_sheet_dimension_does_not_hide_rows(town):
    """Some programs write <dimension ref="A1"/>; the rows below must still be read."""
    content = xlsx_bytes([["部门名称"], ["教务处"], ["德育处"]])
    source, target = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:A3" />', b'<dimension ref="A1" />')
                assert b'<dimension ref="A1" />' in data
            new.writestr(info, data)
    result = DepartmentImporter(school=town.school, actor=town.admin).run(upload(target.getvalue()))
    assert result.ok, result.errors
    assert result.imported == 2


# --- all errors at once, all rows or none ----------------------------


@pytest.mark.django_db
def test_every_bad_cell_is_reported_and_nothing_is_imported(town):
    rows = [
        ["部门名称", "编码", "排序"],
        ["教务处", "JW", "一"],
        ["", "X", 1],
        ["德育处", "DY", -1],
        ["后勤", "HQ", 1],
    ]
    before = Department.objects.count()
    result = DepartmentImporter(school=town.school, actor=town.admin).run(xlsx_upload(rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "排序"), (3, "部门名称"), (4, "排序")]
    assert Department.objects.count() == before


@pytest.mark.django_db
def test_a_service_error_on_one_row_rolls_back_every_row(town):
    """The third row repeats a department name: the service refuses it, so rows 2 and 3 are undone too."""
    rows = [["部门名称"], ["教务处"], ["德育处"], ["教务处"], ["总务处"]]
    before = Department.objects.count()
    events = AuditEvent.objects.count()
    result = DepartmentImporter(school=town.school, actor=town.admin).run(xlsx_upload(rows))
    assert [e.row for e in result.errors] == [4, 5]  # 总务处 exists already (town fixture)
    assert result.errors[0].column == "部门名称"
    assert not result.committed and result.imported == 0
    assert Department.objects.count() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_clean_file_is_imported_with_one_imported_event(town):
    result = DepartmentImporter(school=town.school, actor=town.admin).run(
        xlsx_upload([["部门名称", "编码"], ["教务处", "ＪＷ"], ["德育处", 12]])
    )
    assert result.ok and result.committed and result.imported == 2
    assert Department.objects.get(school=town.school, name="教务处").code == "JW"
    assert Department.objects.get(school=town.school, name="德育处").code == "12"
    event = AuditEvent.objects.for_school(town.school).get(verb="imported")
    assert event.actor == town.admin and event.target_id == ""
    assert event.changes == {"rows": 2, "importer": "test.department"}
    created = AuditEvent.objects.for_school(town.school).filter(verb="created", target_repr="教务处")
    assert created.count() == 1


@pytest.mark.django_db
def test_dry_run_checks_the_services_but_keeps_nothing(town):
    result = DepartmentImporter(school=town.school, actor=town.admin).run(
        xlsx_upload([["部门名称"], ["教务处"]]), commit=False
    )
    assert result.ok and not result.committed
    assert not Department.objects.filter(name="教务处").exists()
    assert not AuditEvent.objects.filter(verb="imported").exists()


# --- workbooks -------------------------------------------------------


def test_template_workbook_has_headers_an_example_and_explanations():
    sheets = read_xlsx(excel.template_workbook(DepartmentImporter))
    main, notes = list(sheets.values())
    assert main[0] == ("部门名称", "编码", "排序")
    assert main[1][:2] == ("总务处", "ZW")
    assert list(sheets)[1] == "说明"
    assert notes[1][:3] == ("部门名称", "必填", "部门")
    assert notes[2][:2] == ("编码", "选填")


def test_template_marks_choices_with_a_drop_down():
    from openpyxl import load_workbook

    class RoomImporter(Importer):
        title = "房间"
        columns = [Column("room_type", "用途", Choice(RoomType), required=True)]

    workbook = load_workbook(io.BytesIO(excel.template_workbook(RoomImporter)))
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert "普通教室" in sheet.data_validations.dataValidation[0].formula1


@pytest.mark.django_db
def test_error_workbook_gives_the_sheet_back_with_the_errors(town):
    rows = [["部门名称", "编码", "排序"], ["教务处", "JW", "一"], ["德育处", "DY", 2], ["", "X", 1]]
    importer = DepartmentImporter(school=town.school, actor=town.admin)
    result = importer.run(xlsx_upload(rows))
    sheet = next(iter(read_xlsx(excel.error_workbook(result)).values()))
    assert sheet[0] == ("部门名称", "编码", "排序", "错误")
    assert sheet[1][:3] == ("教务处", "JW", "一") and "排序：“一”不是整数" in sheet[1][3]
    assert sheet[2] == ("德育处", "DY", 2, None)
    assert "部门名称：必填" in sheet[3][3]

    # Corrected in Excel and uploaded again: the old 错误 column is ignored.
    fixed = [list(r) for r in sheet]
    fixed[1][2], fixed[3][0] = 1, "教务二处"
    result = importer.run(xlsx_upload(fixed))
    assert result.ok, result.errors
    assert result.notes == []
    names = ["教务处", "德育处", "教务二处"]
    assert Department.objects.filter(school=town.school, name__in=names).count() == 3


@pytest.mark.django_db
def test_export_writes_rows_and_never_formulas(town):
    services.department_create(actor=None, school=town.school, name='=HYPERLINK("http://x")', code="A")
    columns = [
        excel.ExportColumn("名称", "name"),
        excel.ExportColumn("编码", lambda d: d.code),
        excel.ExportColumn("学校", "school.name"),
        excel.ExportColumn("启用", "is_active"),
        excel.ExportColumn("创建时间", "created_at"),
    ]
    content = excel.export_queryset(
        Department.objects.for_school(town.school).order_by("id"), columns, sheet_title="部门"
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content))["部门"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("名称", "编码", "学校", "启用", "创建时间")
    assert rows[2][:4] == ('=HYPERLINK("http://x")', "A", "实验小学", "是")
    assert sheet.cell(row=3, column=1).data_type == "s"  # text, not a formula
    assert isinstance(rows[1][4], dt.datetime)
    assert abs(rows[1][4] - timezone.localtime().replace(tzinfo=None)) < dt.timedelta(minutes=5)


def test_xlsx_response_names_the_file_in_chinese():
    response = excel.xlsx_response(b"x", "位置导入模板")
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''%E4%BD%8D" in response["Content-Disposition"]


def test_validation_error_from_a_parser_is_reported_like_a_value_error():
    def even(value):
        if int(value) % 2:
            raise ValidationError("必须是双数。")
        return int(value)

    class EvenImporter(Importer):
        columns = [Column("n", "数", even)]

    row = excel.Row(number=2, raw=(3,))
    errors = EvenImporter(school=None, actor=None)._parse_cells(row, {"n": 0})
    assert [(e.row, e.column, e.message) for e in errors] == [(2, "数", "必须是双数。")]
