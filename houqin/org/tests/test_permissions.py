"""Who may open and write which organisation pages (DESIGN.md rule 3: permissions in one place,
roles are data; rule 10: permission tests cover each role).

The matrix below is written out by hand from DOMAIN.md "People and roles", not derived from
``roles.py``: if a default grant changes, this test says so.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from houqin.core.models import AuditEvent
from houqin.core.testing import join_school, make_school
from houqin.org import services
from houqin.org.models import Campus, Department, DistrictSupervisor, EducationDistrict, Location, Membership
from houqin.org.roles import DEFAULT_ROLES

User = get_user_model()

ALL_ROLES = {spec.code for spec in DEFAULT_ROLES}
# Who sees the staff list (people's names and phone numbers are personal data).
SEES_PEOPLE = {
    "school_admin",
    "asset_clerk",
    "principal",
    "supervising_leader",
    "logistics_director",
    "school_affairs",
    "finance",
}
SEES_ROLES = {"school_admin", "principal"}
# 总务主任 runs places, departments and classes; the school admin everything.
MANAGES_PLACES = {"school_admin", "logistics_director"}
MANAGES_PEOPLE = {"school_admin"}


def test_the_matrix_covers_every_default_role():
    assert SEES_PEOPLE | SEES_ROLES | MANAGES_PLACES | MANAGES_PEOPLE <= ALL_ROLES
    assert len(ALL_ROLES) == 16


def page_rules(world):
    """(url name, kwargs, who may open it) for every org page."""
    w = world
    member = w.members["teacher"]
    role = w.role("teacher")
    return [
        ("org:campus_list", {}, ALL_ROLES),
        ("org:campus_detail", {"pk": w.campus.pk}, ALL_ROLES),
        ("org:location_list", {}, ALL_ROLES),
        ("org:location_detail", {"pk": w.room.pk}, ALL_ROLES),
        ("org:department_list", {}, ALL_ROLES),
        ("org:department_detail", {"pk": w.department.pk}, ALL_ROLES),
        ("org:schoolclass_list", {}, ALL_ROLES),
        ("org:schoolclass_detail", {"pk": w.school_class.pk}, ALL_ROLES),
        ("org:membership_list", {}, SEES_PEOPLE),
        ("org:membership_detail", {"pk": member.pk}, SEES_PEOPLE),
        ("org:role_list", {}, SEES_ROLES),
        ("org:role_detail", {"pk": role.pk}, SEES_ROLES),
        ("org:campus_create", {}, MANAGES_PLACES),
        ("org:campus_update", {"pk": w.campus.pk}, MANAGES_PLACES),
        ("org:location_create", {}, MANAGES_PLACES),
        ("org:location_update", {"pk": w.room.pk}, MANAGES_PLACES),
        ("org:department_create", {}, MANAGES_PLACES),
        ("org:department_update", {"pk": w.department.pk}, MANAGES_PLACES),
        ("org:schoolclass_create", {}, MANAGES_PLACES),
        ("org:schoolclass_update", {"pk": w.school_class.pk}, MANAGES_PLACES),
        ("org:membership_create", {}, MANAGES_PEOPLE),
        ("org:membership_update", {"pk": member.pk}, MANAGES_PEOPLE),
        ("org:role_update", {"pk": role.pk}, MANAGES_PEOPLE),
    ]


def create_posts(world):
    """(url name, valid POST data, model, lookup of the object it creates, who may)."""
    w = world
    return [
        (
            "org:campus_create",
            {"name": "新校区", "sort_order": 0},
            Campus,
            {"name": "新校区"},
            MANAGES_PLACES,
        ),
        (
            "org:location_create",
            {"campus": w.campus.pk, "parent": w.floor.pk, "kind": "room", "name": "新房间"},
            Location,
            {"name": "新房间"},
            MANAGES_PLACES,
        ),
        (
            "org:department_create",
            {"name": "新部门", "sort_order": 0},
            Department,
            {"name": "新部门"},
            MANAGES_PLACES,
        ),
        ("org:schoolclass_create", {"grade": 3, "number": 2}, None, None, MANAGES_PLACES),
        (
            "org:membership_create",
            {"username": "newperson", "display_name": "新人"},
            Membership,
            {"user__username": "newperson"},
            MANAGES_PEOPLE,
        ),
    ]


@pytest.mark.parametrize("role_code", sorted(ALL_ROLES))
def test_role_matrix_pages(client, school_a, role_code):
    client.force_login(school_a.user(role_code))
    for name, kwargs, allowed in page_rules(school_a):
        response = client.get(reverse(name, kwargs=kwargs))
        expected = 200 if role_code in allowed else 403
        assert response.status_code == expected, f"{role_code} GET {name}: {response.status_code}"


@pytest.mark.parametrize("role_code", sorted(ALL_ROLES))
def test_role_matrix_create_posts(client, school_a, role_code):
    client.force_login(school_a.user(role_code))
    for name, data, model, lookup, allowed in create_posts(school_a):
        response = client.post(reverse(name), data)
        if role_code in allowed:
            assert response.status_code == 302, f"{role_code} POST {name}: {response.status_code}"
        else:
            assert response.status_code == 403, f"{role_code} POST {name}: {response.status_code}"
        if model is not None:
            exists = model.objects.for_school(school_a.school).filter(**lookup).exists()
            assert exists == (role_code in allowed), f"{role_code} POST {name}: created={exists}"


def test_user_without_membership_gets_the_no_school_page(client, db):
    nobody = User.objects.create_user("nobody", password="x-12345678")
    client.force_login(nobody)
    for url in (reverse("core:home"), reverse("org:location_list"), reverse("org:location_create")):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您的账号还没有加入任何学校" in response.content.decode(), url


# --- district supervisor (教育局督导: read-only over the district's schools) -----------------------------

LIST_PAGES = [
    "core:home",
    "core:auditevent_list",
    "org:campus_list",
    "org:location_list",
    "org:department_list",
    "org:schoolclass_list",
    "org:membership_list",
    "org:role_list",
]


@pytest.fixture
def district_world(db):
    district = EducationDistrict.objects.create(name="某区教育局", code="some-district")
    a = make_school("a", district=district)
    c = make_school("c", district=district)
    outside = make_school("x")
    supervisor = User.objects.create_user("supervisor", display_name="督导")
    DistrictSupervisor.objects.create(user=supervisor, district=district)
    return a, c, outside, supervisor


def test_supervisor_reads_every_list_of_every_school_in_the_district(client, district_world):
    """DOMAIN.md: district supervisor — read-only view over the schools of a district."""
    a, c, _, supervisor = district_world
    client.force_login(supervisor)
    for world in (a, c):
        response = client.post(reverse("core:switch_school"), {"school": world.school.pk})
        assert response.status_code == 302
        for name in LIST_PAGES:
            response = client.get(reverse(name))
            assert response.status_code == 200, f"{name} in {world.school}: {response.status_code}"
        body = client.get(reverse("org:location_list")).content.decode()
        assert f"电脑室{world.school.code[-1]}" in body
        assert AuditEvent.objects.filter(
            actor=supervisor, verb="school_switched", school=world.school
        ).exists()
    # now acting in school c: school a's places are not on the page
    assert "电脑室a" not in client.get(reverse("org:location_list")).content.decode()


def test_supervisor_cannot_create_or_edit_anything(client, district_world):
    a, _, _, supervisor = district_world
    client.force_login(supervisor)
    for name, kwargs, _allowed in page_rules(a):
        if name.endswith(("_create", "_update")):
            url = reverse(name, kwargs=kwargs)
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"name": "督导改的"}).status_code == 403, url
    for name, data, *_ in create_posts(a):
        assert client.post(reverse(name), data).status_code == 403
    assert not Location.objects.filter(name="新房间").exists()
    response = client.post(
        "/api/v1/locations/",
        {"campus": a.campus.pk, "parent": a.floor.pk, "kind": "room", "name": "API房间"},
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client.patch(
        f"/api/v1/locations/{a.room.pk}/", {"name": "改名"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Location.objects.filter(name__in=["API房间", "改名"]).exists()
    assert client.get("/api/v1/locations/").status_code == 200


def test_supervisor_cannot_switch_to_a_school_outside_the_district(client, district_world):
    _, _, outside, supervisor = district_world
    client.force_login(supervisor)
    client.post(reverse("core:switch_school"), {"school": outside.school.pk})
    body = client.get(reverse("org:location_list")).content.decode()
    assert "电脑室x" not in body
    assert "电脑室a" in body


def test_switching_to_a_school_you_do_not_belong_to_is_ignored(client, school_a, school_b):
    user = school_a.user("school_admin")
    client.force_login(user)
    response = client.post(
        reverse("core:switch_school"), {"school": school_b.school.pk, "next": "/org/locations/"}
    )
    assert response.status_code == 302
    assert client.session.get("houqin_school_id") is None
    body = client.get(reverse("org:location_list")).content.decode()
    assert "电脑室a" in body and "电脑室b" not in body
    assert not AuditEvent.objects.filter(verb="school_switched").exists()


def test_member_of_two_schools_switches_between_them(client, school_a, school_b):
    user = school_a.user("teacher")
    join_school(user, school_b, "teacher")
    client.force_login(user)
    assert "电脑室a" in client.get(reverse("org:location_list")).content.decode()
    client.post(reverse("core:switch_school"), {"school": school_b.school.pk})
    body = client.get(reverse("org:location_list")).content.decode()
    assert "电脑室b" in body and "电脑室a" not in body


def test_switch_school_next_must_stay_on_this_site(client, school_a):
    client.force_login(school_a.user("teacher"))
    response = client.post(
        reverse("core:switch_school"), {"school": school_a.school.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:home")


def test_roles_are_data_a_grant_takes_effect_on_the_next_request(client, school_a):
    """DESIGN.md rule 3: roles are data — a school admin grants, the teacher may on the next request."""
    teacher = school_a.user("teacher")
    client.force_login(teacher)
    url = reverse("org:location_create")
    assert client.get(url).status_code == 403
    role = school_a.role("teacher")
    add_location = Permission.objects.get(content_type__app_label="org", codename="add_location")
    services.role_update(
        actor=school_a.user("school_admin"),
        role=role,
        data={"permissions": [*role.permissions.all(), add_location]},
    )
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"campus": school_a.campus.pk, "parent": school_a.floor.pk, "kind": "room", "name": "新房"}
    )
    assert response.status_code == 302
    assert Location.objects.for_school(school_a.school).filter(name="新房", created_by=teacher).exists()
    # and taking the grant away closes the page again
    services.role_update(
        actor=school_a.user("school_admin"),
        role=role,
        data={"permissions": [p for p in role.permissions.all() if p != add_location]},
    )
    assert client.get(url).status_code == 403
