"""Fast by construction (DESIGN.md rule 6): the number of queries a list page or API list makes does
not grow with the number of rows. Each test counts the queries of one request at a few rows and
again after adding many rows (1,000 for the location and staff lists, as the issue asks)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.core.pinyin import search_text
from houqin.core.testing import make_school
from houqin.org.choices import Grade, LocationKind, RoomType
from houqin.org.models import Department, Location, Membership, SchoolClass
from houqin.org.roles import DEFAULT_ROLES

User = get_user_model()


@pytest.fixture
def world(db):
    return make_school("q")


def add_rooms(world, n: int, *, prefix: str = "房间") -> None:
    """``n`` rooms under the world's floor, with the derived columns the services would fill."""
    floor = world.floor
    teacher = world.user("teacher")
    start = Location.objects.for_school(world.school).count()
    rooms = []
    for i in range(start, start + n):
        name = f"{prefix}{i}"
        full_name = f"{floor.full_name} / {name}"
        rooms.append(
            Location(
                school=world.school,
                campus=world.campus,
                parent=floor,
                kind=LocationKind.ROOM,
                name=name,
                code=f"K{i}",
                room_type=RoomType.CLASSROOM if i % 2 else RoomType.OFFICE,
                custodian=teacher if i % 3 else None,
                depth=floor.depth + 1,
                full_name=full_name,
                search_text=search_text(name, f"K{i}", full_name),
                path=f"pending-{i}",
            )
        )
    rooms = Location.objects.bulk_create(rooms)
    for room in rooms:
        room.path = f"{floor.path}{room.pk}/"
    Location.objects.bulk_update(rooms, ["path"])
    assert not Location.objects.filter(path__startswith="pending").exists()


def add_staff(world, n: int) -> None:
    start = User.objects.count()
    users = User.objects.bulk_create(
        [
            User(
                username=f"staff{i}",
                display_name=f"员工{i}",
                search_text=search_text(f"员工{i}", f"staff{i}"),
                password="!",
            )
            for i in range(start, start + n)
        ]
    )
    members = Membership.objects.bulk_create(
        [
            Membership(
                school=world.school, user=u, department=world.department, title="职员", employee_no=f"E{u.pk}"
            )
            for u in users
        ]
    )
    through = Membership.roles.through
    teacher, technician = world.role("teacher"), world.role("technician")
    through.objects.bulk_create(
        [through(membership_id=m.pk, role_id=r.pk) for m in members for r in (teacher, technician)]
    )


def add_classes(world, n: int) -> None:
    existing = set(SchoolClass.objects.for_school(world.school).values_list("grade", "number"))
    classes = []
    for grade in [g for g in Grade.values if g >= 1]:
        for number in range(1, 40):
            if (grade, number) in existing or len(classes) >= n:
                continue
            name = f"{Grade(grade).label}({number})班"
            classes.append(
                SchoolClass(
                    school=world.school,
                    grade=grade,
                    number=number,
                    name=name,
                    head_teacher=world.user("head_teacher") if number % 2 else None,
                    home_room=world.room,
                    search_text=search_text(name),
                )
            )
    SchoolClass.objects.bulk_create(classes)


def add_departments(world, n: int) -> None:
    start = Department.objects.for_school(world.school).count()
    Department.objects.bulk_create(
        [
            Department(
                school=world.school,
                name=f"部门{i}",
                head=world.user("principal"),
                supervisor=world.user("supervising_leader"),
                sort_order=i,
                search_text=search_text(f"部门{i}"),
            )
            for i in range(start, start + n)
        ]
    )


def count_queries(client, url: str, **params) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return [q["sql"] for q in ctx.captured_queries]


def assert_constant(client, url, grow, params=None):
    """Count at the current size, grow the data, count again: the two must be equal."""
    params = params or {}
    count_queries(client, url, **params)  # warm caches (content types, permissions)
    small = count_queries(client, url, **params)
    grow()
    large = count_queries(client, url, **params)
    assert len(small) == len(large), (
        f"{url}: {len(small)} queries with few rows, {len(large)} with many:\n" + "\n".join(large)
    )
    return len(small)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.user("school_admin"))
    return client


def test_location_list_query_count_at_10_and_1000_rows(admin_client, world):
    add_rooms(world, 7)
    assert Location.objects.for_school(world.school).count() == 10
    assert_constant(admin_client, "/org/locations/", lambda: add_rooms(world, 990))
    assert Location.objects.for_school(world.school).count() == 1000


def test_location_list_filtered_query_count_is_constant(admin_client, world):
    add_rooms(world, 7)
    assert_constant(
        admin_client,
        "/org/locations/",
        lambda: add_rooms(world, 990),
        {"kind": "room", "custodian": "none", "within": world.building.pk, "q": "fj"},
    )


def test_staff_list_query_count_at_10_and_1000_rows(admin_client, world):
    assert Membership.objects.for_school(world.school).count() == len(DEFAULT_ROLES)  # one per default role
    assert_constant(admin_client, "/org/staff/", lambda: add_staff(world, 1000 - len(DEFAULT_ROLES)))
    assert Membership.objects.for_school(world.school).count() == 1000


def test_class_list_query_count(admin_client, world):
    add_classes(world, 9)
    assert_constant(admin_client, "/org/classes/", lambda: add_classes(world, 190))
    assert SchoolClass.objects.for_school(world.school).count() == 200


def test_department_list_query_count(admin_client, world):
    add_departments(world, 9)
    assert_constant(admin_client, "/org/departments/", lambda: add_departments(world, 190))


def test_home_page_query_count(client, world):
    client.force_login(world.user("logistics_director"))  # sees the to-dos

    def grow():
        add_rooms(world, 200)
        add_classes(world, 100)

    assert_constant(client, "/", grow)
    assert "还没有保管责任人" in client.get("/").content.decode()


def test_search_page_query_count(admin_client, world):
    def grow():
        add_rooms(world, 200, prefix="房间1")
        add_staff(world, 200)
        add_departments(world, 200)
        add_classes(world, 100)

    assert_constant(admin_client, "/search/", grow, {"q": "1"})


def test_api_location_list_query_count_at_10_and_1000_rows(admin_client, world):
    add_rooms(world, 7)
    assert_constant(admin_client, "/api/v1/locations/", lambda: add_rooms(world, 990))
    assert admin_client.get("/api/v1/locations/").json()["count"] == 1000


def test_api_staff_list_query_count_at_10_and_1000_rows(admin_client, world):
    assert_constant(admin_client, "/api/v1/staff/", lambda: add_staff(world, 1000 - len(DEFAULT_ROLES)))
    assert admin_client.get("/api/v1/staff/").json()["count"] == 1000
