"""Load the demo school (示范小学) once; later runs keep the data and print the accounts again."""

from __future__ import annotations

import json
import secrets
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from houqin.org import services
from houqin.org.choices import LocationKind, RoomType
from houqin.org.models import DistrictSupervisor, EducationDistrict, Role, School

ACCOUNTS_FILE = settings.VAR_DIR / "demo-accounts.json"

# (username, name, role code, department, title)
PEOPLE = [
    ("admin", "管理员", "school_admin", "校务办", "系统管理员"),
    ("xiaozhang", "王校长", "principal", None, "校长"),
    ("fenguan", "李副校长", "supervising_leader", None, "分管后勤副校长"),
    ("zongwu", "张主任", "logistics_director", "总务处", "总务主任"),
    ("zichan", "钱老师", "asset_clerk", "总务处", "资产管理员"),
    ("xiaowu", "陈老师", "school_affairs", "校务办", "校务办干事"),
    ("kuaiji", "刘会计", "finance", "总务处", "会计"),
    ("cangguan", "赵仓管", "warehouse_keeper", "总务处", "仓管员"),
    ("weixiu", "孙师傅", "technician", "总务处", "水电工"),
    ("shitang", "周经理", "canteen_manager", "食堂", "食堂管理员"),
    ("shian", "吴老师", "food_safety_officer", "食堂", "食品安全管理员"),
    ("chushi", "郑师傅", "canteen_staff", "食堂", "厨师"),
    ("menwei", "冯师傅", "guard", "门卫", "门卫"),
    ("jiaoshi", "何老师", "teacher", "教务处", "语文教师"),
    ("banzhuren", "林老师", "head_teacher", "教务处", "一年级(1)班班主任"),
    ("shanwei", "高老师", "meal_committee", "德育处", "膳委会成员"),
]
DEPARTMENTS = ["总务处", "教务处", "德育处", "校务办", "食堂", "门卫"]
# Modules that add demo records to 示范小学: each has ``load_demo(school)``, which does nothing when
# its records are there already, so an older demo database gets a new module's records too.
DEMO_MODULES = ["houqin.assets.demo", "houqin.stocktake.demo"]


class Command(BaseCommand):
    help = "Create the demo school with one account per role (skipped if it exists) and print the accounts."

    def handle(self, *args, **options):
        if School.objects.filter(code="demo").exists():
            self.stdout.write("示范小学 already exists; keeping its data.")
        else:
            accounts = self._create()
            ACCOUNTS_FILE.write_text(json.dumps(accounts, ensure_ascii=False, indent=1))
            ACCOUNTS_FILE.chmod(0o600)
            self.stdout.write(self.style.SUCCESS("Created 示范小学 (demo school)."))
        school = School.objects.get(code="demo")
        for module in DEMO_MODULES:
            import_module(module).load_demo(school)
        self._print_accounts()

    @transaction.atomic
    def _create(self) -> list[dict]:
        district = EducationDistrict.objects.create(name="示范区教育局", code="demo-district")
        school = services.school_create(
            actor=None,
            name="示范小学",
            code="demo",
            kind="primary",
            district=district,
            short_name="示范小学",
            address="示范路 1 号",
        )
        roles = {r.code: r for r in Role.objects.for_school(school)}
        departments = {
            name: services.department_create(actor=None, school=school, name=name, sort_order=i)
            for i, name in enumerate(DEPARTMENTS)
        }
        accounts = []
        people = {}
        for username, name, role, dept, title in PEOPLE:
            password = f"hq-{secrets.token_hex(3)}"
            membership = services.membership_create(
                actor=None,
                school=school,
                username=username,
                display_name=name,
                password=password,
                department=departments.get(dept),
                roles=[roles[role]],
                title=title,
            )
            people[username] = membership.user
            accounts.append(
                {"username": username, "name": name, "role": str(roles[role].name), "password": password}
            )
        services.department_update(
            actor=None,
            department=departments["总务处"],
            data={"head": people["zongwu"], "supervisor": people["fenguan"]},
        )
        services.department_update(
            actor=None,
            department=departments["食堂"],
            data={"head": people["shitang"], "supervisor": people["fenguan"]},
        )

        main = services.campus_create(actor=None, school=school, name="本部校区", sort_order=0)
        east = services.campus_create(actor=None, school=school, name="东校区", sort_order=1)
        teaching = services.location_create(
            actor=None, school=school, campus=main, name="教学楼", kind=LocationKind.BUILDING, code="JX"
        )
        rooms = []
        for floor_no in (1, 2, 3):
            floor = services.location_create(
                actor=None,
                school=school,
                campus=main,
                parent=teaching,
                name=f"{floor_no}F",
                kind=LocationKind.FLOOR,
            )
            for n in (1, 2, 3, 4):
                rooms.append(
                    services.location_create(
                        actor=None,
                        school=school,
                        campus=main,
                        parent=floor,
                        name=f"{floor_no}0{n}",
                        code=f"JX{floor_no}0{n}",
                        room_type=RoomType.CLASSROOM,
                        capacity=45,
                    )
                )
        admin_building = services.location_create(
            actor=None, school=school, campus=main, name="行政楼", kind=LocationKind.BUILDING, code="XZ"
        )
        for code, name, room_type, custodian in [
            ("XZ101", "总务处办公室", RoomType.OFFICE, "zongwu"),
            ("XZ102", "校长室", RoomType.OFFICE, "xiaozhang"),
            ("XZ103", "仓库", RoomType.WAREHOUSE, "cangguan"),
            ("XZ201", "会议室", RoomType.MEETING_ROOM, None),
            ("XZ202", "电脑室", RoomType.COMPUTER_ROOM, None),
        ]:
            services.location_create(
                actor=None,
                school=school,
                campus=main,
                parent=admin_building,
                name=name,
                code=code,
                room_type=room_type,
                custodian=people.get(custodian),
            )
        services.location_create(
            actor=None,
            school=school,
            campus=main,
            name="操场",
            kind=LocationKind.AREA,
            room_type=RoomType.SPORTS,
        )
        canteen = services.location_create(
            actor=None, school=school, campus=east, name="食堂楼", kind=LocationKind.BUILDING, code="ST"
        )
        for code, name, room_type in [
            ("ST101", "厨房", RoomType.CANTEEN),
            ("ST102", "学生餐厅", RoomType.CANTEEN),
            ("ST103", "留样间", RoomType.CANTEEN),
        ]:
            services.location_create(
                actor=None,
                school=school,
                campus=east,
                parent=canteen,
                name=name,
                code=code,
                room_type=room_type,
                custodian=people["shitang"],
            )
        services.location_create(
            actor=None,
            school=school,
            campus=east,
            name="门卫室",
            kind=LocationKind.AREA,
            room_type=RoomType.GATEHOUSE,
            custodian=people["menwei"],
        )

        for grade in range(1, 7):
            for number in (1, 2):
                head = people["banzhuren"] if (grade, number) == (1, 1) else None
                services.school_class_create(
                    actor=None,
                    school=school,
                    grade=grade,
                    number=number,
                    head_teacher=head,
                    home_room=rooms[(grade - 1) * 2 + number - 1],
                    student_count=40 + grade,
                )

        supervisor_password = f"hq-{secrets.token_hex(3)}"
        from django.contrib.auth import get_user_model

        supervisor = get_user_model().objects.create_user(
            username="dudao", password=supervisor_password, display_name="区督导"
        )
        DistrictSupervisor.objects.create(user=supervisor, district=district)
        accounts.append(
            {
                "username": "dudao",
                "name": "区督导",
                "role": "教育局督导（只读）",
                "password": supervisor_password,
            }
        )
        return accounts

    def _print_accounts(self) -> None:
        if not ACCOUNTS_FILE.exists():
            self.stdout.write(
                "(The demo password list is missing; set passwords with manage.py changepassword.)"
            )
            return
        accounts = json.loads(ACCOUNTS_FILE.read_text())
        self.stdout.write("\n示范小学 demo accounts (username / password — role):")
        for a in accounts:
            self.stdout.write(f"  {a['username']:<10} {a['password']:<10} — {a['name']}, {a['role']}")
        self.stdout.write(f"(kept in {ACCOUNTS_FILE})\n")
