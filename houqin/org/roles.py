"""The roles every school starts with (DOMAIN.md, "People and roles"), and what each may do.

Grants are patterns over "app_label.codename": ``"org.view_*"``, ``"org.*"``. A module adds its
own grants with :func:`register_grants` in its ``AppConfig.ready()``; a school admin can change a
school's roles afterwards (roles are data). ``role_seed_defaults`` creates missing roles and
gives new grants to system roles without taking away what an admin added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

DIRECTORY = ["org.view_campus", "org.view_location", "org.view_department", "org.view_schoolclass"]
PEOPLE = ["org.view_membership"]
PLACES_MANAGE = [
    "org.add_campus",
    "org.change_campus",
    "org.add_location",
    "org.change_location",
    "org.add_department",
    "org.change_department",
    "org.add_schoolclass",
    "org.change_schoolclass",
]


@dataclass
class RoleSpec:
    code: str
    name: object
    description: object
    grants: list[str] = field(default_factory=list)


DEFAULT_ROLES: list[RoleSpec] = [
    RoleSpec(
        "school_admin",
        _("系统管理员"),
        _("管理本校的人员、角色和基础数据。"),
        ["org.*", "core.view_auditevent", "accounts.view_user"],
    ),
    RoleSpec(
        "principal",
        _("校长（园长）"),
        _("一支笔终审，查看全校。"),
        [*DIRECTORY, *PEOPLE, "org.view_role", "core.view_auditevent"],
    ),
    RoleSpec(
        "supervising_leader", _("分管领导"), _("分管条线的第一审批人和安全责任人。"), [*DIRECTORY, *PEOPLE]
    ),
    RoleSpec(
        "logistics_director",
        _("总务主任"),
        _("主持后勤工作：安排、检查、汇报。"),
        [*DIRECTORY, *PEOPLE, *PLACES_MANAGE, "core.view_auditevent"],
    ),
    RoleSpec("asset_clerk", _("资产管理员"), _("校产登记、调配、借还、处置和盘点。"), [*DIRECTORY, *PEOPLE]),
    RoleSpec("school_affairs", _("校务办"), _("汇总各部门请购，采购并入账。"), [*DIRECTORY, *PEOPLE]),
    RoleSpec("finance", _("会计/出纳"), _("预算、报销和账目。"), [*DIRECTORY, *PEOPLE]),
    RoleSpec("warehouse_keeper", _("仓管员"), _("出入库和领用登记。"), DIRECTORY),
    RoleSpec("technician", _("维修工"), _("维修并记录，按工量和计时考核。"), DIRECTORY),
    RoleSpec("canteen_manager", _("食堂管理员"), _("食堂日常管理和记录。"), DIRECTORY),
    RoleSpec("food_safety_officer", _("食品安全管理员"), _("留样、陪餐、晨检等食品安全记录。"), DIRECTORY),
    RoleSpec("canteen_staff", _("食堂从业人员"), _("晨检、操作记录。"), DIRECTORY),
    RoleSpec("guard", _("门卫"), _("门岗、访客登记和夜间巡逻。"), DIRECTORY),
    RoleSpec("teacher", _("教师"), _("报修、借用、领用、陪餐。"), DIRECTORY),
    RoleSpec("head_teacher", _("班主任"), _("为本班报修、领用和承包管理。"), DIRECTORY),
    RoleSpec("meal_committee", _("膳委会成员"), _("检查食堂，提出意见。"), DIRECTORY),
]

_extra_grants: dict[str, list[str]] = {}


def register_grants(grants: dict[str, list[str]]) -> None:
    """Add a module's default grants, e.g. ``{"technician": ["repairs.change_repairorder"]}``."""
    for code, patterns in grants.items():
        _extra_grants.setdefault(code, []).extend(patterns)


def grants_for(code: str) -> list[str]:
    spec = next((r for r in DEFAULT_ROLES if r.code == code), None)
    return [*(spec.grants if spec else []), *_extra_grants.get(code, [])]
