"""Who may do what, in one place.

* Roles are data (``org.Role``) granting Django permissions inside one school.
* :class:`SchoolContext` is worked out once per request by the school middleware (or by the API
  authentication classes): the current school, the membership and the set of permissions.
* :class:`SchoolRoleBackend` answers ``user.has_perm("app.codename")`` from that context, so the
  standard Django tools work: ``{{ perms.org.add_location }}``, ``permission_required``,
  DRF's model permissions.
* Object rules (own records, assigned person, same school) are ``rules`` predicates in each app's
  ``permissions.py``, asked as ``user.has_perm(perm, obj)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import rules
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _lazy

HOUQIN_APP_LABELS = ("core", "accounts", "org")  # apps add themselves via register_app_label()


def register_app_label(label: str) -> None:
    global HOUQIN_APP_LABELS
    if label not in HOUQIN_APP_LABELS:
        HOUQIN_APP_LABELS = (*HOUQIN_APP_LABELS, label)
    _read_only_permissions.cache_clear()


@dataclass(frozen=True)
class SchoolContext:
    school: object | None
    membership: object | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    read_only: bool = False  # district supervisors: view permissions only
    school_choices: tuple[tuple[int, str], ...] = ()

    @property
    def can_switch(self) -> bool:
        return len(self.school_choices) > 1


NO_SCHOOL = SchoolContext(school=None)


@cache
def _read_only_permissions() -> frozenset[str]:
    return frozenset(
        f"{app}.{code}"
        for app, code in Permission.objects.filter(
            content_type__app_label__in=HOUQIN_APP_LABELS, codename__startswith="view_"
        ).values_list("content_type__app_label", "codename")
    )


def membership_permissions(membership) -> frozenset[str]:
    return frozenset(
        f"{app}.{code}"
        for app, code in Permission.objects.filter(houqin_roles__memberships=membership)
        .values_list("content_type__app_label", "codename")
        .distinct()
    )


def build_school_context(user, requested_school_id: int | str | None = None) -> SchoolContext:
    """Work out the school a signed-in user acts in, and what they may do there.

    A member acts in the requested school if they belong to it, else in their first school.
    A district supervisor may act (read-only) in any active school of their districts.
    Three queries, whatever the number of schools or roles.
    """
    from houqin.org.models import Membership, School

    if not user.is_authenticated or not user.is_active:
        return NO_SCHOOL
    try:
        requested = int(requested_school_id) if requested_school_id not in (None, "") else None
    except (TypeError, ValueError):
        requested = None

    memberships = list(
        Membership.objects.filter(user=user, is_active=True, school__is_active=True)
        .select_related("school", "department")
        .order_by("school__name", "id")
    )
    district_schools = list(
        School.objects.filter(district__supervisors__user=user, is_active=True).distinct().order_by("name")
    )
    choices = tuple(
        dict.fromkeys(
            [(m.school_id, m.school.name) for m in memberships] + [(s.pk, s.name) for s in district_schools]
        )
    )

    def member(m) -> SchoolContext:
        return SchoolContext(
            school=m.school, membership=m, permissions=membership_permissions(m), school_choices=choices
        )

    def supervisor(s) -> SchoolContext:
        return SchoolContext(
            school=s, permissions=_read_only_permissions(), read_only=True, school_choices=choices
        )

    for m in memberships:
        if m.school_id == requested:
            return member(m)
    for s in district_schools:
        if s.pk == requested:
            return supervisor(s)
    if memberships:
        return member(memberships[0])
    if district_schools:
        return supervisor(district_schools[0])
    return NO_SCHOOL


def attach_school_context(request, user, requested_school_id=None) -> SchoolContext:
    context = build_school_context(user, requested_school_id)
    user.school_context = context
    request.school_context = context
    request.school = context.school
    request.membership = context.membership
    return context


class SchoolRoleBackend(BaseBackend):
    """Model-level permissions from the roles the user holds in the current school."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or obj is not None:
            return set()
        context = getattr(user_obj, "school_context", None)
        return set(context.permissions) if context else set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if not user_obj.is_active or obj is not None:
            return False
        context = getattr(user_obj, "school_context", None)
        return bool(context and perm in context.permissions)

    def has_module_perms(self, user_obj, app_label) -> bool:
        context = getattr(user_obj, "school_context", None)
        return bool(context and any(p.startswith(app_label + ".") for p in context.permissions))


# --- readable permission names ----------------------------------------------------------------------

_ACTIONS = {
    "view": _lazy("查看"),
    "add": _lazy("添加"),
    "change": _lazy("修改"),
    "delete": _lazy("删除"),
}


def permission_label(permission: Permission) -> str:
    """``"添加 位置"`` in the user's language; Django stores "Can add 位置" in the migrating language."""
    action, _sep, _rest = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if model is None or action not in _ACTIONS:
        return permission.name
    return f"{_ACTIONS[action]} {model._meta.verbose_name}"


# --- predicates shared by every app's permissions.py ---------------------------------------------


def role_perm(perm: str) -> rules.Predicate:
    """True when the user's roles in the current school grant ``perm``."""

    def check(user) -> bool:
        context = getattr(user, "school_context", None)
        return bool(context and perm in context.permissions)

    return rules.Predicate(check, name=f"role_perm:{perm}")


@rules.predicate
def in_current_school(user, obj) -> bool:
    context = getattr(user, "school_context", None)
    return bool(
        context
        and context.school is not None
        and obj is not None
        and getattr(obj, "school_id", None) == context.school.pk
    )


@rules.predicate
def is_read_only(user) -> bool:
    context = getattr(user, "school_context", None)
    return bool(context and context.read_only)
