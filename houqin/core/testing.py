"""Test helpers shared by every app: a school with people in each role, made through the services.

Used by ``conftest.py`` fixtures and by later modules' tests::

    world = make_school("a")
    client.force_login(world.user("logistics_director"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from houqin.org import services
from houqin.org.choices import LocationKind, RoomType
from houqin.org.models import Campus, Department, Location, Membership, Role, School, SchoolClass
from houqin.org.roles import DEFAULT_ROLES

# Each app adds one object of each of its models to every test school (its ``testing.add_samples``),
# so the tenancy sweep (houqin/core/tests/test_isolation.py) tries another school's ids on its pages.
SAMPLE_MODULES = [
    "houqin.core.samples",
    "houqin.approvals.testing",
    "houqin.notify.testing",
    "houqin.assets.testing",
    "houqin.stocktake.testing",
]

TEST_PASSWORD = "test-pass-9d8f7"  # noqa: S105 (test accounts only)


@dataclass
class SchoolWorld:
    school: School
    campus: Campus
    building: Location
    floor: Location
    room: Location
    department: Department
    school_class: SchoolClass
    members: dict[str, Membership] = field(default_factory=dict)

    def user(self, role_code: str):
        return self.members[role_code].user

    def role(self, code: str) -> Role:
        return Role.objects.get(school=self.school, code=code)


def make_school(tag: str, *, district=None) -> SchoolWorld:
    """A school named after ``tag`` with one campus, building, floor, room, department, class and
    one member per default role (usernames ``<tag>_<role>``). Every name carries the tag, so a
    test can look for another school's data in a response by the tag."""
    school = services.school_create(actor=None, name=f"学校{tag}", code=f"school-{tag}", district=district)
    roles = {r.code: r for r in Role.objects.for_school(school)}
    department = services.department_create(actor=None, school=school, name=f"总务处{tag}")
    members = {}
    for spec in DEFAULT_ROLES:
        members[spec.code] = services.membership_create(
            actor=None,
            school=school,
            username=f"{tag}_{spec.code}",
            display_name=f"{spec.code}{tag}",
            password=TEST_PASSWORD,
            department=department,
            roles=[roles[spec.code]],
        )
    campus = services.campus_create(actor=None, school=school, name=f"本部{tag}")
    building = services.location_create(
        actor=None, school=school, campus=campus, name=f"教学楼{tag}", kind=LocationKind.BUILDING
    )
    floor = services.location_create(
        actor=None, school=school, campus=campus, name=f"1F{tag}", kind=LocationKind.FLOOR, parent=building
    )
    room = services.location_create(
        actor=None,
        school=school,
        campus=campus,
        name=f"电脑室{tag}",
        parent=floor,
        code=f"R-{tag}",
        room_type=RoomType.COMPUTER_ROOM,
    )
    school_class = services.school_class_create(
        actor=None, school=school, grade=1, number=1, name=f"一年级{tag}班", home_room=room
    )
    world = SchoolWorld(
        school=school,
        campus=campus,
        building=building,
        floor=floor,
        room=room,
        department=department,
        school_class=school_class,
        members=members,
    )
    for module in SAMPLE_MODULES:
        import_module(module).add_samples(world)
    return world


def join_school(user, world: SchoolWorld, role_code: str) -> Membership:
    """Make an existing account staff of another school too (one login, several schools)."""
    return services.membership_create(
        actor=None,
        school=world.school,
        username=user.username,
        display_name=user.display_name,
        roles=[world.role(role_code)],
    )
