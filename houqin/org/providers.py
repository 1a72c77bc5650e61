"""What the organisation app contributes to the home page (我的待办) and global search."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from houqin.core.registry import SearchResult, TodoItem

from .choices import LocationKind
from .models import Department, Location, Membership, SchoolClass


def todo_rooms_without_custodian(request):
    """专用室保管责任制: every room needs a named custodian. Shown to those who can assign one."""
    if not request.user.has_perm("org.change_location"):
        return []
    count = (
        Location.objects.for_school(request.school)
        .active()
        .filter(kind=LocationKind.ROOM, custodian__isnull=True)
        .count()
    )
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 个房间还没有保管责任人", "%(count)d 个房间还没有保管责任人", count)
            % {"count": count},
            url=reverse("org:location_list") + "?kind=room&custodian=none",
            count=count,
            level="warning",
            area=_("场所"),
        )
    ]


def todo_classes_without_head_teacher(request):
    if not request.user.has_perm("org.change_schoolclass"):
        return []
    count = SchoolClass.objects.for_school(request.school).active().filter(head_teacher__isnull=True).count()
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 个班级还没有班主任", "%(count)d 个班级还没有班主任", count)
            % {"count": count},
            url=reverse("org:schoolclass_list") + "?head_teacher=none",
            count=count,
            level="info",
            area=_("班级"),
        )
    ]


def search_locations(request, query, limit):
    qs = Location.objects.for_school(request.school).active().search(query).order_by("depth", "path")[:limit]
    return [SearchResult(title=loc.name, subtitle=loc.full_name, url=loc.get_absolute_url()) for loc in qs]


def search_departments(request, query, limit):
    qs = Department.objects.for_school(request.school).active().search(query)[:limit]
    return [SearchResult(title=d.name, url=d.get_absolute_url()) for d in qs]


def search_classes(request, query, limit):
    qs = SchoolClass.objects.for_school(request.school).active().search(query)[:limit]
    return [SearchResult(title=c.name, url=c.get_absolute_url()) for c in qs]


def search_people(request, query, limit):
    qs = (
        Membership.objects.for_school(request.school)
        .active()
        .search(query)
        .select_related("user", "department")[:limit]
    )
    return [
        SearchResult(
            title=str(m.user),
            subtitle=" · ".join(filter(None, [m.department and m.department.name, m.title])),
            url=m.get_absolute_url(),
        )
        for m in qs
    ]
