"""Excel exports of the organisation lists (what the list's filters show)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from houqin.core.excel import ExportColumn
from houqin.core.exports import ExportSpec, register_export

from .filters import LocationFilter, MembershipFilter, SchoolClassFilter
from .models import Department, Location, Membership, Role, SchoolClass


def _filtered(filterset_class, queryset, school, params):
    return filterset_class(params or None, queryset=queryset, school=school).qs


LOCATIONS = register_export(
    ExportSpec(
        key="org.location",
        title=pgettext_lazy("list title", "位置"),
        perm="org.view_location",
        columns=[
            ExportColumn(_("编号"), "code"),
            ExportColumn(_("名称"), "name"),
            ExportColumn(_("类型"), "get_kind_display"),
            ExportColumn(_("用途"), "get_room_type_display"),
            ExportColumn(_("校区"), "campus.name"),
            ExportColumn(_("完整位置"), "full_name", width=40),
            ExportColumn(_("保管责任人"), "custodian"),
            ExportColumn(_("容纳人数"), "capacity"),
            ExportColumn(_("面积(㎡)"), "area_m2"),
            ExportColumn(_("备注"), "note"),
            ExportColumn(_("启用"), "is_active"),
        ],
        queryset=lambda school, user, params: _filtered(
            LocationFilter,
            Location.objects.for_school(school).select_related("campus", "custodian").order_by("path"),
            school,
            params,
        ),
    )
)

STAFF = register_export(
    ExportSpec(
        key="org.membership",
        title=_("教职工"),
        perm="org.view_membership",
        columns=[
            ExportColumn(_("姓名"), "user"),
            ExportColumn(_("用户名"), "user.username"),
            ExportColumn(_("手机号"), "user.mobile"),
            ExportColumn(_("部门"), "department.name"),
            ExportColumn(_("职务/岗位"), "title"),
            ExportColumn(_("工号"), "employee_no"),
            ExportColumn(_("角色"), "roles"),
            ExportColumn(_("在职"), "is_active"),
        ],
        queryset=lambda school, user, params: _filtered(
            MembershipFilter,
            Membership.objects.for_school(school)
            .select_related("user", "department")
            .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("sort_order")))
            .order_by("department__sort_order", "user__display_name", "id"),
            school,
            params,
        ),
    )
)

CLASSES = register_export(
    ExportSpec(
        key="org.schoolclass",
        title=pgettext_lazy("list title", "班级"),
        perm="org.view_schoolclass",
        columns=[
            ExportColumn(_("年级"), "get_grade_display"),
            ExportColumn(_("班号"), "number"),
            ExportColumn(_("班级名称"), "name"),
            ExportColumn(_("班主任"), "head_teacher"),
            ExportColumn(_("教室"), "home_room.full_name", width=40),
            ExportColumn(_("学生人数"), "student_count"),
            ExportColumn(_("入学年份"), "enrollment_year"),
        ],
        queryset=lambda school, user, params: _filtered(
            SchoolClassFilter,
            SchoolClass.objects.for_school(school).select_related("head_teacher", "home_room"),
            school,
            params,
        ),
    )
)


def department_rows(school, user, params):
    """The department list: search by name or pinyin; people counted are those still on staff."""
    departments = (
        Department.objects.for_school(school)
        .select_related("head", "supervisor")
        .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True)))
    )
    q = params.get("q")
    return departments.search(q) if q else departments


DEPARTMENTS = register_export(
    ExportSpec(
        key="org.department",
        title=pgettext_lazy("list title", "部门"),
        perm="org.view_department",
        columns=[
            ExportColumn(_("部门名称"), "name"),
            ExportColumn(_("部门编码"), "code"),
            ExportColumn(_("部门负责人"), "head"),
            ExportColumn(_("分管领导"), "supervisor"),
            ExportColumn(_("人数"), "member_count"),
            ExportColumn(_("启用"), "is_active"),
        ],
        queryset=department_rows,
    )
)
