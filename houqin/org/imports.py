"""Excel importers for places (rooms), staff and classes. Every write goes through ``org.services``.

Each importer looks up what the rows refer to (campuses, departments, roles, staff, rooms) in a
few queries for the whole file in ``validate_all``, replaces the names in the rows with the
objects found, and reports every problem at once; ``save_row`` then only calls services.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.accounts.models import mobile_validator
from houqin.core.excel import (
    Choice,
    Column,
    DecimalNumber,
    Importer,
    Integer,
    PersonName,
    Row,
    RowError,
    Text,
    cell_text,
    duplicate_rows,
    in_chunks,
    normalise_header,
)
from houqin.core.services import BatchValidationError

from . import services
from .choices import Grade, LocationKind, RoomType
from .models import Campus, Department, Location, Membership, Role, SchoolClass
from .services import name_key, same_person

User = get_user_model()


class StaffLookup:
    """Find an active staff member of one school by username, mobile number or unique name (one query)."""

    def __init__(self, school):
        self.by_username: dict[str, Any] = {}
        self.by_mobile: dict[str, Any] = {}
        self.by_name: dict[str, list[Any]] = {}
        members = (
            Membership.objects.for_school(school)
            .filter(is_active=True, user__is_active=True)
            .select_related("user")
        )
        for membership in members:
            user = membership.user
            self.by_username[user.username] = user
            if user.mobile:
                self.by_mobile[user.mobile] = user
            if user.display_name:
                self.by_name.setdefault(self._name_key(user.display_name), []).append(user)

    @staticmethod
    def _name_key(name: str) -> str:
        return name_key(name)

    def find(self, text: str):
        """The user, or raise ``ValueError`` with a message saying why not."""
        text = cell_text(text)
        user = self.by_username.get(text) or self.by_mobile.get(text)
        if user is not None:
            return user
        same_name = self.by_name.get(self._name_key(text), [])
        if len(same_name) == 1:
            return same_name[0]
        if len(same_name) > 1:
            raise ValueError(
                _("本校有 %(count)d 位教职工叫“%(name)s”，请改填用户名或手机号。")
                % {"count": len(same_name), "name": text}
            )
        raise ValueError(
            _("本校在职教职工中找不到“%(value)s”（可填用户名、手机号或姓名）。") % {"value": text}
        )


def _resolve_staff(importer: Importer, rows: list[Row], key: str) -> list[RowError]:
    """Replace the text in column ``key`` by the staff member it names."""
    lookup: StaffLookup | None = None
    errors = []
    for row in rows:
        text = row.data.get(key)
        if not text:
            row.data[key] = None
            continue
        lookup = lookup or StaffLookup(importer.school)
        try:
            row.data[key] = lookup.find(text)
        except ValueError as exc:
            row.data[key] = None
            errors.append(importer.error(row, key, str(exc)))
    return errors


# --- places ---------------------------------------------------------------------------------------------


class LocationImporter(Importer):
    """Rooms with their building and floor; missing buildings and floors are created."""

    name = "org.location"
    title = gettext_lazy("位置")
    sheet_title = gettext_lazy("位置")
    columns = [
        Column(
            "campus",
            gettext_lazy("校区"),
            Text(50),
            required=True,
            aliases=["校区名称"],
            example="主校区",
            help_text=gettext_lazy("填本校已有的校区名称。"),
        ),
        Column(
            "building",
            gettext_lazy("楼宇"),
            Text(50),
            required=True,
            aliases=["楼宇名称", "楼栋", "楼名", "建筑", "建筑物"],
            example="教学楼",
            help_text=gettext_lazy("没有的楼宇会自动创建。"),
        ),
        Column(
            "floor",
            gettext_lazy("楼层"),
            Text(50),
            aliases=["层", "楼层名称"],
            example="3层",
            help_text=gettext_lazy("没有的楼层会自动创建；不填表示房间直接在楼宇下。"),
        ),
        Column(
            "name",
            gettext_lazy("名称"),
            Text(50),
            required=True,
            aliases=["位置名称", "房间名称", "房间", "房间名", "场所名称"],
            example="三(1)班教室",
            help_text=gettext_lazy("同一楼层（楼宇）下不能重名；已存在的房间会报错，不会重复添加。"),
        ),
        Column(
            "code",
            gettext_lazy("编号"),
            Text(30, normalize=True),
            aliases=["门牌号", "房间号", "房号", "位置编号", "编码"],
            example="301",
            help_text=gettext_lazy("如门牌号，全校唯一，可不填。"),
        ),
        Column(
            "room_type",
            gettext_lazy("用途"),
            Choice(RoomType),
            aliases=["房间用途", "房间类型", "类型"],
            example=RoomType.CLASSROOM.label,
        ),
        Column(
            "custodian",
            gettext_lazy("保管责任人"),
            Text(150),
            aliases=["责任人", "保管人", "负责人"],
            example="zhangsan",
            help_text=gettext_lazy("本校在职教职工的用户名、手机号或姓名（姓名须唯一）。"),
        ),
        Column(
            "capacity",
            gettext_lazy("容纳人数"),
            Integer(0, 100000),
            aliases=["人数", "座位数", "容量"],
            example=45,
        ),
        Column(
            "area_m2",
            gettext_lazy("面积"),
            DecimalNumber(2, 0, 9999999),
            aliases=["面积(㎡)", "面积(平方米)", "使用面积"],
            example="66.5",
            help_text=gettext_lazy("平方米，最多两位小数。"),
        ),
        Column("note", gettext_lazy("备注"), Text(200), aliases=["说明"]),
    ]

    def __init__(self, *, school, actor):
        super().__init__(school=school, actor=actor)
        # ("b", campus_id, name) -> building, ("f", building_id, name) -> floor
        self._existing: dict[tuple[str, int, str], Location] = {}
        self._created: dict[tuple[str, int, str], Location] = {}

    def reset(self) -> None:
        self._created = {}

    def validate_all(self, rows: list[Row]) -> list[RowError]:
        school = self.school
        errors: list[RowError] = []
        campuses = {c.name: c for c in Campus.objects.for_school(school)}
        # Buildings (top level) and what stands directly under them: one query for the whole file.
        upper = (
            Location.objects.for_school(school)
            .filter(depth__lte=1)
            .only("id", "campus_id", "parent_id", "name", "kind", "depth", "path", "full_name")
        )
        for loc in upper:
            key = ("b", loc.campus_id, loc.name) if loc.depth == 0 else ("f", loc.parent_id, loc.name)
            self._existing[key] = loc

        parents: dict[int, Row] = {}
        for row in rows:
            data = row.data
            campus = campuses.get(data["campus"]) if data["campus"] else None
            if data["campus"] and campus is None:
                errors.append(
                    self.error(
                        row,
                        "campus",
                        _("本校没有校区“%(name)s”。可选：%(options)s。")
                        % {"name": data["campus"], "options": "、".join(campuses) or _("（还没有校区）")},
                    )
                )
            elif campus is not None and not campus.is_active:
                errors.append(self.error(row, "campus", _("校区“%(name)s”已停用。") % {"name": campus.name}))
            data["campus"] = campus
            parent = self._parent_of(row, errors)
            if parent is not None:
                parents[row.number] = parent

        existing_rooms: set[tuple[int, str]] = set()
        parent_ids = {p.pk for p in parents.values()}
        for chunk in in_chunks(parent_ids):
            existing_rooms.update(
                Location.objects.for_school(school)
                .filter(parent_id__in=chunk)
                .values_list("parent_id", "name")
            )
        used_codes: dict[str, str] = {}
        for chunk in in_chunks(row.data.get("code") for row in rows):
            used_codes.update(
                Location.objects.for_school(school).filter(code__in=chunk).values_list("code", "full_name")
            )
        for row in rows:
            parent = parents.get(row.number)
            name = row.data.get("name")
            if parent is not None and name and (parent.pk, name) in existing_rooms:
                errors.append(
                    self.error(
                        row, "name", _("“%(place)s”已存在。") % {"place": f"{parent.full_name} / {name}"}
                    )
                )
            code = row.data.get("code")
            if code and code in used_codes:
                errors.append(
                    self.error(
                        row,
                        "code",
                        _("编号“%(code)s”已被“%(place)s”使用。") % {"code": code, "place": used_codes[code]},
                    )
                )

        errors += duplicate_rows(self, rows, "code")
        errors += duplicate_rows(
            self,
            rows,
            "name",
            value_of=lambda r: (
                (
                    r.data["campus"] and r.data["campus"].pk,
                    r.data["building"],
                    r.data["floor"],
                    r.data["name"],
                )
                if r.data.get("name") and r.data.get("building")
                else None
            ),
        )
        errors += _resolve_staff(self, rows, "custodian")
        return errors

    def _parent_of(self, row: Row, errors: list[RowError]) -> Location | None:
        """The existing building or floor the room goes under (None when it is still to be created)."""
        data = row.data
        campus, building_name, floor_name = data["campus"], data["building"], data["floor"]
        if campus is None or not building_name:
            return None
        building = self._existing.get(("b", campus.pk, building_name))
        if building is None:
            return None
        if building.kind != LocationKind.BUILDING:
            errors.append(
                self.error(
                    row,
                    "building",
                    _("“%(name)s”是%(kind)s，不是楼宇，下面不能添加房间。")
                    % {"name": building_name, "kind": LocationKind(building.kind).label},
                )
            )
            return None
        if not floor_name:
            return building
        floor = self._existing.get(("f", building.pk, floor_name))
        if floor is None:
            return None
        if floor.kind != LocationKind.FLOOR:
            errors.append(
                self.error(
                    row,
                    "floor",
                    _("“%(name)s”是%(kind)s，不是楼层。")
                    % {"name": floor.full_name, "kind": LocationKind(floor.kind).label},
                )
            )
            return None
        return floor

    def _get_or_create(self, key: tuple[str, int, str], new: list, **create) -> Location:
        location = self._created.get(key) or self._existing.get(key)
        if location is None:
            location = services.location_create(actor=self.actor, school=self.school, **create)
            self._created[key] = location
            new.append(key)
        return location

    def _parent_for(self, data: dict[str, Any]) -> Location:
        """The building (and floor) the room goes under, created through the service if new."""
        campus = data["campus"]
        new: list = []
        try:
            parent = self._get_or_create(
                ("b", campus.pk, data["building"]),
                new,
                campus=campus,
                name=data["building"],
                kind=LocationKind.BUILDING,
            )
            if data["floor"]:
                parent = self._get_or_create(
                    ("f", parent.pk, data["floor"]),
                    new,
                    campus=campus,
                    name=data["floor"],
                    kind=LocationKind.FLOOR,
                    parent=parent,
                )
            return parent
        except BaseException:
            for key in new:  # rolled back with the row's savepoint: forget them
                self._created.pop(key, None)
            raise

    def _known_parent(self, data: dict[str, Any]) -> Location | None:
        """The building or floor when it exists already or was made for an earlier row."""

        def known(key):
            return self._created.get(key) or self._existing.get(key)

        building = known(("b", data["campus"].pk, data["building"]))
        if building is None or not data["floor"]:
            return building
        return known(("f", building.pk, data["floor"]))

    def save_rows(self, rows: list[Row]) -> list[RowError]:
        """Buildings and floors one by one (few), then every room in one batch service call."""
        errors: list[RowError] = []
        items: list[dict[str, Any]] = []
        owners: list[Row] = []
        for row in rows:
            try:
                parent = self._known_parent(row.data)
                if parent is None:
                    with transaction.atomic():
                        parent = self._parent_for(row.data)
            except ValidationError as exc:
                errors.extend(self.errors_from(row, exc))
                continue
            except IntegrityError:
                errors.append(self.conflict_error(row))
                continue
            data = row.data
            items.append(
                {
                    "campus": data["campus"],
                    "parent": parent,
                    "kind": LocationKind.ROOM,
                    "name": data["name"],
                    "code": data["code"],
                    "room_type": data["room_type"],
                    "custodian": data["custodian"],
                    "capacity": data["capacity"],
                    "area_m2": data["area_m2"],
                    "note": data["note"],
                }
            )
            owners.append(row)
        if errors:
            return errors
        try:
            services.location_create_many(actor=self.actor, school=self.school, items=items)
        except BatchValidationError as exc:
            for index, error in exc.errors.items():
                errors.extend(self.errors_from(owners[index], error))
        return errors


# --- staff -------------------------------------------------------------------------------------------------


class Username(Text):
    """Normalised (NFKC) like Django does on save, so lookups match what will be stored."""

    def __init__(self, max_length: int | None = None):
        super().__init__(max_length, normalize=True)

    def __call__(self, value: Any) -> str:
        text = super().__call__(value)
        UnicodeUsernameValidator()(text)
        return text


class Mobile(Text):
    def __call__(self, value: Any) -> str:
        text = re.sub(r"[\s-]", "", super().__call__(value))
        mobile_validator(text)
        return text


class Email(Text):
    def __call__(self, value: Any) -> str:
        text = super().__call__(value)
        EmailValidator(message=_("“%(value)s”不是有效的电子邮箱。") % {"value": text})(text)
        return text


class Password(Text):
    """Checked against the password rules; the rule "not like the username" is checked per row."""

    def __call__(self, value: Any) -> str:
        text = super().__call__(value)
        validate_password(text)
        return text


class RoleNames(Text):
    """``"教师、班主任"`` -> ``["教师", "班主任"]`` (comma, 、 or ; separated)."""

    empty: Any = ()

    def __call__(self, value: Any) -> list[str]:
        return [part.strip() for part in re.split(r"[,，、;；\n]", super().__call__(value)) if part.strip()]


class MembershipImporter(Importer):
    """Staff: an account per person (or the existing one of that username) and their place in the school."""

    name = "org.membership"
    title = gettext_lazy("教职工")
    sheet_title = gettext_lazy("教职工")
    columns = [
        Column(
            "display_name",
            gettext_lazy("姓名"),
            PersonName(50),
            required=True,
            aliases=["名字", "教职工姓名", "真实姓名"],
            example="张三",
        ),
        Column(
            "username",
            gettext_lazy("用户名"),
            Username(150),
            required=True,
            aliases=["账号", "帐号", "登录名", "登录账号", "用户账号"],
            example="zhangsan",
            help_text=gettext_lazy(
                "登录用，全系统唯一：字母、数字和 @.+-_。"
                "已有账号的人填其用户名即加入本校（姓名须一致）。"
                "用户名是手机号且“手机号”列为空时，手机号取用户名。"
            ),
        ),
        Column(
            "mobile",
            gettext_lazy("手机号"),
            Mobile(20),
            aliases=["手机", "手机号码", "移动电话", "联系电话"],
            example="13800138000",
            help_text=gettext_lazy("11 位手机号，可代替用户名登录，全系统唯一。"),
        ),
        Column("email", gettext_lazy("电子邮箱"), Email(254), aliases=["邮箱", "email", "e-mail"]),
        Column(
            "department",
            gettext_lazy("部门"),
            Text(50),
            aliases=["所在部门", "部门名称"],
            example="总务处",
            help_text=gettext_lazy("填本校已有的部门名称。"),
        ),
        Column(
            "title",
            gettext_lazy("职务/岗位"),
            Text(50),
            aliases=["职务", "岗位", "职位", "职称"],
            example="总务主任",
        ),
        Column(
            "employee_no",
            gettext_lazy("工号"),
            Text(30, normalize=True),
            aliases=["职工号", "教职工号", "编号"],
            example="T0001",
            help_text=gettext_lazy("本校唯一，可不填。"),
        ),
        Column(
            "roles",
            gettext_lazy("角色"),
            RoleNames(500),
            aliases=["角色名称"],
            example="教师、班主任",
            help_text=gettext_lazy("本校角色的名称或代码，多个用逗号或顿号分隔。"),
        ),
        Column(
            "password",
            gettext_lazy("初始密码"),
            Password(128),
            aliases=["密码"],
            help_text=gettext_lazy(
                "不填则该账号暂不能登录，可稍后设置。须符合密码规则（至少 8 位，不能全是数字或太常见）。"
            ),
        ),
    ]

    def parse_row(self, values: dict[str, Any], row_number: int) -> dict[str, Any]:
        if not values["mobile"] and re.fullmatch(r"1\d{10}", values["username"] or ""):
            values["mobile"] = values["username"]
        if values["password"]:
            probe = User(
                username=values["username"], display_name=values["display_name"], email=values["email"]
            )
            try:
                validate_password(values["password"], probe)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
        return values

    def validate_all(self, rows: list[Row]) -> list[RowError]:
        school = self.school
        errors: list[RowError] = []
        departments = {d.name: d for d in Department.objects.for_school(school)}
        roles: dict[str, Role] = {}
        for role in Role.objects.for_school(school):
            roles[normalise_header(role.name)] = role
            roles[role.code.casefold()] = role
        users: dict[str, Any] = {}
        for chunk in in_chunks(row.data.get("username") for row in rows):
            users.update((u.username, u) for u in User.objects.filter(username__in=chunk))
        members: set[int] = set()
        for chunk in in_chunks(u.pk for u in users.values()):
            members.update(
                Membership.objects.for_school(school)
                .filter(user_id__in=chunk)
                .values_list("user_id", flat=True)
            )
        mobiles: dict[str, str] = {}
        for chunk in in_chunks(row.data.get("mobile") for row in rows):
            mobiles.update(User.objects.filter(mobile__in=chunk).values_list("mobile", "username"))
        employee_nos: set[str] = set()
        for chunk in in_chunks(row.data.get("employee_no") for row in rows):
            employee_nos.update(
                Membership.objects.for_school(school)
                .filter(employee_no__in=chunk)
                .values_list("employee_no", flat=True)
            )

        for row in rows:
            data = row.data
            username, user = data.get("username"), users.get(data.get("username"))
            if user is not None:
                if user.pk in members:
                    errors.append(
                        self.error(
                            row, "username", _("“%(username)s”已是本校教职工。") % {"username": username}
                        )
                    )
                elif data.get("display_name") and not same_person(user, data["display_name"]):
                    errors.append(
                        self.error(
                            row,
                            "username",
                            _(
                                "用户名“%(username)s”已被其他人使用（姓名不一致）。请换一个用户名；"
                                "如果是同一个人，姓名须与其账号一致。"
                            )
                            % {"username": username},
                        )
                    )
            mobile = data.get("mobile")
            if mobile and mobile in mobiles and mobiles[mobile] != username:
                errors.append(
                    self.error(row, "mobile", _("手机号“%(mobile)s”已被其他账号使用。") % {"mobile": mobile})
                )
            if data.get("employee_no") in employee_nos:
                errors.append(
                    self.error(
                        row,
                        "employee_no",
                        _("工号“%(no)s”已被本校其他教职工使用。") % {"no": data["employee_no"]},
                    )
                )
            department = data.get("department")
            if department:
                data["department"] = departments.get(department)
                if data["department"] is None:
                    errors.append(
                        self.error(row, "department", _("本校没有部门“%(name)s”。") % {"name": department})
                    )
            else:
                data["department"] = None
            found, missing = [], []
            for name in data.get("roles") or ():
                role = roles.get(normalise_header(name)) or roles.get(name.casefold())
                (found if role else missing).append(role or name)
            if missing:
                errors.append(
                    self.error(row, "roles", _("本校没有角色：%(names)s。") % {"names": "、".join(missing)})
                )
            data["roles"] = list(dict.fromkeys(found))
        errors += duplicate_rows(self, rows, "username")
        errors += duplicate_rows(self, rows, "mobile")
        errors += duplicate_rows(self, rows, "employee_no")
        return errors

    def save_row(self, data: dict[str, Any]) -> Membership:
        return services.membership_create(
            actor=self.actor,
            school=self.school,
            username=data["username"],
            display_name=data["display_name"],
            mobile=data["mobile"] or None,
            password=data["password"] or None,
            department=data["department"],
            roles=data["roles"],
            title=data["title"],
            employee_no=data["employee_no"],
            email=data["email"],
        )


# --- classes ---------------------------------------------------------------------------------------------


class GradeChoice(Choice):
    """一年级, 高一, 初一 (= 七年级), 1年级, or the number (1-12; 小班/中班/大班 -2/-1/0)."""

    def __init__(self):
        super().__init__(
            Grade,
            synonyms={
                "初一": 7,
                "初二": 8,
                "初三": 9,
                "高中一年级": 10,
                "高中二年级": 11,
                "高中三年级": 12,
                "幼儿园小班": -2,
                "幼儿园中班": -1,
                "幼儿园大班": 0,
            },
            empty=None,
        )

    def __call__(self, value: Any) -> int:
        text = unicodedata.normalize("NFKC", cell_text(value))
        match = re.fullmatch(r"(\d{1,2})年级", text)
        return super().__call__(match.group(1) if match else value)


class ClassNumber(Integer):
    """3, "3班", "(3)班"."""

    def __call__(self, value: Any) -> int:
        if isinstance(value, str):
            value = re.sub(r"^\(?\s*(\d+)\s*\)?\s*班?$", r"\1", unicodedata.normalize("NFKC", value).strip())
        return super().__call__(value)


class Year(Integer):
    """2024, "2024级", "2024年", or a date (its year)."""

    def __call__(self, value: Any) -> int:
        if hasattr(value, "year"):
            value = value.year
        elif isinstance(value, str):
            value = re.sub(r"^(\d{4})\s*[级年]$", r"\1", unicodedata.normalize("NFKC", value).strip())
        return super().__call__(value)


class SchoolClassImporter(Importer):
    name = "org.schoolclass"
    title = gettext_lazy("班级")
    sheet_title = gettext_lazy("班级")
    columns = [
        Column(
            "grade",
            gettext_lazy("年级"),
            GradeChoice(),
            required=True,
            example="一年级",
            help_text=gettext_lazy("如 一年级、七年级（初一）、高一，或数字 1-12。"),
        ),
        Column(
            "number",
            gettext_lazy("班号"),
            ClassNumber(1, 99),
            required=True,
            aliases=["班", "班级号", "班次", "班级序号"],
            example=1,
            help_text=gettext_lazy("数字，如 1 表示 (1) 班。"),
        ),
        Column(
            "name",
            gettext_lazy("班级名称"),
            Text(30),
            aliases=["班名", "名称"],
            help_text=gettext_lazy("留空则自动生成，如 一年级(1)班。"),
        ),
        Column(
            "head_teacher",
            gettext_lazy("班主任"),
            Text(150),
            aliases=["班主任姓名"],
            example="zhangsan",
            help_text=gettext_lazy("本校在职教职工的用户名、手机号或姓名（姓名须唯一）。"),
        ),
        Column(
            "home_room",
            gettext_lazy("教室"),
            Text(255),
            aliases=["所在教室", "班级教室", "教室编号"],
            example="301",
            help_text=gettext_lazy("房间编号（门牌号）或完整位置，如 主校区 / 教学楼 / 3层 / 301。"),
        ),
        Column(
            "student_count",
            gettext_lazy("学生人数"),
            Integer(0, 1000),
            aliases=["人数", "学生数", "班额"],
            example=45,
        ),
        Column(
            "enrollment_year",
            gettext_lazy("入学年份"),
            Year(1950, 2100),
            aliases=["入学年", "入学年度", "入学时间"],
            example=2024,
        ),
    ]

    def validate_all(self, rows: list[Row]) -> list[RowError]:
        school = self.school
        errors: list[RowError] = []
        existing = set(SchoolClass.objects.for_school(school).values_list("grade", "number"))
        for row in rows:
            grade, number = row.data.get("grade"), row.data.get("number")
            if grade is not None and number is not None and (grade, number) in existing:
                errors.append(
                    self.error(
                        row,
                        "number",
                        _("%(name)s 已存在。") % {"name": services.class_default_name(grade, number)},
                    )
                )
        errors += duplicate_rows(
            self,
            rows,
            "number",
            value_of=lambda r: (
                (r.data.get("grade"), r.data.get("number")) if r.data.get("number") is not None else None
            ),
        )
        errors += _resolve_staff(self, rows, "head_teacher")
        errors += self._resolve_rooms(rows)
        return errors

    @staticmethod
    def _full_name(text: str) -> str:
        return " / ".join(part.strip() for part in unicodedata.normalize("NFKC", text).split("/"))

    def _resolve_rooms(self, rows: list[Row]) -> list[RowError]:
        """教室: a room code, a full name or a room name that is unique in the school."""
        wanted = {row.data["home_room"] for row in rows if row.data.get("home_room")}
        by_code: dict[str, Location] = {}
        by_full_name: dict[str, Location] = {}
        by_name: dict[str, list[Location]] = {}
        terms = wanted | {self._full_name(t) for t in wanted}
        for chunk in in_chunks(terms):
            found = (
                Location.objects.for_school(self.school)
                .filter(
                    Q(code__in=chunk) | Q(full_name__in=chunk) | Q(name__in=chunk, kind=LocationKind.ROOM)
                )
                .only("id", "school_id", "code", "name", "full_name", "kind")
            )
            for loc in found:
                if loc.code:
                    by_code[loc.code] = loc
                by_full_name[loc.full_name] = loc
                if loc.kind == LocationKind.ROOM:
                    by_name.setdefault(loc.name, [])
                    if loc not in by_name[loc.name]:
                        by_name[loc.name].append(loc)
        errors = []
        for row in rows:
            text = row.data.get("home_room")
            if not text:
                row.data["home_room"] = None
                continue
            room = by_code.get(text) or by_full_name.get(self._full_name(text))
            same_name = by_name.get(text, [])
            if room is None and len(same_name) == 1:
                room = same_name[0]
            row.data["home_room"] = room
            if room is None and len(same_name) > 1:
                message = _("有 %(count)d 个房间叫“%(name)s”，请填编号或完整位置。")
                errors.append(self.error(row, "home_room", message % {"count": len(same_name), "name": text}))
            elif room is None:
                errors.append(
                    self.error(row, "home_room", _("本校找不到教室“%(value)s”。") % {"value": text})
                )
        return errors

    def save_row(self, data: dict[str, Any]) -> SchoolClass:
        return services.school_class_create(
            actor=self.actor,
            school=self.school,
            grade=data["grade"],
            number=data["number"],
            name=data["name"],
            head_teacher=data["head_teacher"],
            home_room=data["home_room"],
            student_count=data["student_count"],
            enrollment_year=data["enrollment_year"],
        )
