#!/usr/bin/env python
"""Generate a district of schools at benchmark scale.

    .venv/bin/python bench/generate.py --schools 200 --rooms-per-school 300 --users-per-school 150

Targets the database of ``DATABASE_URL`` (SQLite in ./var by default); runs ``migrate`` first.

Most rows go through the same services the application uses (``houqin.org.services``):
schools (with their default roles), campuses, buildings, floors and outdoor areas, departments,
the first three people of each school (school admin, principal, logistics director) and the
classes. The big counts — rooms and the other staff — are written with ``bulk_create`` for
speed, filling the same derived fields the services fill (``Location.path/depth/full_name/
search_text``, ``User.search_text``, audit events) so that pages see the same data either way.

Every bench user is ``b{school_index}_{n}`` (school index from 1, ``n`` from 1) with the
password printed at the end; ``b0_1`` is a district supervisor who may read every school.
The password is hashed once and the hash reused: Argon2 costs ~50 ms a hash.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from houqin.core.models import AuditEvent  # noqa: E402
from houqin.core.pinyin import search_text  # noqa: E402
from houqin.org import services  # noqa: E402
from houqin.org.choices import LocationKind, RoomType, SchoolKind  # noqa: E402
from houqin.org.models import (  # noqa: E402
    DistrictSupervisor,
    EducationDistrict,
    Location,
    Membership,
    Role,
)

User = get_user_model()
BENCH_PASSWORD = "bench-pass-2026"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯俊峰晨雪琳婷颖佳欣怡"
    "子涵梓轩宏博思远海燕春梅晓东嘉慧雅琪立新振华雨桐一鸣天佑"
)
PLACES = [
    "城南",
    "城北",
    "城东",
    "城西",
    "东湖",
    "西湖",
    "南山",
    "北山",
    "翠苑",
    "文澜",
    "春晖",
    "育才",
    "崇文",
    "明德",
    "求是",
    "启航",
    "星洲",
    "江滨",
    "金沙",
    "桂花",
    "银湖",
    "青山",
    "绿洲",
    "湖畔",
    "钱塘",
    "丁兰",
    "笕桥",
    "九堡",
    "三墩",
    "古荡",
    "留下",
    "闻涛",
    "采荷",
    "景芳",
    "濮家",
    "德胜",
    "长寿桥",
    "大关",
    "和睦",
    "申花",
    "紫金港",
    "文一",
    "学军",
    "行知",
    "胜利",
    "天长",
    "凤凰",
    "建兰",
    "十五奎巷",
]
KIND_WORD = {
    SchoolKind.PRIMARY: "小学",
    SchoolKind.JUNIOR: "中学",
    SchoolKind.SENIOR: "高级中学",
    SchoolKind.NINE_YEAR: "实验学校",
    SchoolKind.KINDERGARTEN: "幼儿园",
}
KIND_GRADES = {
    SchoolKind.PRIMARY: [1, 2, 3, 4, 5, 6],
    SchoolKind.JUNIOR: [7, 8, 9],
    SchoolKind.SENIOR: [10, 11, 12],
    SchoolKind.NINE_YEAR: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    SchoolKind.KINDERGARTEN: [-2, -1, 0],
}
KIND_WEIGHTS = [
    (SchoolKind.PRIMARY, 50),
    (SchoolKind.JUNIOR, 25),
    (SchoolKind.SENIOR, 10),
    (SchoolKind.NINE_YEAR, 10),
    (SchoolKind.KINDERGARTEN, 5),
]
DEPARTMENTS = [
    ("校务办", "XWB"),
    ("总务处", "ZWC"),
    ("教务处", "JWC"),
    ("德育处", "DYC"),
    ("食堂", "ST"),
    ("门卫", "MW"),
]

# Buildings with floors: (name, code, use). Rooms on each floor get types by the building's use.
BUILDINGS = [
    ("1号教学楼", "JXL1", "teaching"),
    ("2号教学楼", "JXL2", "teaching"),
    ("实验楼", "SYL", "lab"),
    ("综合楼", "ZHL", "mixed"),
    ("行政楼", "XZL", "admin"),
    ("3号教学楼", "JXL3", "teaching"),
    ("4号教学楼", "JXL4", "teaching"),
    ("宿舍楼", "SSL", "dorm"),
    ("艺术楼", "YSL", "mixed"),
]
LAB_NAMES = [
    ("物理实验室", RoomType.LAB),
    ("化学实验室", RoomType.LAB),
    ("生物实验室", RoomType.LAB),
    ("计算机室", RoomType.COMPUTER_ROOM),
    ("科学实验室", RoomType.LAB),
    ("准备室", RoomType.FUNCTION_ROOM),
]
MIXED_NAMES = [
    ("图书室", RoomType.LIBRARY),
    ("音乐室", RoomType.FUNCTION_ROOM),
    ("美术室", RoomType.FUNCTION_ROOM),
    ("舞蹈室", RoomType.FUNCTION_ROOM),
    ("录播室", RoomType.FUNCTION_ROOM),
    ("会议室", RoomType.MEETING_ROOM),
    ("心理咨询室", RoomType.FUNCTION_ROOM),
    ("阅览室", RoomType.LIBRARY),
]
ADMIN_NAMES = [
    ("办公室", RoomType.OFFICE),
    ("会议室", RoomType.MEETING_ROOM),
    ("档案室", RoomType.FUNCTION_ROOM),
    ("财务室", RoomType.OFFICE),
    ("校长室", RoomType.OFFICE),
]
CANTEEN_ROOMS = [
    ("餐厅", RoomType.CANTEEN),
    ("操作间", RoomType.CANTEEN),
    ("粗加工间", RoomType.CANTEEN),
    ("留样间", RoomType.CANTEEN),
    ("食品仓库", RoomType.WAREHOUSE),
    ("更衣室", RoomType.OTHER),
]
AREAS = [("田径场", "TJC"), ("篮球场", "LQC"), ("停车场", "TCC"), ("校门", "XM")]
FLOORS = 5
SUBJECTS = [
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "生物",
    "历史",
    "地理",
    "政治",
    "音乐",
    "美术",
    "体育",
    "信息技术",
    "科学",
]

# (role code, title, department code, how many); people 1..3 are fixed, teachers fill the rest.
FIXED_PEOPLE = [
    ("school_admin", "系统管理员", "XWB"),
    ("principal", "校长", "XWB"),
    ("logistics_director", "总务主任", "ZWC"),
]
STAFF_PLAN = [
    ("supervising_leader", "副校长", "XWB", 2),
    ("school_affairs", "校务办干事", "XWB", 1),
    ("finance", "会计", "XWB", 2),
    ("warehouse_keeper", "仓管员", "ZWC", 1),
    ("technician", "维修工", "ZWC", 3),
    ("canteen_manager", "食堂管理员", "ST", 1),
    ("food_safety_officer", "食品安全管理员", "ST", 1),
    ("canteen_staff", "食堂从业人员", "ST", 5),
    ("guard", "门卫", "MW", 3),
]


def log(msg: str) -> None:
    print(msg, flush=True)


class Gen:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.password_hash = make_password(BENCH_PASSWORD)  # once: Argon2 is slow on purpose
        self.ct_location = ContentType.objects.get_for_model(Location)
        self.ct_user = ContentType.objects.get_for_model(User)
        self.ct_membership = ContentType.objects.get_for_model(Membership)
        self.counts = {"schools": 0, "locations": 0, "rooms": 0, "users": 0, "classes": 0}
        self.used_names: set[str] = set()

    # --- names ------------------------------------------------------------------------------
    def person_name(self) -> str:
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def school_name(self, kind: str, index: int) -> str:
        district = self.args.district_name
        word = KIND_WORD.get(kind, "学校")
        for _ in range(20):
            name = f"{district}{self.rng.choice(PLACES)}{word}"
            if name not in self.used_names:
                break
        else:
            name = f"{district}第{index}{word}"
        self.used_names.add(name)
        return name

    # --- one school ----------------------------------------------------------------------------
    def school(self, index: int, district: EducationDistrict) -> None:
        rng = self.rng
        kinds, weights = zip(*KIND_WEIGHTS, strict=True)
        kind = rng.choices(kinds, weights)[0]
        school = services.school_create(
            actor=None,
            name=self.school_name(kind, index),
            code=f"{district.code}-s{index:03d}",
            kind=kind,
            district=district,
            address=f"{self.args.district_name}{rng.choice(PLACES)}路{rng.randint(1, 999)}号",
        )
        campus = services.campus_create(actor=None, school=school, name="本部", code="BB")
        roles = {r.code: r for r in Role.objects.for_school(school)}
        depts = {
            code: services.department_create(actor=None, school=school, name=name, code=code, sort_order=i)
            for i, (name, code) in enumerate(DEPARTMENTS)
        }
        members = self.people(index, school, roles, depts)
        self.places(school, campus, members)
        self.classes(school, kind, members)
        self.counts["schools"] += 1

    def people(self, index, school, roles, depts) -> dict[str, list]:
        """Returns users by role code (``teacher``, ``head_teacher`` ... ``all``)."""
        rng, n_users = self.rng, self.args.users_per_school
        by_role: dict[str, list] = {"all": []}
        # The first three through the service, as an admin adding staff would.
        for n, (code, title, dept) in enumerate(FIXED_PEOPLE[:n_users], start=1):
            m = services.membership_create(
                actor=None,
                school=school,
                username=f"b{index}_{n}",
                display_name=self.person_name(),
                mobile=f"13{index:04d}{n:05d}",
                department=depts[dept],
                roles=[roles[code]],
                title=title,
                employee_no=f"{n:04d}",
            )
            by_role.setdefault(code, []).append(m.user)
            by_role["all"].append(m.user)
        User.objects.filter(pk__in=[u.pk for u in by_role["all"]]).update(password=self.password_hash)

        # Everybody else in bulk.
        plan: list[tuple[list[str], str, str]] = []
        for code, title, dept, count in STAFF_PLAN:
            plan += [([code], title, dept)] * count
        n_classes = self.class_plan_size(school.kind)
        rest = n_users - len(by_role["all"])
        plan = plan[: max(0, rest)]
        while len(plan) < rest:
            head = sum(1 for p in plan if "head_teacher" in p[0]) < n_classes
            subject = rng.choice(SUBJECTS)
            codes = ["teacher", "head_teacher"] if head else ["teacher"]
            if rng.random() < 0.03:
                codes.append("meal_committee")
            plan.append((codes, f"{subject}教师", "DYC" if head else "JWC"))
        start = len(by_role["all"]) + 1
        users = []
        for n in range(start, start + len(plan)):
            name = self.person_name()
            username = f"b{index}_{n}"
            users.append(
                User(
                    username=username,
                    display_name=name,
                    mobile=f"13{index:04d}{n:05d}",
                    password=self.password_hash,
                    search_text=search_text(name, username),
                )
            )
        users = User.objects.bulk_create(users, batch_size=500)
        memberships = [
            Membership(school=school, user=u, department=depts[dept], title=title, employee_no=f"{n:04d}")
            for n, (u, (codes, title, dept)) in enumerate(zip(users, plan, strict=True), start=start)
        ]
        memberships = Membership.objects.bulk_create(memberships, batch_size=500)
        through = Membership.roles.through
        Membership.roles.through.objects.bulk_create(
            [
                through(membership_id=m.pk, role_id=roles[c].pk)
                for m, (codes, _, _) in zip(memberships, plan, strict=True)
                for c in codes
            ],
            batch_size=1000,
        )
        events = []
        for u, m, (codes, _, _) in zip(users, memberships, plan, strict=True):
            events.append(
                AuditEvent(
                    school=school,
                    verb="created",
                    target_type=self.ct_user,
                    target_id=str(u.pk),
                    target_repr=str(u)[:200],
                )
            )
            events.append(
                AuditEvent(
                    school=school,
                    verb="created",
                    target_type=self.ct_membership,
                    target_id=str(m.pk),
                    target_repr=str(u)[:200],
                    changes={"user": [None, str(u)], "title": [None, m.title]},
                )
            )
            events.append(
                AuditEvent(
                    school=school,
                    verb="roles_changed",
                    target_type=self.ct_membership,
                    target_id=str(m.pk),
                    target_repr=str(u)[:200],
                    changes={"roles": [[], sorted(str(roles[c].name) for c in codes)]},
                )
            )
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        for u, (codes, _, _) in zip(users, plan, strict=True):
            by_role["all"].append(u)
            for c in codes:
                by_role.setdefault(c, []).append(u)
        self.counts["users"] += len(by_role["all"])

        # Department heads through the service.
        heads = {
            "XWB": "principal",
            "ZWC": "logistics_director",
            "ST": "canteen_manager",
            "MW": "guard",
            "JWC": "teacher",
            "DYC": "head_teacher",
        }
        for code, role in heads.items():
            if by_role.get(role):
                services.department_update(
                    actor=None,
                    department=depts[code],
                    data={
                        "head": by_role[role][0],
                        "supervisor": (by_role.get("supervising_leader") or [None])[0],
                    },
                )
        return by_role

    def room_specs(self, n_rooms: int) -> list[tuple[int, list[tuple[str, str]]]]:
        """How many rooms per building (index into BUILDINGS), and the canteen's rooms."""
        canteen = CANTEEN_ROOMS[: min(len(CANTEEN_ROOMS), max(0, n_rooms // 20))]
        left = n_rooms - len(canteen)
        per_floor = 12
        n_buildings = max(1, min(len(BUILDINGS), -(-left // (FLOORS * per_floor))))
        base, extra = divmod(left, n_buildings)
        return [(b, base + (1 if b < extra else 0)) for b in range(n_buildings)], canteen

    def places(self, school, campus, members) -> None:
        rng = self.rng
        buildings_spec, canteen = self.room_specs(self.args.rooms_per_school)
        custodians = members["all"]
        rooms: list[Location] = []

        def room(parent, name, code, room_type):
            loc = Location(
                school=school,
                campus=campus,
                parent=parent,
                kind=LocationKind.ROOM,
                name=name,
                code=code,
                room_type=room_type,
                path="pending",
                custodian=rng.choice(custodians) if rng.random() < 0.8 else None,
                capacity=rng.choice([None, 40, 45, 50, 60]) if room_type == RoomType.CLASSROOM else None,
            )
            # the same derivation as services._derive
            loc.depth = parent.depth + 1
            loc.full_name = f"{parent.full_name} / {loc.name}"[:255]
            loc.search_text = search_text(loc.name, loc.code, loc.full_name)
            rooms.append(loc)

        for b_index, n_rooms in buildings_spec:
            b_name, b_code, use = BUILDINGS[b_index]
            building = services.location_create(
                actor=None, school=school, campus=campus, name=b_name, kind=LocationKind.BUILDING, code=b_code
            )
            self.counts["locations"] += 1
            floors_used = min(FLOORS, max(1, n_rooms))
            f_base, f_extra = divmod(n_rooms, floors_used)
            for f in range(1, floors_used + 1):
                floor = services.location_create(
                    actor=None,
                    school=school,
                    campus=campus,
                    name=f"{f}F",
                    kind=LocationKind.FLOOR,
                    parent=building,
                    code=f"{b_code}-{f}F",
                )
                self.counts["locations"] += 1
                for r in range(1, f_base + (1 if f <= f_extra else 0) + 1):
                    number = f"{f}{r:02d}"
                    if use == "teaching":
                        rtype, label = (
                            (RoomType.TOILET, "卫生间")
                            if r == 1
                            else (RoomType.OFFICE, "办公室")
                            if r == 2
                            else (RoomType.CLASSROOM, "")
                        )
                    elif use == "dorm":
                        rtype, label = RoomType.DORMITORY, "宿舍"
                    else:
                        label, rtype = rng.choice(
                            {"lab": LAB_NAMES, "mixed": MIXED_NAMES, "admin": ADMIN_NAMES}[use]
                        )
                    name = f"{number}{label}" if label else number
                    room(floor, name, f"{b_code}-{number}", rtype)
        if canteen:
            hall = services.location_create(
                actor=None, school=school, campus=campus, name="食堂", kind=LocationKind.BUILDING, code="ST"
            )
            self.counts["locations"] += 1
            for i, (label, rtype) in enumerate(canteen, start=1):
                room(hall, label, f"ST-{i:02d}", rtype)
        for name, code in AREAS:
            services.location_create(
                actor=None, school=school, campus=campus, name=name, kind=LocationKind.AREA, code=code
            )
            self.counts["locations"] += 1

        rooms = Location.objects.bulk_create(rooms, batch_size=500)
        for loc in rooms:
            loc.path = f"{loc.parent.path}{loc.pk}/"
        Location.objects.bulk_update(rooms, ["path"], batch_size=500)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    school=school,
                    verb="created",
                    target_type=self.ct_location,
                    target_id=str(loc.pk),
                    target_repr=loc.full_name[:200],
                    changes={"full_name": [None, loc.full_name]},
                )
                for loc in rooms
            ],
            batch_size=1000,
        )
        self.counts["rooms"] += len(rooms)
        self.counts["locations"] += len(rooms)
        self.classrooms = [r for r in rooms if r.room_type == RoomType.CLASSROOM]

    def class_plan_size(self, kind) -> int:
        grades = KIND_GRADES.get(kind, [1])
        return len(grades) * self.classes_per_grade(kind)

    def classes_per_grade(self, kind) -> int:
        # one classroom per class, about 60 % of teaching rooms are classrooms; 2..10 classes a grade
        grades = KIND_GRADES.get(kind, [1])
        return max(2, min(10, int(self.args.rooms_per_school * 0.55 / len(grades) / 1.3)))

    def classes(self, school, kind, members) -> None:
        grades = KIND_GRADES.get(kind, [1])
        per_grade = self.classes_per_grade(kind)
        heads = list(members.get("head_teacher", []))
        rooms = list(self.classrooms)
        year = 2025
        for grade in grades:
            for number in range(1, per_grade + 1):
                services.school_class_create(
                    actor=None,
                    school=school,
                    grade=grade,
                    number=number,
                    head_teacher=heads.pop(0) if heads else None,
                    home_room=rooms.pop(0) if rooms else None,
                    student_count=self.rng.randint(30, 50),
                    enrollment_year=year - (grade - grades[0]) if grade > 0 else None,
                )
                self.counts["classes"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--rooms-per-school", type=int, default=300)
    parser.add_argument("--users-per-school", type=int, default=150)
    parser.add_argument("--district-name", default="滨江区")
    parser.add_argument("--district-code", default="bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-migrate", action="store_true", help="do not run migrate first")
    args = parser.parse_args()

    db = connection.settings_dict
    log(f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
    t0 = time.perf_counter()
    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
        log(f"migrate: {time.perf_counter() - t0:.1f}s")

    if (
        EducationDistrict.objects.filter(code=args.district_code).exists()
        or EducationDistrict.objects.filter(name=args.district_name).exists()
    ):
        log(
            f"district {args.district_code!r} / {args.district_name!r} already exists in this database; "
            "the generator never deletes data: use a fresh database (or another --district-code and "
            "--district-name)."
        )
        return 2
    if User.objects.filter(username__regex=r"^b[0-9]+_[0-9]+$").exists():
        log("bench users (b<school>_<n>) already exist in this database: use a fresh database.")
        return 2

    gen = Gen(args)
    t1 = time.perf_counter()
    district = EducationDistrict.objects.create(name=args.district_name, code=args.district_code)
    supervisor = User.objects.create(
        username="b0_1",
        display_name="教育局督导",
        password=gen.password_hash,
        search_text=search_text("教育局督导", "b0_1"),
    )
    DistrictSupervisor.objects.create(user=supervisor, district=district)

    for index in range(1, args.schools + 1):
        with transaction.atomic():
            gen.school(index, district)
        if index % 10 == 0 or index == args.schools:
            elapsed = time.perf_counter() - t1
            log(
                f"  {index}/{args.schools} schools  {gen.counts['locations']} locations  "
                f"{gen.counts['users']} users  {elapsed:.1f}s  ({elapsed / index:.2f}s/school)"
            )

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = time.perf_counter() - t0
    log("")
    log(f"done in {total:.1f}s (generation {time.perf_counter() - t1:.1f}s)")
    log(
        "  "
        + ", ".join(f"{k}: {v}" for k, v in gen.counts.items())
        + f", audit events: {AuditEvent.objects.count()}"
    )
    log(
        f"  users: b<school>_<n>, school 1..{args.schools}, n 1..{args.users_per_school}; "
        "b<i>_1 school admin, b<i>_2 principal, b<i>_3 logistics director; b0_1 district supervisor"
    )
    log(f"  password for every bench user: {BENCH_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
