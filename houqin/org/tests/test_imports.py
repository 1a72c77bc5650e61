"""Excel imports of places, staff and classes (houqin.org.imports) and their pages.

DESIGN.md rule 1 (imports call the same services), rule 2 (only this school's people and places),
rule 3 (the page needs the add permission), rule 5 (every error at once, nothing imported until the
file is clean, uploads checked for size and real type).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from houqin.core.models import AuditEvent
from houqin.org.imports import LocationImporter, MembershipImporter, SchoolClassImporter
from houqin.org.models import Location, Membership, SchoolClass
from houqin.org.tests import import_fixtures
from houqin.org.tests.import_fixtures import read_xlsx, upload, xlsx_bytes, xlsx_upload

town = import_fixtures.town

pytestmark = pytest.mark.django_db

LOCATION_HEADER = ["校区", "楼宇", "楼层", "名称", "编号", "用途", "保管责任人", "容纳人数", "面积", "备注"]


def run(importer_class, town, rows, actor=None, **kwargs):
    importer = importer_class(school=town.school, actor=actor or town.admin)
    return importer.run(xlsx_upload(rows), **kwargs)


def where(result):
    return [(e.row, e.column) for e in result.errors]


# --- places ---------------------------------------------------------------------------------------


def test_clean_location_file_creates_rooms_and_missing_buildings_and_floors(town):
    rows = [
        LOCATION_HEADER,
        ["主校区", "教学楼", "3层", "302教室", 302, "普通教室", "director", 45, 66.5, ""],
        ["主校区", "教学楼", "4层", "401教室", "401", "classroom", "13900000001", "40", "70.125", "朝南"],
        ["主校区", "教学楼", "4层", "402教室", 402.0, "", "王主任", None, None, None],
        ["主校区", "实验楼", "", "化学实验室", "S-1", "实验室", "", 50, 90, ""],
        ["东校区", "综合楼", "1层", "门卫室", "", "门卫室", "", "", "", ""],
    ]
    result = run(LocationImporter, town, rows, actor=town.director)
    assert result.ok, result.errors
    assert result.imported == 5

    school_locations = Location.objects.for_school(town.school)
    room = school_locations.get(code="302")
    assert room.parent == town.floor  # the existing floor is reused
    assert room.full_name == "主校区 / 教学楼 / 3层 / 302教室"
    assert room.path == f"{town.building.pk}/{town.floor.pk}/{room.pk}/"
    assert (room.room_type, room.custodian, room.capacity, room.area_m2) == (
        "classroom",
        town.director,
        45,
        Decimal("66.50"),
    )

    floor4 = school_locations.get(parent=town.building, name="4层")
    assert floor4.kind == "floor"
    assert set(school_locations.filter(parent=floor4).values_list("code", flat=True)) == {"401", "402"}
    assert school_locations.get(code="401").area_m2 == Decimal("70.13")
    assert school_locations.get(code="401").custodian == town.director  # by mobile number
    assert school_locations.get(code="402").custodian == town.director  # by name

    lab = school_locations.get(code="S-1")
    assert lab.full_name == "主校区 / 实验楼 / 化学实验室"
    assert lab.parent.kind == "building" and lab.depth == 1
    assert school_locations.get(name="门卫室").full_name == "东校区 / 综合楼 / 1层 / 门卫室"
    assert school_locations.filter(name="教学楼").count() == 1  # not created twice

    events = AuditEvent.objects.for_school(town.school)
    imported = events.get(verb="imported")
    assert imported.actor == town.director
    assert imported.changes == {"rows": 5, "importer": "org.location"}
    # 5 rooms + 实验楼 + 综合楼 + 1层 + 4层, each through services.location_create
    assert events.filter(verb="created", actor=town.director).count() == 9


def test_location_headers_accept_aliases(town):
    rows = [
        [
            "校区名称",
            "楼栋",
            "楼层名称",
            "房间名称",
            "门牌号",
            "房间类型",
            "责任人",
            "人数",
            "面积（㎡）",
            "说明",
        ],
        ["主校区", "教学楼", "3层", "303教室", "303", "办公室", "teacher", 2, 20, "x"],
    ]
    result = run(LocationImporter, town, rows)
    assert result.ok, result.errors
    room = Location.objects.for_school(town.school).get(code="303")
    assert (room.name, room.room_type, room.custodian, room.area_m2, room.note) == (
        "303教室",
        "office",
        town.teacher,
        Decimal("20.00"),
        "x",
    )


def test_location_file_with_bad_rows_reports_every_problem_and_imports_nothing(town):
    rows = [
        LOCATION_HEADER,
        ["主校区", "教学楼", "3层", "304教室", "304", "普通教室", "", 40, 50, ""],  # fine
        ["北校区", "教学楼", "1层", "101", "", "", "", "", "", ""],  # unknown campus
        ["主校区", "教学楼", "3层", "301教室", "", "", "", "", "", ""],  # exists already
        ["主校区", "教学楼", "3层", "305教室", "301", "会客室", "outsider", "很多", -5, ""],  # 4 bad cells
        ["主校区", "教学楼", "3层", "", "304", "", "", "", "", ""],  # no name, code repeats row 2
        ["主校区", "教学楼", "3层", "304教室", "", "", "nobody", "", "", ""],  # repeats row 2, unknown person
    ]
    before = (Location.objects.count(), AuditEvent.objects.count())
    result = run(LocationImporter, town, rows)
    assert not result.ok
    assert where(result) == [
        (3, "校区"),
        (4, "名称"),
        (5, "编号"),
        (5, "用途"),
        (5, "保管责任人"),
        (5, "容纳人数"),
        (5, "面积"),
        (6, "名称"),
        (6, "编号"),
        (7, "名称"),
        (7, "保管责任人"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "北校区" in messages[(3, "校区")] and "主校区" in messages[(3, "校区")]
    assert messages[(4, "名称")] == "“主校区 / 教学楼 / 3层 / 301教室”已存在。"
    assert "主校区 / 教学楼 / 3层 / 301教室" in messages[(5, "编号")]
    assert messages[(6, "编号")] == "与第 2 行重复。"
    assert messages[(7, "名称")] == "与第 2 行重复。"
    assert (Location.objects.count(), AuditEvent.objects.count()) == before


def test_custodian_from_another_school_is_rejected(town):
    for who in ("outsider", "13900000009", "钱外校"):
        result = run(
            LocationImporter, town, [LOCATION_HEADER, ["主校区", "教学楼", "3层", "306", "", "", who]]
        )
        assert where(result) == [(2, "保管责任人")], who
        assert "找不到" in result.errors[0].message
    assert not Location.objects.filter(name="306").exists()


def test_ambiguous_custodian_name_asks_for_username(town):
    import_fixtures.make_member(town.school, "wang2", "王主任", "teacher")
    result = run(
        LocationImporter, town, [LOCATION_HEADER, ["主校区", "教学楼", "3层", "307", "", "", "王主任"]]
    )
    assert where(result) == [(2, "保管责任人")]
    assert "2 位教职工叫“王主任”" in result.errors[0].message


def test_room_cannot_go_under_an_outdoor_area_or_a_room(town):
    from houqin.org import services

    services.location_create(actor=None, school=town.school, campus=town.campus, name="操场", kind="area")
    services.location_create(
        actor=None, school=town.school, campus=town.campus, name="储物间", kind="room", parent=town.building
    )
    rows = [LOCATION_HEADER, ["主校区", "操场", "", "看台"], ["主校区", "教学楼", "储物间", "柜子"]]
    result = run(LocationImporter, town, rows)
    assert where(result) == [(2, "楼宇"), (3, "楼层")]


def test_location_import_query_count_grows_linearly(town, django_assert_max_num_queries):
    """200 rooms on 10 new floors: the checks run a fixed number of queries, saving a few per row."""
    rows = [LOCATION_HEADER] + [
        ["主校区", "新教学楼", f"{i % 10 + 1}层", f"房间{i}", f"N{i}", "普通教室", "director", 40, 60, ""]
        for i in range(200)
    ]
    importer = LocationImporter(school=town.school, actor=town.admin)
    with django_assert_max_num_queries(25 * 200 + 100):
        result = importer.run(xlsx_upload(rows))
    assert result.ok, result.errors[:3]
    assert Location.objects.for_school(town.school).filter(code__startswith="N").count() == 200


def test_location_checks_use_few_queries_whatever_the_number_of_rows(town, django_assert_max_num_queries):
    rows = [LOCATION_HEADER] + [
        ["主校区", "教学楼", "3层", f"房间{i}", f"N{i}", "普通教室", "director", 40, 60, ""]
        for i in range(300)
    ]
    importer = LocationImporter(school=town.school, actor=town.admin)
    with django_assert_max_num_queries(10):
        result = importer.parse(xlsx_upload(rows))
    assert result.ok, result.errors[:3]


# --- staff ----------------------------------------------------------------------------------------


STAFF_HEADER = ["姓名", "用户名", "手机号", "部门", "职务/岗位", "工号", "角色", "初始密码"]


def test_clean_staff_file_creates_accounts_and_memberships(town):
    rows = [
        STAFF_HEADER,
        ["孙  丽", "sunli", 13800000001, "总务处", "出纳", "T001", "会计/出纳、教师", "Strong-Pass-2024"],
        ["周强", "13800000002", "", "", "", 1002, "technician", ""],
    ]
    result = run(MembershipImporter, town, rows)
    assert result.ok, result.errors
    sun = (
        Membership.objects.for_school(town.school)
        .select_related("user", "department")
        .get(user__username="sunli")
    )
    assert sun.user.display_name == "孙丽"  # padding between the characters removed
    assert sun.user.mobile == "13800000001"
    assert sun.user.check_password("Strong-Pass-2024")
    assert (sun.department, sun.title, sun.employee_no) == (town.department, "出纳", "T001")
    assert sorted(r.code for r in sun.roles.all()) == ["finance", "teacher"]
    zhou = Membership.objects.for_school(town.school).get(user__username="13800000002")
    assert zhou.user.mobile == "13800000002"  # username is a mobile number: it logs in with it
    assert not zhou.user.has_usable_password()
    assert [r.code for r in zhou.roles.all()] == ["technician"]
    assert (
        AuditEvent.objects.for_school(town.school).get(verb="imported").changes["importer"]
        == "org.membership"
    )


def test_staff_headers_accept_aliases(town):
    result = run(MembershipImporter, town, [["名字", "账号", "手机"], ["吴敏", "wumin", "138-0000-0005"]])
    assert result.ok, result.errors
    assert Membership.objects.for_school(town.school).get(user__username="wumin").user.mobile == "13800000005"

    result = run(MembershipImporter, town, [["姓名", "登录名"], ["郑和", "zhenghe"]])
    assert result.ok, result.errors


def test_staff_file_with_bad_rows_reports_every_problem_and_imports_nothing(town):
    rows = [
        STAFF_HEADER,
        ["钱外校", "outsider", "", "", "", "", "", ""],  # joins from the other school: fine
        ["赵老师", "teacher", "", "", "", "", "", ""],  # already a member here
        ["冒名", "director", "", "", "", "", "", ""],  # someone else's username
        ["新人", "new one", "1380000", "教务处", "", "", "校工", "123456"],  # 5 bad cells
        ["新人二", "newtwo", "13900000003", "", "", "", "", ""],  # mobile of 赵老师
        ["新人三", "outsider", "", "", "", "", "", ""],  # username repeats row 2
    ]
    users, members = Membership.objects.count(), AuditEvent.objects.count()
    result = run(MembershipImporter, town, rows)
    assert where(result) == [
        (3, "用户名"),
        (4, "用户名"),
        (5, "用户名"),
        (5, "手机号"),
        (5, "部门"),
        (5, "角色"),
        (5, "初始密码"),
        (6, "手机号"),
        (7, "用户名"),
        (7, "用户名"),
    ]
    assert (Membership.objects.count(), AuditEvent.objects.count()) == (users, members)


def test_existing_account_joins_the_school(town):
    result = run(
        MembershipImporter, town, [STAFF_HEADER, ["钱外校", "outsider", "", "总务处", "", "", "", ""]]
    )
    assert result.ok, result.errors
    assert Membership.objects.for_school(town.school).get(user=town.outsider).department == town.department


# --- classes --------------------------------------------------------------------------------------


CLASS_HEADER = ["年级", "班号", "班级名称", "班主任", "教室", "学生人数", "入学年份"]


def test_clean_class_file_creates_classes(town):
    rows = [
        CLASS_HEADER,
        ["一年级", 1, "", "teacher", "301", 45, 2024],
        ["1年级", "(2)班", "", "赵老师", "主校区/教学楼/3层/301教室", "", "2024级"],
        ["高一", 3, "高一实验班", "", "301教室", "", ""],
        [7, 1, "", "", "", "", ""],
    ]
    result = run(SchoolClassImporter, town, rows)
    assert result.ok, result.errors
    classes = {(c.grade, c.number): c for c in SchoolClass.objects.for_school(town.school)}
    first = classes[(1, 1)]
    assert (first.name, first.head_teacher, first.home_room, first.student_count, first.enrollment_year) == (
        "一年级(1)班",
        town.teacher,
        town.room,
        45,
        2024,
    )
    assert classes[(1, 2)].home_room == town.room and classes[(1, 2)].head_teacher == town.teacher
    assert classes[(10, 3)].name == "高一实验班"
    assert classes[(7, 1)].name == "七年级(1)班"


def test_class_file_with_bad_rows_reports_every_problem_and_imports_nothing(town):
    from houqin.org import services

    services.school_class_create(actor=None, school=town.school, grade=2, number=1)
    rows = [
        CLASS_HEADER,
        ["二年级", 1, "", "", "", "", ""],  # exists
        ["十三年级", 0, "", "outsider", "999", -1, 1800],  # 6 bad cells
        ["三年级", 1, "", "", "", "", ""],
        ["三年级", 1, "", "", "", "", ""],  # repeats row 4
    ]
    before = SchoolClass.objects.count()
    result = run(SchoolClassImporter, town, rows)
    assert where(result) == [
        (2, "班号"),
        (3, "年级"),
        (3, "班号"),
        (3, "班主任"),
        (3, "教室"),
        (3, "学生人数"),
        (3, "入学年份"),
        (5, "班号"),
    ]
    assert SchoolClass.objects.count() == before


# --- pages ----------------------------------------------------------------------------------------


def test_template_download_opens_and_has_the_headers(client, town):
    client.force_login(town.director)
    response = client.get(reverse("org:location_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    sheets = read_xlsx(response.content)
    first = next(iter(sheets.values()))
    assert list(first[0]) == [str(c.header) for c in LocationImporter.columns]
    assert "说明" in sheets

    # The template with its example row reads back: only this school's data is missing.
    result = LocationImporter(school=town.school, actor=town.director).run(upload(response.content))
    assert where(result) == [(2, "编号"), (2, "保管责任人")]  # 301 is taken, zhangsan is not on the staff


@pytest.mark.parametrize(
    ("name", "template_name"),
    [
        ("org:location_import", "org:location_import_template"),
        ("org:membership_import", "org:membership_import_template"),
        ("org:schoolclass_import", "org:schoolclass_import_template"),
    ],
)
def test_import_pages_need_a_login_and_the_add_permission(client, town, name, template_name):
    for url in (reverse(name), reverse(template_name)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"]
    client.force_login(town.teacher)
    for url in (reverse(name), reverse(template_name)):
        assert client.get(url).status_code == 403
    assert client.post(reverse(name), {"file": xlsx_upload([["x"], ["y"]])}).status_code == 403
    client.force_login(town.admin)
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'accept=".xlsx' in page.text
    assert "csrfmiddlewaretoken" in page.text and reverse(template_name) in page.text


def test_staff_import_needs_add_membership_which_the_director_lacks(client, town):
    client.force_login(town.director)
    assert client.get(reverse("org:location_import")).status_code == 200
    assert client.get(reverse("org:membership_import")).status_code == 403


def test_posting_a_clean_file_imports_and_goes_to_the_list(client, town):
    client.force_login(town.director)
    rows = [
        LOCATION_HEADER,
        ["主校区", "教学楼", "3层", "308", "308"],
        ["主校区", "教学楼", "3层", "309", "309"],
    ]
    response = client.post(reverse("org:location_import"), {"file": xlsx_upload(rows)}, follow=True)
    assert response.redirect_chain == [(reverse("org:location_list"), 302)]
    assert "已导入 2 行" in response.text
    assert Location.objects.for_school(town.school).filter(code__in=["308", "309"]).count() == 2


def test_htmx_post_of_a_clean_file_redirects_the_browser(client, town):
    client.force_login(town.director)
    response = client.post(
        reverse("org:location_import"),
        {"file": xlsx_upload([LOCATION_HEADER, ["主校区", "教学楼", "3层", "310"]])},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("org:location_list")


def test_posting_a_bad_file_lists_all_errors_and_offers_the_error_workbook(client, town):
    client.force_login(town.director)
    rows = [
        LOCATION_HEADER,
        ["北校区", "教学楼", "3层", "311"],
        ["主校区", "教学楼", "3层", "312", "", "会客室"],
    ]
    content = xlsx_bytes(rows)
    response = client.post(reverse("org:location_import"), {"file": upload(content)})
    assert response.status_code == 200
    assert "发现 2 处错误，涉及 2 行" in response.text
    assert "北校区" in response.text and "会客室" in response.text
    assert "?errors=xlsx" in response.text
    assert not Location.objects.filter(name__in=["311", "312"]).exists()

    partial = client.post(
        reverse("org:location_import"), {"file": upload(content)}, headers={"HX-Request": "true"}
    )
    assert partial.text.lstrip().startswith('<div id="import-result"')

    errors = client.post(reverse("org:location_import") + "?errors=xlsx", {"file": upload(content)})
    assert errors["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = next(iter(read_xlsx(errors.content).values()))
    assert sheet[0][-1] == "错误"
    assert "北校区" in sheet[1][-1] and "会客室" in sheet[2][-1]
    assert not Location.objects.filter(name__in=["311", "312"]).exists()


def test_error_workbook_request_for_a_clean_file_checks_without_importing(client, town):
    client.force_login(town.director)
    content = xlsx_bytes([LOCATION_HEADER, ["主校区", "教学楼", "3层", "313"]])
    response = client.post(reverse("org:location_import") + "?errors=xlsx", {"file": upload(content)})
    assert response.status_code == 200 and "文件检查通过" in response.text
    assert not Location.objects.filter(name="313").exists()


def test_posting_a_renamed_csv_shows_a_clear_error(client, town):
    client.force_login(town.director)
    csv = "校区,楼宇,名称\n主校区,教学楼,314\n".encode("gb18030")
    response = client.post(reverse("org:location_import"), {"file": upload(csv, "rooms.xlsx")})
    assert response.status_code == 200
    assert "CSV" in response.text and "另存为" in response.text
    response = client.post(
        reverse("org:location_import") + "?errors=xlsx", {"file": upload(csv, "rooms.xlsx")}
    )
    assert response.status_code == 200 and "CSV" in response.text


def test_posting_without_a_file_asks_for_one(client, town):
    client.force_login(town.director)
    response = client.post(reverse("org:location_import"), {})
    assert response.status_code == 200 and "请选择要导入的" in response.text
