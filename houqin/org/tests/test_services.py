"""Organisation services: every write to schools, roles, places, departments, classes and staff.

Each test names the rule it comes from (DESIGN.md rules, DOMAIN.md seed lines) where one applies.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from houqin.core.models import AuditEvent
from houqin.core.permissions import build_school_context, membership_permissions
from houqin.org import services
from houqin.org.choices import LocationKind, RoomType
from houqin.org.models import Department, Location, Membership, Role, SchoolClass
from houqin.org.roles import DEFAULT_ROLES, DIRECTORY, PLACES_MANAGE

User = get_user_model()


def perm(key: str) -> Permission:
    app_label, codename = key.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def role_perms(role: Role) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.select_related("content_type")
    }


def events(verb: str, target) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_school(target.school).for_target(target).filter(verb=verb))


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- schools and roles ---------------------------------------------------------------------------------


def test_school_create_seeds_every_default_role_with_its_grants(db):
    """DOMAIN.md "People and roles": every school starts with the seed's roles; roles are data (rule 3)."""
    school = services.school_create(actor=None, name="新学校", code="new-school")
    roles = {r.code: r for r in Role.objects.for_school(school)}
    assert set(roles) == {spec.code for spec in DEFAULT_ROLES}
    assert all(r.is_system for r in roles.values())

    admin = role_perms(roles["school_admin"])
    org_perms = {
        f"org.{c}"
        for c in Permission.objects.filter(content_type__app_label="org").values_list("codename", flat=True)
    }
    assert org_perms <= admin  # "org.*"
    assert {"core.view_auditevent", "accounts.view_user"} <= admin
    # other apps add their own grants (register_grants); the organisation part is exactly this
    assert {p for p in role_perms(roles["teacher"]) if p.startswith("org.")} == set(DIRECTORY)
    assert set(PLACES_MANAGE) <= role_perms(roles["logistics_director"])
    assert "org.view_membership" in role_perms(roles["principal"])
    assert "org.view_membership" not in role_perms(roles["guard"])
    assert "org.add_location" not in role_perms(roles["teacher"])
    assert AuditEvent.objects.filter(school=school, verb="created").exists()


def test_role_seed_defaults_is_idempotent_and_keeps_grants_an_admin_added(school_a):
    """Roles are data (DESIGN.md rule 3): reseeding never takes away what a school admin granted."""
    teacher = school_a.role("teacher")
    services.role_update(
        actor=school_a.user("school_admin"),
        role=teacher,
        data={"permissions": [*teacher.permissions.all(), perm("org.add_location")]},
    )
    before = {r.code: role_perms(r) for r in Role.objects.for_school(school_a.school)}

    services.role_seed_defaults(school=school_a.school)
    services.role_seed_defaults(school=school_a.school)

    after = {r.code: role_perms(r) for r in Role.objects.for_school(school_a.school)}
    assert after == before
    assert "org.add_location" in after["teacher"]
    assert Role.objects.for_school(school_a.school).count() == len(DEFAULT_ROLES)


def test_role_seed_defaults_recreates_a_missing_role_and_leaves_custom_roles_alone(db):
    school = services.school_create(actor=None, name="学校s", code="school-s")
    Role.objects.for_school(school).get(code="guard").delete()
    custom = services.role_create(
        actor=None, school=school, code="custom", name="自定义", permissions=[perm("org.view_campus")]
    )
    services.role_seed_defaults(school=school)
    assert Role.objects.for_school(school).filter(code="guard", is_system=True).exists()
    assert role_perms(reload(custom)) == {"org.view_campus"}


def test_role_update_records_granted_and_removed_permissions(school_a):
    """事事有记录: a change of what a role may do is on the role's timeline."""
    admin = school_a.user("school_admin")
    teacher = school_a.role("teacher")
    services.role_update(
        actor=admin,
        role=teacher,
        data={"permissions": [perm("org.view_location"), perm("org.add_location")]},
    )
    (event,) = events("updated", teacher)
    assert event.actor == admin
    removed, added = event.changes["permissions"]
    assert added == ["org.add_location"]
    assert {p for p in removed if p.startswith("org.")} == set(DIRECTORY) - {"org.view_location"}


# --- places ------------------------------------------------------------------------------------------


def test_location_create_keeps_materialised_path_depth_and_full_name(school_a):
    w = school_a
    assert w.building.path == f"{w.building.pk}/"
    assert w.floor.path == f"{w.building.pk}/{w.floor.pk}/"
    assert w.room.path == f"{w.building.pk}/{w.floor.pk}/{w.room.pk}/"
    assert (w.building.depth, w.floor.depth, w.room.depth) == (0, 1, 2)
    assert w.room.full_name == "本部a / 教学楼a / 1Fa / 电脑室a"
    assert "dns" in w.room.search_text  # pinyin initials of 电脑室
    subtree = set(Location.objects.for_school(w.school).subtree(w.building))
    assert subtree == {w.building, w.floor, w.room}
    assert set(Location.objects.for_school(w.school).subtree(w.building, include_self=False)) == {
        w.floor,
        w.room,
    }


def test_location_create_writes_an_audit_event_with_actor_and_full_name(school_a):
    """事事有记录: every place created is on record with who did it."""
    director = school_a.user("logistics_director")
    room = services.location_create(
        actor=director, school=school_a.school, campus=school_a.campus, name="音乐室", parent=school_a.floor
    )
    (event,) = events("created", room)
    assert event.actor == director
    assert event.changes == {"full_name": [None, "本部a / 教学楼a / 1Fa / 音乐室"]}
    assert room.created_by == director


def test_renaming_a_building_renames_its_descendants(school_a):
    w = school_a
    services.location_update(actor=w.user("school_admin"), location=w.building, data={"name": "  综合楼 "})
    assert reload(w.building).full_name == "本部a / 综合楼"
    assert reload(w.floor).full_name == "本部a / 综合楼 / 1Fa"
    room = reload(w.room)
    assert room.full_name == "本部a / 综合楼 / 1Fa / 电脑室a"
    assert "zhl" in room.search_text  # the new building's initials are searchable on the room
    assert room.path == w.room.path
    (event,) = events("updated", w.building)
    assert event.changes == {"name": ["教学楼a", "综合楼"]}


def test_moving_a_floor_re_paths_and_renames_its_rooms(school_a):
    w = school_a
    other = services.location_create(
        actor=None, school=w.school, campus=w.campus, name="实验楼", kind=LocationKind.BUILDING
    )
    services.location_update(actor=None, location=w.floor, data={"parent": other})
    floor, room = reload(w.floor), reload(w.room)
    assert floor.path == f"{other.pk}/{floor.pk}/"
    assert room.path == f"{other.pk}/{floor.pk}/{room.pk}/"
    assert room.full_name == "本部a / 实验楼 / 1Fa / 电脑室a"
    assert set(Location.objects.for_school(w.school).subtree(other, include_self=False)) == {floor, room}
    assert not Location.objects.for_school(w.school).subtree(w.building, include_self=False).exists()


def test_renaming_a_campus_renames_every_place_on_it(school_a):
    w = school_a
    services.campus_update(actor=None, campus=w.campus, data={"name": "东校区"})
    assert reload(w.room).full_name == "东校区 / 教学楼a / 1Fa / 电脑室a"


@pytest.mark.parametrize(
    "kind,parent_attr",
    [
        (LocationKind.FLOOR, None),  # a floor needs a building
        (LocationKind.FLOOR, "floor"),  # not a floor under a floor
        (LocationKind.ROOM, None),  # a room needs a building or a floor
        (LocationKind.ROOM, "room"),  # a room cannot be under a room
        (LocationKind.BUILDING, "building"),  # a building stands on the campus
        (LocationKind.AREA, "floor"),
    ],
)
def test_location_parent_kind_rules(school_a, kind, parent_attr):
    """choices.ALLOWED_PARENT_KINDS: building > floor > room; outdoor areas on the campus or a building."""
    w = school_a
    parent = getattr(w, parent_attr) if parent_attr else None
    with pytest.raises(ValidationError) as exc:
        services.location_create(
            actor=None, school=w.school, campus=w.campus, name="新位置", kind=kind, parent=parent
        )
    assert "parent" in exc.value.message_dict
    assert not Location.objects.filter(name="新位置").exists()


@pytest.mark.parametrize(
    "kind,parent_attr",
    [
        (LocationKind.AREA, None),
        (LocationKind.AREA, "building"),
        (LocationKind.ROOM, "building"),
        (LocationKind.ROOM, "floor"),
        (LocationKind.FLOOR, "building"),
    ],
)
def test_location_allowed_parent_kinds_are_accepted(school_a, kind, parent_attr):
    w = school_a
    parent = getattr(w, parent_attr) if parent_attr else None
    loc = services.location_create(
        actor=None, school=w.school, campus=w.campus, name="新位置", kind=kind, parent=parent
    )
    assert loc.parent == parent


def test_a_location_cannot_move_under_itself_or_its_descendants(school_a):
    w = school_a
    for new_parent in (w.building, w.floor):
        with pytest.raises(ValidationError) as exc:
            services.location_update(actor=None, location=w.building, data={"parent": new_parent})
        assert exc.value.message_dict["parent"] == ["不能把位置移到它自己或它的下级之下。"]
    assert reload(w.building).parent is None


def test_kind_change_refused_when_children_would_break_the_rules(school_a):
    w = school_a
    with pytest.raises(ValidationError) as exc:
        services.location_update(actor=None, location=w.floor, data={"kind": LocationKind.ROOM})
    assert "kind" in exc.value.message_dict
    assert reload(w.floor).kind == LocationKind.FLOOR


def test_parent_and_campus_of_another_school_are_refused(school_a, school_b):
    """DESIGN.md rule 2: another school's objects cannot be linked."""
    with pytest.raises(ValidationError) as exc:
        services.location_create(
            actor=None, school=school_a.school, campus=school_a.campus, name="x", parent=school_b.floor
        )
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.location_create(
            actor=None, school=school_a.school, campus=school_b.campus, name="x", kind=LocationKind.BUILDING
        )
    assert "campus" in exc.value.message_dict


def test_same_location_code_in_two_schools_is_fine(school_a, school_b):
    """Uniqueness (codes, numbers) is per school (DESIGN.md rule 2)."""
    room = services.location_create(
        actor=None,
        school=school_b.school,
        campus=school_b.campus,
        name="另一个",
        parent=school_b.floor,
        code="R-a",
    )
    assert room.code == school_a.room.code == "R-a"


def test_location_code_twice_in_one_school_is_refused(school_a):
    """Door numbers are unique within a school: a second R-a is refused and nothing is saved."""
    w = school_a
    with pytest.raises(ValidationError):
        services.location_create(
            actor=None, school=w.school, campus=w.campus, name="x", parent=w.floor, code="R-a"
        )
    with pytest.raises(ValidationError):
        services.location_update(actor=None, location=w.floor, data={"code": "R-a"})
    assert Location.objects.for_school(w.school).filter(code="R-a").count() == 1


def test_duplicate_location_code_is_a_field_error_on_code(school_a):
    w = school_a
    with pytest.raises(ValidationError) as exc:
        services.location_create(
            actor=None, school=w.school, campus=w.campus, name="x", parent=w.floor, code="R-a"
        )
    assert "code" in exc.value.message_dict


def test_custodian_must_be_a_member_of_the_school(school_a, school_b):
    """专用室保管责任制 (DOMAIN.md, Assets): the custodian of a room is one of the school's own staff."""
    w = school_a
    with pytest.raises(ValidationError) as exc:
        services.location_create(
            actor=None,
            school=w.school,
            campus=w.campus,
            name="实验室",
            parent=w.floor,
            room_type=RoomType.LAB,
            custodian=school_b.user("teacher"),
        )
    assert "custodian" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.location_update(actor=None, location=w.room, data={"custodian": school_b.user("teacher")})
    assert "custodian" in exc.value.message_dict
    assert reload(w.room).custodian is None

    services.location_update(
        actor=w.user("school_admin"), location=w.room, data={"custodian": w.user("teacher")}
    )
    assert reload(w.room).custodian == w.user("teacher")
    (event,) = events("updated", w.room)
    assert event.changes == {"custodian": [None, str(w.user("teacher"))]}


def test_location_update_without_changes_writes_nothing(school_a):
    services.location_update(actor=None, location=school_a.room, data={"name": school_a.room.name})
    assert events("updated", school_a.room) == []


# --- departments ---------------------------------------------------------------------------------------


def test_department_create_update_and_pinyin(school_a):
    """事事有人管: a department has a head; its name is findable by pinyin initials."""
    w = school_a
    admin = w.user("school_admin")
    dep = services.department_create(actor=admin, school=w.school, name=" 教务处 ", head=w.user("principal"))
    assert dep.name == "教务处"
    assert "jwc" in dep.search_text
    assert events("created", dep)[0].actor == admin

    services.department_update(actor=admin, department=dep, data={"name": "德育处"})
    dep = reload(dep)
    assert "dyc" in dep.search_text and "jwc" not in dep.search_text
    (event,) = events("updated", dep)
    assert event.actor == admin
    assert event.changes["name"] == ["教务处", "德育处"]


def test_department_name_is_unique_per_school(school_a, school_b):
    with pytest.raises(ValidationError):
        services.department_create(actor=None, school=school_a.school, name="总务处a")
    services.department_create(actor=None, school=school_b.school, name="总务处a")
    assert Department.objects.filter(name="总务处a").count() == 2


# --- classes -------------------------------------------------------------------------------------------


def test_school_class_default_name(school_a):
    cls = services.school_class_create(actor=None, school=school_a.school, grade=1, number=2)
    assert cls.name == "一年级(2)班"
    assert services.class_default_name(10, 3) == "高一(3)班"
    services.school_class_update(actor=None, school_class=cls, data={"name": "  "})
    assert reload(cls).name == "一年级(2)班"


def test_school_class_grade_and_number_unique_per_school(school_a, school_b):
    with pytest.raises(ValidationError):
        services.school_class_create(actor=None, school=school_a.school, grade=1, number=1)
    assert SchoolClass.objects.for_school(school_a.school).count() == 1
    assert SchoolClass.objects.for_school(school_b.school).filter(grade=1, number=1).exists()


def test_school_class_refuses_head_teacher_and_home_room_of_another_school(school_a, school_b):
    """班主任 and 教室 come from the same school (DESIGN.md rule 2)."""
    with pytest.raises(ValidationError) as exc:
        services.school_class_create(
            actor=None,
            school=school_a.school,
            grade=2,
            number=1,
            head_teacher=school_b.user("head_teacher"),
            home_room=school_b.room,
        )
    assert set(exc.value.message_dict) == {"head_teacher", "home_room"}
    with pytest.raises(ValidationError) as exc:
        services.school_class_update(
            actor=None, school_class=school_a.school_class, data={"head_teacher": school_b.user("teacher")}
        )
    assert "head_teacher" in exc.value.message_dict

    services.school_class_update(
        actor=None, school_class=school_a.school_class, data={"head_teacher": school_a.user("head_teacher")}
    )
    assert reload(school_a.school_class).head_teacher == school_a.user("head_teacher")


# --- memberships --------------------------------------------------------------------------------------


def test_membership_create_makes_an_account_with_roles_and_audit(school_a):
    """事事有记录: a new member and the roles given are on record."""
    w = school_a
    admin = w.user("school_admin")
    m = services.membership_create(
        actor=admin,
        school=w.school,
        username="zhangsan",
        display_name="张三",
        mobile="13800000001",
        password="pw-12345678",
        department=w.department,
        roles=[w.role("technician")],
    )
    assert m.user.check_password("pw-12345678")
    assert m.user.mobile == "13800000001"
    assert "zs" in m.user.search_text
    assert events("created", m)[0].actor == admin
    (roles_event,) = events("roles_changed", m)
    assert roles_event.changes == {"roles": [[], ["维修工"]]}
    assert "org.view_location" in membership_permissions(m)


def test_membership_create_joins_an_existing_username_to_a_second_school(school_a, school_b):
    """One login, several schools: the same account becomes staff of school B too."""
    user = school_a.user("teacher")
    users_before = User.objects.count()
    m = services.membership_create(
        actor=None,
        school=school_b.school,
        username="a_teacher",
        display_name=user.display_name,
        roles=[school_b.role("guard")],
    )
    assert m.user == user
    assert User.objects.count() == users_before
    assert set(Membership.objects.filter(user=user).values_list("school", flat=True)) == {
        school_a.school.pk,
        school_b.school.pk,
    }
    context = build_school_context(user, school_b.school.pk)
    assert context.school == school_b.school
    assert context.can_switch


def test_an_existing_username_with_another_name_is_refused(school_a, school_b):
    """A school cannot take over another school's account by guessing its username: the name
    given must be the account's own (spaces and full-width characters aside)."""
    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            actor=None, school=school_b.school, username="a_teacher", display_name="别人"
        )
    assert "username" in exc.value.message_dict
    assert not Membership.objects.for_school(school_b.school).filter(user__username="a_teacher").exists()
    user = school_a.user("teacher")
    padded = " ".join(user.display_name)
    assert (
        services.membership_create(
            actor=None, school=school_b.school, username="a_teacher", display_name=padded
        ).user
        == user
    )


def test_membership_duplicate_in_one_school_is_refused(school_a):
    with pytest.raises(ValidationError) as exc:
        services.membership_create(actor=None, school=school_a.school, username="a_teacher", display_name="x")
    assert "username" in exc.value.message_dict
    assert Membership.objects.for_school(school_a.school).filter(user__username="a_teacher").count() == 1


def test_membership_roles_and_department_of_another_school_are_refused(school_a, school_b):
    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            actor=None,
            school=school_a.school,
            username="lisi",
            display_name="李四",
            roles=[school_b.role("principal")],
        )
    assert "roles" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            actor=None,
            school=school_a.school,
            username="lisi",
            display_name="李四",
            department=school_b.department,
        )
    assert "department" in exc.value.message_dict
    assert not User.objects.filter(username="lisi").exists()
    with pytest.raises(ValidationError):
        services.membership_set_roles(
            actor=None, membership=school_a.members["teacher"], roles=[school_b.role("school_admin")]
        )
    assert [r.code for r in school_a.members["teacher"].roles.all()] == ["teacher"]


def test_membership_update_changes_the_account_and_records_it(school_a):
    w = school_a
    admin = w.user("school_admin")
    m = w.members["teacher"]
    services.membership_update(
        actor=admin, membership=m, data={"display_name": "王老师", "mobile": " 13900000002 ", "title": "语文"}
    )
    user = reload(m.user)
    assert (user.display_name, user.mobile) == ("王老师", "13900000002")
    assert "wls" in user.search_text
    assert reload(m).title == "语文"
    changes = [e.changes for e in events("updated", m)]
    assert {"display_name": ["teachera", "王老师"], "mobile": [None, "13900000002"]} in changes
    assert {"title": ["", "语文"]} in changes
    assert all(e.actor == admin for e in events("updated", m))

    services.membership_update(actor=admin, membership=m, data={"mobile": ""})
    assert reload(m.user).mobile is None


def test_membership_update_refuses_a_mobile_already_used(school_a):
    w = school_a
    services.membership_update(actor=None, membership=w.members["guard"], data={"mobile": "13900000003"})
    with pytest.raises(ValidationError) as exc:
        services.membership_update(
            actor=None, membership=w.members["teacher"], data={"mobile": "13900000003"}
        )
    assert "mobile" in exc.value.message_dict


def test_roles_changed_is_recorded_with_before_and_after(school_a):
    """事事有记录: who got which role, from whom."""
    w = school_a
    admin = w.user("school_admin")
    m = w.members["teacher"]
    services.membership_update(
        actor=admin, membership=m, data={"roles": [w.role("teacher"), w.role("head_teacher")]}
    )
    event = events("roles_changed", m)[0]  # newest first
    assert event.actor == admin
    assert event.changes == {"roles": [["教师"], ["教师", "班主任"]]}
    assert "org.view_location" in membership_permissions(m)
    # setting the same roles again writes nothing
    count = len(events("roles_changed", m))
    services.membership_set_roles(
        actor=admin, membership=m, roles=[w.role("head_teacher"), w.role("teacher")]
    )
    assert len(events("roles_changed", m)) == count


def _room(world, name, **extra):
    return {"campus": world.campus, "parent": world.floor, "name": name, **extra}


def test_location_create_many_writes_the_batch_with_paths_names_and_audit(
    school_a, django_assert_max_num_queries
):
    """Excel import of rooms (登记造册): many rooms in a few queries, same derived fields and records."""
    w = school_a
    items = [_room(w, f"{300 + i}", code=f"B-{i}", room_type=RoomType.CLASSROOM) for i in range(50)]
    with django_assert_max_num_queries(12):
        rooms = services.location_create_many(
            actor=w.user("logistics_director"), school=w.school, items=items
        )
    assert len(rooms) == 50
    room = Location.objects.get(code="B-7")
    assert room.path == f"{w.floor.path}{room.pk}/"
    assert room.full_name == "本部a / 教学楼a / 1Fa / 307"
    assert "307" in room.search_text
    event = AuditEvent.objects.for_target(room).get(verb="created")
    assert event.actor == w.user("logistics_director")


def test_location_create_many_reports_every_bad_item_and_writes_nothing(school_a, school_b):
    """DESIGN rule 5: all errors at once, nothing half-saved."""
    w = school_a
    before = Location.objects.count()
    items = [
        _room(w, "ok"),
        _room(w, "dup-code-1", code="R-a"),  # the room of make_school has code R-a
        _room(w, "电脑室a"),  # the same name under the same floor
        _room(w, "twice", code="X1"),
        _room(w, "twice-2", code="X1"),  # the same code twice in the batch
        _room(w, "outsider", custodian=school_b.user("teacher")),
        {"campus": w.campus, "parent": w.room, "name": "room in a room"},
    ]
    with pytest.raises(services.BatchValidationError) as exc:
        services.location_create_many(actor=None, school=w.school, items=items)
    errors = {i: e.message_dict for i, e in exc.value.errors.items()}
    assert set(errors) == {1, 2, 4, 5, 6}
    assert "code" in errors[1] and "code" in errors[4]
    assert "name" in errors[2]
    assert "custodian" in errors[5]
    assert "parent" in errors[6]
    assert Location.objects.count() == before


def test_sync_roles_brings_a_later_modules_grants_once_and_keeps_what_the_admin_removed(
    school_a, monkeypatch
):
    """Roles are data (DESIGN rule 3): an upgrade adds new modules' default grants to existing
    schools, but a grant the school admin took away is not forced back."""
    from django.core.management import call_command

    from houqin.org import roles

    teacher = school_a.role("teacher")
    view_location = Permission.objects.get(content_type__app_label="org", codename="view_location")
    services.role_update(
        actor=school_a.user("school_admin"),
        role=teacher,
        data={"permissions": [p for p in teacher.permissions.all() if p != view_location]},
    )
    monkeypatch.setitem(
        roles._extra_grants, "teacher", [*roles._extra_grants.get("teacher", []), "org.view_role"]
    )
    call_command("sync_roles", stdout=io.StringIO())
    granted = {
        f"{p.content_type.app_label}.{p.codename}" for p in teacher.permissions.select_related("content_type")
    }
    assert "org.view_role" in granted
    assert "org.view_location" not in granted
    events = AuditEvent.objects.for_target(teacher).filter(verb="updated").count()
    call_command("sync_roles", stdout=io.StringIO())
    assert AuditEvent.objects.for_target(teacher).filter(verb="updated").count() == events  # nothing new
