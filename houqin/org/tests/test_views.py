"""Organisation pages as a user walks them: create and edit, errors that lose nothing, list filters,
htmx partials, home to-dos, global search by pinyin, language, 404, sign-in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.core.models import AuditEvent
from houqin.core.testing import TEST_PASSWORD
from houqin.org import services
from houqin.org.choices import LocationKind
from houqin.org.models import Department, Location, Membership, SchoolClass


@pytest.fixture
def director(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    return school_a.user("logistics_director")


@pytest.fixture
def admin(client, school_a):
    client.force_login(school_a.user("school_admin"))
    return school_a.user("school_admin")


def audit_of(obj, verb):
    return AuditEvent.objects.for_school(obj.school).for_target(obj).filter(verb=verb)


def listed(response) -> set:
    return set(response.context["page"].object_list)


# --- create and edit ------------------------------------------------------------------------------


def test_location_create_page_saves_through_the_service(client, school_a, director):
    """事事有记录: a place added on the page is on record with who added it."""
    response = client.post(
        reverse("org:location_create"),
        {
            "campus": school_a.campus.pk,
            "parent": school_a.floor.pk,
            "kind": "room",
            "name": "物理实验室",
            "code": "P-101",
            "room_type": "lab",
            "custodian": school_a.user("teacher").pk,
        },
    )
    location = Location.objects.for_school(school_a.school).get(code="P-101")
    assert response.status_code == 302
    assert response["Location"] == location.get_absolute_url()
    assert location.full_name == "本部a / 教学楼a / 1Fa / 物理实验室"
    assert location.custodian == school_a.user("teacher")
    assert audit_of(location, "created").get().actor == director
    detail = client.get(response["Location"])
    assert "物理实验室" in detail.content.decode()


def test_location_save_and_add_another_returns_to_the_form_with_the_parent(client, school_a, director):
    response = client.post(
        reverse("org:location_create"),
        {
            "campus": school_a.campus.pk,
            "parent": school_a.floor.pk,
            "kind": "room",
            "name": "101",
            "save_add_another": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('org:location_create')}?parent={school_a.floor.pk}"
    form = client.get(response["Location"]).context["form"]
    assert form.initial["parent"] == school_a.floor


def test_location_invalid_post_shows_the_error_in_chinese_and_keeps_the_input(client, school_a, director):
    """DESIGN.md rule 5: bad input gets a clear error and loses nothing."""
    response = client.post(
        reverse("org:location_create"),
        {"campus": school_a.campus.pk, "kind": "floor", "name": "三楼", "code": "F3", "note": "新加的"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "楼层 需要选择上级位置。" in body
    assert response.context["form"].errors["parent"] == ["楼层 需要选择上级位置。"]
    assert 'value="三楼"' in body and 'value="F3"' in body and 'value="新加的"' in body
    assert not Location.objects.filter(name="三楼").exists()


def test_location_required_name_error_in_chinese(client, school_a, director):
    response = client.post(
        reverse("org:location_create"),
        {"campus": school_a.campus.pk, "parent": school_a.floor.pk, "kind": "room"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["该字段是必填项。"]
    assert "该字段是必填项。" in response.content.decode()


def test_location_duplicate_code_on_the_page_is_refused_and_keeps_the_input(client, school_a, director):
    response = client.post(
        reverse("org:location_create"),
        {
            "campus": school_a.campus.pk,
            "parent": school_a.floor.pk,
            "kind": "room",
            "name": "重复",
            "code": "R-a",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'value="重复"' in response.content.decode()
    assert not Location.objects.filter(name="重复").exists()


def test_location_edit_renames_and_records(client, school_a, director):
    response = client.post(
        reverse("org:location_update", args=[school_a.building.pk]),
        {"parent": "", "kind": "building", "name": "明德楼"},
    )
    assert response.status_code == 302
    assert Location.objects.get(pk=school_a.room.pk).full_name == "本部a / 明德楼 / 1Fa / 电脑室a"
    event = audit_of(school_a.building, "updated").get()
    assert event.actor == director and event.changes["name"] == ["教学楼a", "明德楼"]
    # the detail page shows the timeline entry
    assert "明德楼" in client.get(response["Location"]).content.decode()


def test_department_create_and_edit(client, school_a, director):
    response = client.post(reverse("org:department_create"), {"name": "教务处", "sort_order": 2})
    department = Department.objects.for_school(school_a.school).get(name="教务处")
    assert response.status_code == 302 and audit_of(department, "created").get().actor == director
    response = client.post(
        reverse("org:department_update", args=[department.pk]),
        {"name": "教务处", "sort_order": 2, "head": school_a.user("principal").pk},
    )
    assert response.status_code == 302
    assert Department.objects.get(pk=department.pk).head == school_a.user("principal")


def test_department_duplicate_name_shows_an_error(client, school_a, director):
    response = client.post(reverse("org:department_create"), {"name": "总务处a", "sort_order": 0})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Department.objects.for_school(school_a.school).filter(name="总务处a").count() == 1


def test_class_create_default_name_and_invalid_post(client, school_a, director):
    response = client.post(reverse("org:schoolclass_create"), {"grade": 2, "number": 3})
    school_class = SchoolClass.objects.for_school(school_a.school).get(grade=2, number=3)
    assert response.status_code == 302
    assert school_class.name == "二年级(3)班"
    assert audit_of(school_class, "created").get().actor == director

    response = client.post(reverse("org:schoolclass_create"), {"number": 4, "student_count": 45})
    assert response.status_code == 200
    assert response.context["form"].errors["grade"] == ["该字段是必填项。"]
    body = response.content.decode()
    assert 'value="4"' in body and 'value="45"' in body


def test_membership_create_and_edit(client, school_a, admin):
    response = client.post(
        reverse("org:membership_create"),
        {
            "username": "wangwu",
            "display_name": "王五",
            "mobile": "13700000001",
            "password": "pw-12345678",
            "department": school_a.department.pk,
            "roles": [school_a.role("technician").pk],
        },
    )
    membership = Membership.objects.for_school(school_a.school).get(user__username="wangwu")
    assert response.status_code == 302
    assert [r.code for r in membership.roles.all()] == ["technician"]
    assert audit_of(membership, "roles_changed").get().actor == admin

    response = client.post(
        reverse("org:membership_update", args=[membership.pk]),
        {"display_name": "王五一", "mobile": "13700000002", "roles": [school_a.role("guard").pk]},
    )
    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert (membership.user.username, membership.user.display_name) == ("wangwu", "王五一")
    assert [r.code for r in membership.roles.all()] == ["guard"]


def test_membership_invalid_mobile_is_a_field_error_and_keeps_the_input(client, school_a, admin):
    response = client.post(
        reverse("org:membership_create"), {"username": "zhaoliu", "display_name": "赵六", "mobile": "12345"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"] == ["请输入 11 位手机号码。"]
    body = response.content.decode()
    assert 'value="zhaoliu"' in body and 'value="赵六"' in body and 'value="12345"' in body
    assert not Membership.objects.filter(user__username="zhaoliu").exists()


# --- list filters and htmx ------------------------------------------------------------------------


@pytest.fixture
def places(school_a):
    w = school_a
    west = services.campus_create(actor=None, school=w.school, name="西校区")
    gym = services.location_create(
        actor=None, school=w.school, campus=west, name="体育馆", kind=LocationKind.BUILDING
    )
    office = services.location_create(
        actor=None,
        school=w.school,
        campus=w.campus,
        name="办公室",
        parent=w.floor,
        custodian=w.user("teacher"),
    )
    return west, gym, office


def test_location_list_filters(client, school_a, places, director):
    w = school_a
    west, gym, office = places
    url = reverse("org:location_list")
    assert listed(client.get(url)) == {w.building, w.floor, w.room, gym, office}
    assert listed(client.get(url, {"kind": "room"})) == {w.room, office}
    assert listed(client.get(url, {"campus": west.pk})) == {gym}
    assert listed(client.get(url, {"kind": "room", "custodian": "none"})) == {w.room}
    assert listed(client.get(url, {"within": w.building.pk})) == {w.floor, w.room, office}
    assert listed(client.get(url, {"q": "dns"})) == {w.room}  # 电脑室 by pinyin initials
    assert listed(client.get(url, {"q": "diannao"})) == {w.room}
    assert listed(client.get(url, {"q": "r-a"})) == {w.room}  # by code


def test_htmx_request_for_the_results_gets_only_the_partial(client, school_a, director):
    response = client.get(
        reverse("org:location_list"), {"q": "dns"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "navbar" not in body
    assert 'id="results"' in body and "电脑室a" in body
    full = client.get(reverse("org:location_list"), {"q": "dns"}).content.decode()
    assert "<html" in full


def test_htmx_partial_is_authorised_like_the_page(client, school_a):
    """DESIGN.md rule 3: a partial requested by htmx is authorised in its view like a page."""
    client.force_login(school_a.user("teacher"))
    response = client.get(reverse("org:membership_list"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert response.status_code == 403
    assert "a_principal" not in response.content.decode()


# --- home and search -----------------------------------------------------------------------------------


def test_home_todo_rooms_without_custodian_for_the_director_not_the_teacher(client, school_a):
    """专用室保管责任制: rooms without a custodian are a to-do for whoever can assign one."""
    client.force_login(school_a.user("logistics_director"))
    body = client.get(reverse("core:home")).content.decode()
    assert "1 个房间还没有保管责任人" in body
    assert "?kind=room&amp;custodian=none" in body

    client.force_login(school_a.user("teacher"))
    body = client.get(reverse("core:home")).content.decode()
    assert "还没有保管责任人" not in body

    services.location_update(actor=None, location=school_a.room, data={"custodian": school_a.user("teacher")})
    client.force_login(school_a.user("logistics_director"))
    assert "还没有保管责任人" not in client.get(reverse("core:home")).content.decode()


@pytest.mark.parametrize("query,expected", [("zwc", "总务处a"), ("dn", "电脑室a"), ("ZWC", "总务处a")])
def test_global_search_by_pinyin(client, school_a, director, query, expected):
    response = client.get(reverse("core:search"), {"q": query})
    groups = {str(label): [r.title for r in results] for label, results in response.context["groups"]}
    assert expected in [title for titles in groups.values() for title in titles]
    assert expected in response.content.decode()


def test_search_htmx_returns_the_results_partial(client, school_a, director):
    response = client.get(reverse("core:search"), {"q": "dn"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "电脑室a" in body


def test_search_never_shows_people_to_a_role_without_view_membership(client, school_a):
    client.force_login(school_a.user("school_admin"))
    response = client.get(reverse("core:search"), {"q": "principala"})
    assert "教职工" in [str(label) for label, _ in response.context["groups"]]
    assert school_a.members["principal"].get_absolute_url() in response.content.decode()

    client.force_login(school_a.user("teacher"))
    response = client.get(reverse("core:search"), {"q": "principala"})
    assert response.context["groups"] == []
    body = response.content.decode()
    assert school_a.members["principal"].get_absolute_url() not in body
    assert "没有找到" in body


# --- language, errors, sign-in -------------------------------------------------------------------------


def test_language_switch_to_english(client, school_a):
    client.force_login(school_a.user("teacher"))
    assert 'lang="zh-hans"' in client.get(reverse("core:home")).content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get(reverse("core:home")).content.decode()


def test_missing_object_gets_the_friendly_404_page(client, school_a, director):
    response = client.get(reverse("org:location_detail", args=[999999]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "找不到这个页面或记录" in body
    assert reverse("core:home") in body


def test_login_by_username(client, school_a):
    response = client.post(reverse("accounts:login"), {"username": "a_teacher", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    event = AuditEvent.objects.get(verb="login")
    assert event.actor == school_a.user("teacher") and event.school == school_a.school


def test_login_by_mobile_number(client, school_a):
    services.membership_update(
        actor=None, membership=school_a.members["guard"], data={"mobile": "13612345678"}
    )
    response = client.post(
        reverse("accounts:login"), {"username": " 13612345678 ", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    home = client.get(reverse("core:home"))
    assert home.status_code == 200
    assert home.context["user"] == school_a.user("guard")


def test_failed_login_is_recorded_and_explained(client, school_a):
    """事事有记录: failed sign-ins are on the account's record (the typed password is not)."""
    response = client.post(reverse("accounts:login"), {"username": "a_teacher", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名/手机号或密码不正确。" in response.content.decode()
    assert 'value="a_teacher"' in response.content.decode()
    event = AuditEvent.objects.get(verb="login_failed")
    assert event.actor is None
    assert event.target_id == str(school_a.user("teacher").pk)
    assert event.school == school_a.school
    assert "wrong-password" not in str(event.changes)
    assert client.get(reverse("core:home")).status_code == 302  # still signed out


def test_failed_login_with_unknown_name_is_recorded_without_a_school(client, db):
    client.post(reverse("accounts:login"), {"username": "nobody-here", "password": "x"})
    event = AuditEvent.objects.get(verb="login_failed")
    assert event.school is None and event.target_id == ""


def test_timeline_shows_field_names_and_choice_labels_not_raw_keys(client, school_a, director):
    """事事有记录: the record's history is readable by the office, not a dump of database keys."""
    services.location_update(
        actor=school_a.user("logistics_director"),
        location=school_a.room,
        data={"room_type": "lab", "custodian": school_a.user("teacher")},
    )
    body = client.get(reverse("org:location_detail", args=[school_a.room.pk])).content.decode()
    assert "用途：计算机室 → 实验室" in body
    assert "保管责任人：— → teachera" in body
    assert "room_type" not in body
    client.post(reverse("set_language"), {"language": "en"})
    body = client.get(reverse("org:location_detail", args=[school_a.room.pk])).content.decode()
    assert "Use: Computer room → Laboratory" in body


def test_school_admin_sets_a_password_for_staff_imported_without_one(client, school_a, admin):
    """Staff imported without a password cannot sign in until the school admin sets one."""
    membership = services.membership_create(
        actor=None, school=school_a.school, username="newstaff", display_name="新同事"
    )
    url = reverse("org:membership_set_password", args=[membership.pk])
    response = client.post(url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200  # too short, all digits: Chinese field errors, nothing saved
    assert "密码" in response.content.decode()
    membership.user.refresh_from_db()
    assert not membership.user.has_usable_password()

    response = client.post(url, {"new_password1": "qing-shu-2026", "new_password2": "qing-shu-2026"})
    assert response.status_code == 302
    assert audit_of(membership, "password_changed").get().actor == admin
    client.logout()
    assert client.login(username="newstaff", password="qing-shu-2026")


def test_password_of_an_account_shared_with_another_school_is_not_settable(client, school_a, school_b, admin):
    """A school admin must not take over an account another school also uses."""
    from houqin.core.testing import join_school

    user = school_b.user("teacher")
    membership = join_school(user, school_a, "teacher")
    url = reverse("org:membership_set_password", args=[membership.pk])
    assert (
        "设置密码" not in client.get(reverse("org:membership_detail", args=[membership.pk])).content.decode()
    )
    response = client.post(url, {"new_password1": "qing-shu-2026", "new_password2": "qing-shu-2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.check_password("qing-shu-2026")


def test_only_those_who_manage_staff_may_set_passwords(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    url = reverse("org:membership_set_password", args=[school_a.members["teacher"].pk])
    assert client.get(url).status_code == 403


def test_school_admin_adds_a_role_with_readable_permissions(client, school_a, admin):
    """Roles are data: a school adds its own (e.g. 专用室管理员) and grants what it needs."""
    page = client.get(reverse("org:role_create")).content.decode()
    assert "添加 位置" in page and "Can add" not in page
    from django.contrib.auth.models import Permission

    add_location = Permission.objects.get(content_type__app_label="org", codename="add_location")
    response = client.post(
        reverse("org:role_create"),
        {"code": "lab_keeper", "name": "专用室管理员", "permissions": [add_location.pk]},
    )
    assert response.status_code == 302
    role = school_a.role("lab_keeper")
    assert list(role.permissions.all()) == [add_location]
    assert "添加 位置" in client.get(response["Location"]).content.decode()
    # the same code twice in one school is refused, and what was typed stays in the form
    response = client.post(reverse("org:role_create"), {"code": "lab_keeper", "name": "又一个"})
    assert response.status_code == 200
    assert "又一个" in response.content.decode()


def test_the_director_may_not_add_roles(client, school_a, director):
    assert client.get(reverse("org:role_create")).status_code == 403


def test_filter_panel_keeps_the_chosen_values_and_opens_when_a_filter_is_set(client, school_a, director):
    body = client.get(
        reverse("org:location_list"), {"kind": "room", "campus": school_a.campus.pk}
    ).content.decode()
    assert '<option value="room" selected>' in body
    assert f'<option value="{school_a.campus.pk}" selected>' in body
    assert 'class="collapse show" id="more-filters"' in body
    body = client.get(reverse("org:location_list"), {"q": "dns"}).content.decode()
    assert 'class="collapse" id="more-filters"' in body
