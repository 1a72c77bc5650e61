"""Pages for places, departments, classes, staff and roles. Thin: parse, call a service, render."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.attachments import attachment_panel
from houqin.core.exports import export_response
from houqin.core.http import form_page, get_for_school, run_form, school_required
from houqin.core.pagination import paginate
from houqin.core.permissions import permission_label

from . import exports, services
from .filters import LocationFilter, MembershipFilter, SchoolClassFilter
from .forms import CampusForm, DepartmentForm, LocationForm, MembershipForm, RoleForm, SchoolClassForm
from .models import Campus, Department, Location, Membership, Role, SchoolClass


def _list(request, template, queryset, *, filterset=None, extra=None, export=None):
    """A paginated list page; an htmx request for the table gets just the table partial;
    ``?export=xlsx`` gives what the filters show as an Excel file (``export``: its ExportSpec)."""
    if export is not None and request.GET.get("export") == "xlsx":
        return export_response(request, export)
    if filterset is not None:
        queryset = filterset.qs
    page = paginate(request, queryset)
    # how many filters besides the search box are set: the filter panel opens when any is
    filters_open = sum(1 for key, value in request.GET.items() if value and key not in {"q", "page"})
    context = {"page": page, "filter": filterset, "filters_open": filters_open, **(extra or {})}
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


def _detail(request, template, obj, **extra):
    return TemplateResponse(
        request,
        template,
        {
            "object": obj,
            "timeline": audit.timeline(obj, school=request.school)[:50],
            **extra,
        },
    )


# --- campuses --------------------------------------------------------------------------------------


@school_required("org.view_campus")
def campus_list(request):
    campuses = Campus.objects.for_school(request.school).annotate(location_count=Count("locations"))
    return _list(request, "org/campus_list.html", campuses)


@school_required("org.view_campus")
def campus_detail(request, pk):
    campus = get_for_school(Campus, request, pk=pk)
    buildings = Location.objects.for_school(request.school).filter(campus=campus, parent__isnull=True)
    return _detail(
        request,
        "org/campus_detail.html",
        campus,
        buildings=buildings,
        can_change=request.user.has_perm("org.change_campus"),
    )


@school_required("org.add_campus")
def campus_create(request):
    form = CampusForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.campus_create(actor=request.user, school=request.school, **data),
        success_message=_("校区已添加。"),
        title=_("添加校区"),
    )


@school_required("org.change_campus")
def campus_update(request, pk):
    campus = get_for_school(Campus, request, pk=pk)
    form = CampusForm(request.POST or None, instance=campus, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.campus_update(actor=request.user, campus=campus, data=data),
        success_message=_("校区已保存。"),
        title=_("编辑校区"),
        object=campus,
    )


# --- locations -------------------------------------------------------------------------------------


@school_required("org.view_location")
def location_list(request):
    locations = Location.objects.for_school(request.school).select_related("campus", "custodian")
    filterset = LocationFilter(request.GET or None, queryset=locations, school=request.school)
    return _list(
        request,
        "org/location_list.html",
        locations,
        filterset=filterset,
        export=exports.LOCATIONS,
        extra={"can_add": request.user.has_perm("org.add_location")},
    )


@school_required("org.view_location")
def location_detail(request, pk):
    location = get_for_school(
        Location.objects.select_related("campus", "parent", "custodian"), request, pk=pk
    )
    children = location.children.select_related("custodian").order_by("path")
    ancestors = (
        Location.objects.for_school(request.school)
        .filter(pk__in=[int(p) for p in location.path.strip("/").split("/")[:-1] if p])
        .order_by("depth")
    )
    classes = SchoolClass.objects.for_school(request.school).filter(home_room=location)
    return _detail(
        request,
        "org/location_detail.html",
        location,
        children=children,
        ancestors=ancestors,
        classes=classes,
        can_change=request.user.has_perm("org.change_location"),
        can_add=request.user.has_perm("org.add_location"),
        attachments=attachment_panel(request, location, signature=True, signed_for=_("专用室保管责任确认")),
    )


@school_required("org.add_location")
def location_create(request):
    initial = {}
    parent_id = request.GET.get("parent")
    if parent_id and parent_id.isdigit():
        parent = Location.objects.for_school(request.school).filter(pk=parent_id).first()
        if parent:
            initial = {"parent": parent, "campus": parent.campus}
    form = LocationForm(request.POST or None, initial=initial, school=request.school)
    location = run_form(
        request,
        form,
        lambda data: services.location_create(actor=request.user, school=request.school, **data),
        success_message=_("位置已添加。"),
    )
    if location:
        if "save_add_another" in request.POST:
            return redirect(f"{request.path}?parent={location.parent_id or ''}")
        return redirect(location)
    return TemplateResponse(request, "org/location_form.html", {"form": form, "title": _("添加位置")})


@school_required("org.change_location")
def location_update(request, pk):
    location = get_for_school(Location, request, pk=pk)
    form = LocationForm(request.POST or None, instance=location, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.location_update(
            actor=request.user, location=location, data={k: v for k, v in data.items() if k != "campus"}
        ),
        success_message=_("位置已保存。"),
        title=_("编辑位置"),
        object=location,
        template="org/location_form.html",
    )


# --- departments ------------------------------------------------------------------------------------


@school_required("org.view_department")
def department_list(request):
    q = request.GET.get("q")
    return _list(
        request,
        "org/department_list.html",
        exports.department_rows(request.school, request.user, request.GET),
        export=exports.DEPARTMENTS,
        extra={"can_add": request.user.has_perm("org.add_department"), "q": q or ""},
    )


@school_required("org.view_department")
def department_detail(request, pk):
    department = get_for_school(Department.objects.select_related("head", "supervisor"), request, pk=pk)
    members = (
        Membership.objects.for_school(request.school)
        .active()
        .filter(department=department)
        .select_related("user")
        .prefetch_related("roles")
        if request.user.has_perm("org.view_membership")
        else Membership.objects.none()
    )
    return _detail(
        request,
        "org/department_detail.html",
        department,
        members=members,
        can_change=request.user.has_perm("org.change_department"),
    )


@school_required("org.add_department")
def department_create(request):
    form = DepartmentForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.department_create(actor=request.user, school=request.school, **data),
        success_message=_("部门已添加。"),
        title=_("添加部门"),
    )


@school_required("org.change_department")
def department_update(request, pk):
    department = get_for_school(Department, request, pk=pk)
    form = DepartmentForm(request.POST or None, instance=department, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.department_update(actor=request.user, department=department, data=data),
        success_message=_("部门已保存。"),
        title=_("编辑部门"),
        object=department,
    )


# --- classes -------------------------------------------------------------------------------------------


@school_required("org.view_schoolclass")
def schoolclass_list(request):
    classes = SchoolClass.objects.for_school(request.school).select_related("head_teacher", "home_room")
    filterset = SchoolClassFilter(request.GET or None, queryset=classes, school=request.school)
    return _list(
        request,
        "org/schoolclass_list.html",
        classes,
        filterset=filterset,
        export=exports.CLASSES,
        extra={"can_add": request.user.has_perm("org.add_schoolclass")},
    )


@school_required("org.view_schoolclass")
def schoolclass_detail(request, pk):
    school_class = get_for_school(
        SchoolClass.objects.select_related("head_teacher", "home_room"), request, pk=pk
    )
    return _detail(
        request,
        "org/schoolclass_detail.html",
        school_class,
        can_change=request.user.has_perm("org.change_schoolclass"),
    )


@school_required("org.add_schoolclass")
def schoolclass_create(request):
    form = SchoolClassForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.school_class_create(actor=request.user, school=request.school, **data),
        success_message=_("班级已添加。"),
        title=_("添加班级"),
    )


@school_required("org.change_schoolclass")
def schoolclass_update(request, pk):
    school_class = get_for_school(SchoolClass, request, pk=pk)
    form = SchoolClassForm(request.POST or None, instance=school_class, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.school_class_update(actor=request.user, school_class=school_class, data=data),
        success_message=_("班级已保存。"),
        title=_("编辑班级"),
        object=school_class,
    )


# --- staff (memberships) -------------------------------------------------------------------------------


@school_required("org.view_membership")
def membership_list(request):
    members = (
        Membership.objects.for_school(request.school)
        .select_related("user", "department")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("sort_order")))
        .order_by("department__sort_order", "user__display_name", "id")
    )
    filterset = MembershipFilter(request.GET or None, queryset=members, school=request.school)
    return _list(
        request,
        "org/membership_list.html",
        members,
        filterset=filterset,
        export=exports.STAFF,
        extra={"can_add": request.user.has_perm("org.add_membership")},
    )


@school_required("org.view_membership")
def membership_detail(request, pk):
    membership = get_for_school(
        Membership.objects.select_related("user", "department").prefetch_related("roles"), request, pk=pk
    )
    return _detail(
        request,
        "org/membership_detail.html",
        membership,
        can_change=request.user.has_perm("org.change_membership"),
        can_set_password=request.user.has_perm("org.change_membership")
        and services.password_settable_by_school(membership),
        custodian_of=Location.objects.for_school(request.school).filter(custodian=membership.user)[:50],
    )


@school_required("org.add_membership")
def membership_create(request):
    form = MembershipForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.membership_create(actor=request.user, school=request.school, **data),
        success_message=_("教职工已添加。"),
        title=_("添加教职工"),
    )


@school_required("org.change_membership")
def membership_update(request, pk):
    membership = get_for_school(Membership.objects.select_related("user"), request, pk=pk)
    user = membership.user
    initial = {
        "username": user.username,
        "display_name": user.display_name,
        "mobile": user.mobile or "",
        "email": user.email,
        "department": membership.department,
        "title": membership.title,
        "employee_no": membership.employee_no,
        "roles": list(membership.roles.all()),
        "is_active": membership.is_active,
    }
    form = MembershipForm(request.POST or None, initial=initial, school=request.school, editing=True)
    return form_page(
        request,
        form,
        lambda data: services.membership_update(
            actor=request.user, membership=membership, data={k: v for k, v in data.items() if k != "username"}
        ),
        success_message=_("教职工信息已保存。"),
        title=_("编辑教职工"),
        object=membership,
    )


@school_required("org.change_membership")
def membership_set_password(request, pk):
    """The school admin sets a password, e.g. for staff imported without one."""
    membership = get_for_school(Membership.objects.select_related("user"), request, pk=pk)
    if not services.password_settable_by_school(membership):
        messages.error(request, _("该账号也用于其他学校或教育局，请本人登录后修改密码。"))
        return redirect(membership)
    form = SetPasswordForm(membership.user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    title = _("设置 %(name)s 的密码") % {"name": membership.user}
    return form_page(
        request,
        form,
        lambda data: services.membership_set_password(
            actor=request.user, membership=membership, password=data["new_password1"]
        ),
        success_message=_("密码已设置，请告诉本人并提醒其登录后修改。"),
        title=title,
        object=membership,
    )


# --- roles -----------------------------------------------------------------------------------------------


@school_required("org.view_role")
def role_list(request):
    roles = Role.objects.for_school(request.school).annotate(
        member_count=Count("memberships", distinct=True), permission_count=Count("permissions", distinct=True)
    )
    return _list(request, "org/role_list.html", roles)


@school_required("org.view_role")
def role_detail(request, pk):
    role = get_for_school(Role, request, pk=pk)
    permissions = [
        (django_apps.get_app_config(p.content_type.app_label).verbose_name, permission_label(p))
        for p in role.permissions.select_related("content_type").order_by(
            "content_type__app_label", "codename"
        )
    ]
    return _detail(
        request,
        "org/role_detail.html",
        role,
        permissions=permissions,
        can_change=request.user.has_perm("org.change_role"),
    )


@school_required("org.add_role")
def role_create(request):
    form = RoleForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.role_create(actor=request.user, school=request.school, **data),
        success_message=_("角色已添加。"),
        title=_("添加角色"),
    )


@school_required("org.change_role")
def role_update(request, pk):
    role = get_for_school(Role, request, pk=pk)
    form = RoleForm(request.POST or None, instance=role, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.role_update(actor=request.user, role=role, data=data),
        success_message=_("角色已保存。"),
        title=_("编辑角色"),
        object=role,
    )
