"""Every write to the organisation goes through here (views, API, imports, commands, bench)."""

from __future__ import annotations

import fnmatch
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from houqin.core import audit, registry
from houqin.core.pinyin import search_text
from houqin.core.services import BatchValidationError, model_create, model_update, validate

from .choices import ALLOWED_PARENT_KINDS, Grade, LocationKind
from .models import Campus, Department, EducationDistrict, Location, Membership, Role, School, SchoolClass
from .roles import DEFAULT_ROLES, grants_for

User = get_user_model()


# --- schools and roles -----------------------------------------------------------------------------


def _resolve_patterns(patterns: Iterable[str], all_perms: dict[str, Permission]) -> list[Permission]:
    chosen: dict[str, Permission] = {}
    for pattern in patterns:
        for key in fnmatch.filter(all_perms.keys(), pattern):
            chosen[key] = all_perms[key]
    return list(chosen.values())


def _all_permissions() -> dict[str, Permission]:
    return {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }


@transaction.atomic
def role_seed_defaults(*, school: School, actor=None) -> list[Role]:
    """Create the school's missing default roles and give system roles the default grants they
    have never had.

    A grant is given once (``Role.seeded_grants`` remembers it): a module added later brings its
    grants to existing schools with ``manage.py sync_roles``, and a grant the school admin took
    away stays away.
    """
    all_perms = _all_permissions()
    existing = {r.code: r for r in Role.objects.for_school(school)}
    roles = []
    for order, spec in enumerate(DEFAULT_ROLES):
        role = existing.get(spec.code)
        created = role is None
        if created:
            role = Role.objects.create(
                school=school,
                code=spec.code,
                name=str(spec.name),
                description=str(spec.description),
                is_system=True,
                sort_order=order,
                created_by=actor,
                updated_by=actor,
            )
        if role.is_system:
            seeded = set(role.seeded_grants)
            new = [
                p
                for p in _resolve_patterns(grants_for(spec.code), all_perms)
                if f"{p.content_type.app_label}.{p.codename}" not in seeded
            ]
            if new:
                role.permissions.add(*new)
                role.seeded_grants = sorted(
                    seeded | {f"{p.content_type.app_label}.{p.codename}" for p in new}
                )
                role.save(update_fields=["seeded_grants"])
            if new and not created:  # a later module's grants reaching an existing school
                audit.record(
                    actor=actor,
                    verb="updated",
                    target=role,
                    changes={
                        "permissions": [[], sorted(f"{p.content_type.app_label}.{p.codename}" for p in new)]
                    },
                )
        roles.append(role)
    return roles


@transaction.atomic
def school_create(
    *,
    actor,
    name: str,
    code: str,
    kind: str = "primary",
    district: EducationDistrict | None = None,
    **extra: Any,
) -> School:
    school = model_create(
        model=School,
        actor=actor,
        data={"name": name, "code": code, "kind": kind, "district": district, **extra},
    )
    role_seed_defaults(school=school, actor=actor)
    registry.setup_school(school, actor=actor)  # what other modules give every new school
    return school


@transaction.atomic
def role_create(
    *,
    actor,
    school: School,
    code: str,
    name: str,
    description: str = "",
    permissions: Iterable[Permission] = (),
) -> Role:
    return model_create(
        model=Role,
        actor=actor,
        data={"school": school, "code": code, "name": name, "description": description},
        m2m={"permissions": list(permissions)},
    )


@transaction.atomic
def role_update(*, actor, role: Role, data: dict[str, Any]) -> Role:
    role = Role.objects.select_for_update().get(pk=role.pk)
    model_update(instance=role, actor=actor, data=data, fields=["name", "description", "sort_order"])
    if "permissions" in data:
        before = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in role.permissions.select_related("content_type")
        }
        role.permissions.set(data["permissions"])
        after = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in role.permissions.select_related("content_type")
        }
        if before != after:
            audit.record(
                actor=actor,
                verb="updated",
                target=role,
                changes={"permissions": [sorted(before - after), sorted(after - before)]},
            )
    return role


# --- campuses and places ------------------------------------------------------------------------


def _campus_text(campus: Campus) -> None:
    campus.search_text = search_text(campus.name, campus.code)


@transaction.atomic
def campus_create(
    *, actor, school: School, name: str, code: str = "", address: str = "", sort_order: int = 0
) -> Campus:
    campus = Campus(school=school, name=name, code=code, address=address, sort_order=sort_order)
    _campus_text(campus)
    data = {f: getattr(campus, f) for f in ("school", "name", "code", "address", "sort_order", "search_text")}
    return model_create(model=Campus, actor=actor, data=data)


@transaction.atomic
def campus_update(*, actor, campus: Campus, data: dict[str, Any]) -> Campus:
    campus = Campus.objects.select_for_update().get(pk=campus.pk)
    old_name = campus.name
    if "name" in data or "code" in data:
        probe = Campus(name=data.get("name", campus.name), code=data.get("code", campus.code))
        _campus_text(probe)
        data = {**data, "search_text": probe.search_text}
    model_update(
        instance=campus,
        actor=actor,
        data=data,
        fields=["name", "code", "address", "sort_order", "is_active", "search_text"],
    )
    if campus.name != old_name:
        _refresh_names(Location.objects.for_school(campus.school).filter(campus=campus, parent__isnull=True))
    return campus


def _validate_location_parent(*, school, campus, parent, kind, location=None) -> None:
    errors: dict[str, list[str]] = {}
    if campus.school_id != school.pk:
        errors["campus"] = [_("校区不属于本校。")]
    if parent is not None:
        if parent.school_id != school.pk:
            errors["parent"] = [_("上级位置不属于本校。")]
        elif parent.campus_id != campus.pk:
            errors["parent"] = [_("上级位置必须在同一校区。")]
        elif location is not None and location.pk and parent.path.startswith(location.path):
            errors["parent"] = [_("不能把位置移到它自己或它的下级之下。")]
    allowed = ALLOWED_PARENT_KINDS.get(kind, set())
    parent_kind = parent.kind if parent is not None else None
    if "parent" not in errors and parent_kind not in allowed:
        if parent is None:
            errors["parent"] = [_("%(kind)s 需要选择上级位置。") % {"kind": LocationKind(kind).label}]
        else:
            errors["parent"] = [
                _("%(kind)s 不能放在 %(parent)s 之下。")
                % {"kind": LocationKind(kind).label, "parent": LocationKind(parent_kind).label}
            ]
    if errors:
        raise ValidationError(errors)


def _check_location_code(school: School, code: str, *, exclude_pk: int | None = None) -> None:
    """Codes are unique per school; say so on the field (a conditional constraint cannot)."""
    if not code:
        return
    same = Location.objects.for_school(school).filter(code=code)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ValidationError({"code": [_("编号“%(code)s”已被本校其他位置使用。") % {"code": code}]})


def _check_location_unique(location: Location) -> None:
    """Per-school code and per-parent name, as field errors (one query each)."""
    _check_location_code(location.school, location.code, exclude_pk=location.pk)
    if location.parent_id:
        siblings = Location.objects.filter(parent_id=location.parent_id)
    else:
        siblings = Location.objects.for_school(location.school).filter(
            campus=location.campus, parent__isnull=True
        )
    if location.pk is not None:
        siblings = siblings.exclude(pk=location.pk)
    if siblings.filter(name=location.name).exists():
        raise ValidationError({"name": [_("同一上级位置下已有“%(name)s”。") % {"name": location.name}]})


def _derive(location: Location) -> None:
    parent = location.parent
    location.depth = parent.depth + 1 if parent else 0
    prefix = parent.full_name if parent else location.campus.name
    location.full_name = f"{prefix} / {location.name}"[:255]
    location.search_text = search_text(location.name, location.code, location.full_name)


def _refresh_names(locations) -> None:
    """Recompute path, depth, full name and search keys of the given locations and all below them.

    One query for each subtree and one bulk update, whatever its size (a campus rename touches
    hundreds of rooms).
    """
    for top in locations:
        old_prefix = top.path
        subtree = list(
            Location.objects.filter(school_id=top.school_id, path__startswith=old_prefix)
            .select_related("campus")
            .order_by("depth", "id")
        )
        by_id = {loc.pk: loc for loc in subtree}
        top_fresh = by_id.get(top.pk, top)
        top_fresh.parent = (
            Location.objects.select_related("campus").get(pk=top.parent_id) if top.parent_id else None
        )
        top_fresh.name, top_fresh.campus = top.name, top.campus
        for loc in subtree:
            parent = top_fresh.parent if loc.pk == top.pk else by_id[loc.parent_id]
            loc.parent = parent
            loc.campus = top_fresh.campus
            _derive(loc)
            loc.path = (parent.path if parent else "") + f"{loc.pk}/"
        Location.objects.bulk_update(subtree, ["depth", "full_name", "search_text", "path"], batch_size=500)


@transaction.atomic
def location_create(
    *,
    actor,
    school: School,
    campus: Campus,
    name: str,
    kind: str = LocationKind.ROOM,
    parent: Location | None = None,
    code: str = "",
    room_type: str = "",
    custodian=None,
    capacity: int | None = None,
    area_m2=None,
    note: str = "",
) -> Location:
    if parent is not None:
        parent = Location.objects.select_for_update().get(pk=parent.pk)
    _validate_location_parent(school=school, campus=campus, parent=parent, kind=kind)
    if custodian is not None and not Membership.objects.for_school(school).filter(user=custodian).exists():
        raise ValidationError({"custodian": [_("保管责任人必须是本校教职工。")]})
    location = Location(
        school=school,
        campus=campus,
        parent=parent,
        kind=kind,
        name=name.strip(),
        code=code.strip(),
        room_type=room_type,
        custodian=custodian,
        capacity=capacity,
        area_m2=area_m2,
        note=note,
        created_by=actor,
        updated_by=actor,
        path="pending",
    )
    _check_location_unique(location)
    _derive(location)
    validate(location, constraints=False)  # _check_location_unique said it on the fields
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError as exc:  # someone added the same place a moment ago
        raise ValidationError(_("与已有位置冲突（可能刚被别人添加），请刷新后重试。")) from exc
    location.path = (parent.path if parent else "") + f"{location.pk}/"
    location.save(update_fields=["path"])
    audit.record(
        actor=actor, verb="created", target=location, changes={"full_name": [None, location.full_name]}
    )
    return location


@transaction.atomic
def location_create_many(*, actor, school: School, items: list[dict[str, Any]]) -> list[Location]:
    """Create many places at once (Excel import) under the rules of ``location_create``.

    Every item is checked (parent kind, custodian, code unique in the school and in the batch,
    name unique under its parent) in a few queries for the whole batch; any error raises
    ``BatchValidationError`` with every bad item and nothing is written. Parents must exist.
    """
    parent_ids = {item["parent"].pk for item in items if item.get("parent") is not None}
    parents = {p.pk: p for p in Location.objects.select_for_update().filter(pk__in=parent_ids, school=school)}
    codes = {(item.get("code") or "").strip() for item in items} - {""}
    taken_codes = set(
        Location.objects.for_school(school).filter(code__in=codes).values_list("code", flat=True)
    )
    taken_names = set(Location.objects.filter(parent_id__in=parents).values_list("parent_id", "name")) | {
        (None, campus_id, name)
        for campus_id, name in Location.objects.for_school(school)
        .filter(parent__isnull=True)
        .values_list("campus_id", "name")
    }
    custodian_ids = {item["custodian"].pk for item in items if item.get("custodian") is not None}
    staff = set(
        Membership.objects.for_school(school)
        .filter(user_id__in=custodian_ids)
        .values_list("user_id", flat=True)
    )
    errors: dict[int, ValidationError] = {}
    locations: list[Location] = []
    seen_codes: set[str] = set()
    for index, item in enumerate(items):
        parent = parents.get(item["parent"].pk) if item.get("parent") is not None else None
        kind = item.get("kind", LocationKind.ROOM)
        location = Location(
            school=school,
            campus=item["campus"],
            parent=parent,
            kind=kind,
            name=item["name"].strip(),
            code=(item.get("code") or "").strip(),
            room_type=item.get("room_type", ""),
            custodian=item.get("custodian"),
            capacity=item.get("capacity"),
            area_m2=item.get("area_m2"),
            note=item.get("note", ""),
            created_by=actor,
            updated_by=actor,
            path="pending",
        )
        problems: dict[str, list] = {}
        try:
            if item.get("parent") is not None and parent is None:
                raise ValidationError({"parent": [_("上级位置不属于本校。")]})
            _validate_location_parent(school=school, campus=location.campus, parent=parent, kind=kind)
        except ValidationError as exc:
            problems = exc.update_error_dict(problems)
        if location.custodian is not None and location.custodian.pk not in staff:
            problems.setdefault("custodian", []).append(_("保管责任人必须是本校教职工。"))
        if location.code and (location.code in taken_codes or location.code in seen_codes):
            problems.setdefault("code", []).append(
                _("编号“%(code)s”已被本校其他位置使用。") % {"code": location.code}
            )
        seen_codes.add(location.code)
        name_key = (parent.pk, location.name) if parent else (None, location.campus.pk, location.name)
        if name_key in taken_names:
            problems.setdefault("name", []).append(
                _("同一上级位置下已有“%(name)s”。") % {"name": location.name}
            )
        taken_names.add(name_key)
        if not problems:
            _derive(location)
            try:
                validate(location, constraints=False)
            except ValidationError as exc:
                problems = exc.update_error_dict(problems)
        if problems:
            errors[index] = ValidationError(problems)
        locations.append(location)
    if errors:
        raise BatchValidationError(errors)
    Location.objects.bulk_create(locations, batch_size=500)
    if any(loc.pk is None for loc in locations):  # a database that does not return ids on insert
        raise ImproperlyConfigured("location_create_many needs a database that returns ids from bulk inserts")
    for loc in locations:
        loc.path = (loc.parent.path if loc.parent else "") + f"{loc.pk}/"
    Location.objects.bulk_update(locations, ["path"], batch_size=500)
    audit.record_many(
        actor=actor,
        verb="created",
        targets=locations,
        school=school,
        changes=lambda loc: {"full_name": [None, loc.full_name]},
    )
    return locations


LOCATION_FIELDS = [
    "name",
    "code",
    "kind",
    "room_type",
    "custodian",
    "capacity",
    "area_m2",
    "note",
    "is_active",
    "parent",
]


@transaction.atomic
def location_update(*, actor, location: Location, data: dict[str, Any]) -> Location:
    location = Location.objects.select_for_update().get(pk=location.pk)
    school = location.school
    if "parent" in data or "kind" in data:
        _validate_location_parent(
            school=school,
            campus=location.campus,
            parent=data.get("parent", location.parent),
            kind=data.get("kind", location.kind),
            location=location,
        )
    custodian = data.get("custodian")
    if custodian is not None and not Membership.objects.for_school(school).filter(user=custodian).exists():
        raise ValidationError({"custodian": [_("保管责任人必须是本校教职工。")]})
    if "kind" in data and data["kind"] != location.kind and location.children.exists():
        allowed_children = {k for k, parents in ALLOWED_PARENT_KINDS.items() if data["kind"] in parents}
        if location.children.exclude(kind__in=allowed_children).exists():
            raise ValidationError({"kind": [_("该位置下还有下级位置，不能改成这个类型。")]})
    if data.get("code"):
        _check_location_code(school, data["code"].strip(), exclude_pk=location.pk)
    old = (location.name, location.parent_id)
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
    location, changes = model_update(instance=location, actor=actor, data=data, fields=LOCATION_FIELDS)
    if changes and (location.name, location.parent_id) != old:
        _refresh_names([location])
        location.refresh_from_db(fields=["path", "depth", "full_name", "search_text"])
    elif changes and "code" in changes:
        _derive(location)
        location.save(update_fields=["search_text"])
    return location


# --- departments and classes --------------------------------------------------------------------


@transaction.atomic
def department_create(
    *, actor, school: School, name: str, code: str = "", head=None, supervisor=None, sort_order: int = 0
) -> Department:
    return model_create(
        model=Department,
        actor=actor,
        data={
            "school": school,
            "name": name.strip(),
            "code": code,
            "head": head,
            "supervisor": supervisor,
            "sort_order": sort_order,
            "search_text": search_text(name, code),
        },
    )


@transaction.atomic
def department_update(*, actor, department: Department, data: dict[str, Any]) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    if "name" in data or "code" in data:
        data = {
            **data,
            "search_text": search_text(data.get("name", department.name), data.get("code", department.code)),
        }
    model_update(
        instance=department,
        actor=actor,
        data=data,
        fields=["name", "code", "head", "supervisor", "sort_order", "is_active", "search_text"],
    )
    return department


def class_default_name(grade: int, number: int) -> str:
    return f"{Grade(grade).label}({number})班"


def _class_text(name: str, grade: int) -> str:
    return search_text(name, str(Grade(grade).label))


def _check_class_links(school: School, *, head_teacher=None, home_room=None) -> None:
    errors = {}
    if (
        head_teacher is not None
        and not Membership.objects.for_school(school).filter(user=head_teacher).exists()
    ):
        errors["head_teacher"] = [_("班主任必须是本校教职工。")]
    if home_room is not None and home_room.school_id != school.pk:
        errors["home_room"] = [_("教室不属于本校。")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def school_class_create(
    *,
    actor,
    school: School,
    grade: int,
    number: int,
    name: str = "",
    head_teacher=None,
    home_room: Location | None = None,
    student_count: int | None = None,
    enrollment_year: int | None = None,
) -> SchoolClass:
    _check_class_links(school, head_teacher=head_teacher, home_room=home_room)
    name = (name or "").strip() or class_default_name(grade, number)
    return model_create(
        model=SchoolClass,
        actor=actor,
        data={
            "school": school,
            "grade": grade,
            "number": number,
            "name": name,
            "head_teacher": head_teacher,
            "home_room": home_room,
            "student_count": student_count,
            "enrollment_year": enrollment_year,
            "search_text": _class_text(name, grade),
        },
    )


@transaction.atomic
def school_class_update(*, actor, school_class: SchoolClass, data: dict[str, Any]) -> SchoolClass:
    school_class = SchoolClass.objects.select_for_update().get(pk=school_class.pk)
    _check_class_links(
        school_class.school, head_teacher=data.get("head_teacher"), home_room=data.get("home_room")
    )
    if "name" in data and not (data["name"] or "").strip():
        data = {
            **data,
            "name": class_default_name(
                data.get("grade", school_class.grade), data.get("number", school_class.number)
            ),
        }
    grade = data.get("grade", school_class.grade)
    data = {**data, "search_text": _class_text(data.get("name", school_class.name), grade)}
    model_update(
        instance=school_class,
        actor=actor,
        data=data,
        fields=[
            "grade",
            "number",
            "name",
            "head_teacher",
            "home_room",
            "student_count",
            "enrollment_year",
            "is_active",
            "search_text",
        ],
    )
    return school_class


# --- people -------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Compare people's names ignoring spaces and full-width characters."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def same_person(user, display_name: str) -> bool:
    return name_key(user.display_name) == name_key(display_name)


def _check_employee_no(school: School, employee_no: str, *, exclude_pk: int | None = None) -> None:
    if employee_no and (
        Membership.objects.for_school(school).filter(employee_no=employee_no).exclude(pk=exclude_pk).exists()
    ):
        raise ValidationError(
            {"employee_no": [_("工号“%(no)s”已被本校其他教职工使用。") % {"no": employee_no}]}
        )


def _check_roles(school: School, roles: Iterable[Role]) -> list[Role]:
    roles = list(roles)
    if any(r.school_id != school.pk for r in roles):
        raise ValidationError({"roles": [_("角色不属于本校。")]})
    return roles


@transaction.atomic
def membership_create(
    *,
    actor,
    school: School,
    username: str,
    display_name: str,
    mobile: str | None = None,
    password: str | None = None,
    department: Department | None = None,
    roles: Iterable[Role] = (),
    title: str = "",
    employee_no: str = "",
    email: str = "",
) -> Membership:
    """Add a person to the school, creating their account if the username is new.

    An existing account (same username) joins this school too: one login, several schools. Its
    name must match, so a school cannot take over another school's account by guessing a username.
    """
    roles = _check_roles(school, roles)
    _check_employee_no(school, employee_no)
    if department is not None and department.school_id != school.pk:
        raise ValidationError({"department": [_("部门不属于本校。")]})
    username = username.strip()
    mobile = (mobile or "").strip() or None
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            display_name=display_name.strip(),
            mobile=mobile,
            email=email,
            search_text=search_text(display_name, username),
        )
        user.full_clean(exclude=["password"])
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record(actor=actor, verb="created", target=user, school=school)
    elif Membership.objects.for_school(school).filter(user=user).exists():
        raise ValidationError({"username": [_("该用户已是本校教职工。")]})
    elif not same_person(user, display_name):
        message = _(
            "用户名“%(username)s”已被其他人使用（姓名不一致）。请换一个用户名；"
            "如果是同一个人，姓名须与其账号一致。"
        )
        raise ValidationError({"username": [message % {"username": username}]})
    membership = model_create(
        model=Membership,
        actor=actor,
        data={
            "school": school,
            "user": user,
            "department": department,
            "title": title,
            "employee_no": employee_no,
        },
        m2m={"roles": roles},
    )
    if roles:
        audit.record(
            actor=actor,
            verb="roles_changed",
            target=membership,
            changes={"roles": [[], sorted(r.name for r in roles)]},
        )
    return membership


@transaction.atomic
def membership_update(*, actor, membership: Membership, data: dict[str, Any]) -> Membership:
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    school = membership.school
    if data.get("department") is not None and data["department"].school_id != school.pk:
        raise ValidationError({"department": [_("部门不属于本校。")]})
    if data.get("employee_no"):
        _check_employee_no(school, data["employee_no"], exclude_pk=membership.pk)
    user = membership.user
    user_fields = {k: data[k] for k in ("display_name", "mobile", "email") if k in data}
    if "mobile" in user_fields:
        user_fields["mobile"] = (user_fields["mobile"] or "").strip() or None
    if user_fields:
        if "display_name" in user_fields:
            user_fields["search_text"] = search_text(user_fields["display_name"], user.username)
        before = audit.snapshot(user, user_fields)
        for k, v in user_fields.items():
            setattr(user, k, v)
        changes = audit.diff(user, before, [k for k in user_fields if k != "search_text"])
        if changes:
            user.full_clean(exclude=["password"])
            user.save(update_fields=list(user_fields))
            audit.record(actor=actor, verb="updated", target=membership, changes=changes)
    model_update(
        instance=membership,
        actor=actor,
        data=data,
        fields=["department", "title", "employee_no", "is_active"],
    )
    if "roles" in data:
        membership_set_roles(actor=actor, membership=membership, roles=data["roles"])
    return membership


@transaction.atomic
def membership_set_roles(*, actor, membership: Membership, roles: Iterable[Role]) -> Membership:
    roles = _check_roles(membership.school, roles)
    before = sorted(r.name for r in membership.roles.all())
    membership.roles.set(roles)
    after = sorted(r.name for r in roles)
    if before != after:
        audit.record(actor=actor, verb="roles_changed", target=membership, changes={"roles": [before, after]})
    return membership


def password_settable_by_school(membership: Membership) -> bool:
    """A school admin may set the password of an account that only this school uses.

    An account shared with another school (or a district supervisor's, or the platform
    operator's) belongs to more than this school: its owner changes it themselves.
    """
    user = membership.user
    if user.is_superuser or user.district_roles.exists():
        return False
    return (
        not Membership.objects.filter(user=user, is_active=True)
        .exclude(school_id=membership.school_id)
        .exists()
    )


@transaction.atomic
def membership_set_password(*, actor, membership: Membership, password: str) -> Membership:
    """Set (or reset) the password of a staff member, e.g. one imported without a password."""
    from django.contrib.auth.password_validation import validate_password

    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if not password_settable_by_school(membership):
        raise ValidationError({"new_password1": [_("该账号也用于其他学校或教育局，请本人登录后修改密码。")]})
    user = membership.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, verb="password_changed", target=membership)
    return membership
