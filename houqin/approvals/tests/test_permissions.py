"""Who may do what in approvals, for each default role (DESIGN.md rule 3 and 10)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from houqin.core.permissions import membership_permissions
from houqin.org.models import Membership
from houqin.org.roles import DEFAULT_ROLES

pytestmark = pytest.mark.django_db

ALL_ROLES = {spec.code for spec in DEFAULT_ROLES}
STAFF = {
    "approvals.view_approvalrequest",
    "approvals.add_generalrequest",
    "approvals.view_generalrequest",
    "approvals.change_generalrequest",
    "approvals.view_approvaldelegation",
    "approvals.add_approvaldelegation",
}
SEES_ALL = {"school_admin", "principal"}
MANAGES_POLICIES = {"school_admin"}


def perms_of(world, role):
    membership = Membership.objects.get(school=world.school, user=world.user(role))
    return {p for p in membership_permissions(membership) if p.startswith("approvals.")}


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_every_staff_role_asks_and_takes_part(school_a, role):
    """Every member can file a 事项申请 and see the approvals they are part of."""
    assert perms_of(school_a, role) >= STAFF


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_only_principal_and_admin_see_every_approval(school_a, role):
    assert ("approvals.view_all_approvalrequest" in perms_of(school_a, role)) == (role in SEES_ALL)


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_only_the_school_admin_changes_policies(school_a, role):
    assert ("approvals.change_approvalpolicy" in perms_of(school_a, role)) == (role in MANAGES_POLICIES)


def test_school_admin_has_every_approvals_permission(school_a):
    every = {
        f"approvals.{p.codename}" for p in Permission.objects.filter(content_type__app_label="approvals")
    }
    assert perms_of(school_a, "school_admin") == every


def test_object_rules(school_a):
    from houqin.approvals import permissions
    from houqin.core.permissions import attach_school_context

    from .helpers import submit

    gr, approval = submit(school_a, "100")

    def as_(role):
        user = school_a.user(role)
        attach_school_context(type("R", (), {})(), user, school_a.school.pk)
        return user

    assert permissions.can_decide(as_("logistics_director"), approval)
    assert not permissions.can_decide(as_("principal"), approval)  # not their step (yet)
    assert permissions.can_view(as_("principal"), approval)  # but 校长 sees everything
    assert permissions.can_withdraw(as_("teacher"), approval)
    assert not permissions.can_view(as_("guard"), approval)
    assert not permissions.can_edit_general_request(as_("teacher"), gr)  # submitted: locked
