"""Who may do what with custodianship sheets (承包管理), role by role (DESIGN.md rule 10). From the
issue ("signed by the head teacher; handed back at term end with a condition check") and the roles
(班主任：为本班报修、领用和承包管理; 资产管理员：校产登记…). Written out by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.assets.permissions import (
    can_add_custody,
    can_edit_custody_items,
    can_return_custody,
    can_sign_custody,
)
from houqin.core.permissions import attach_school_context
from houqin.org.roles import DEFAULT_ROLES

ALL_ROLES = sorted(spec.code for spec in DEFAULT_ROLES)
DRAWS_UP = {"asset_clerk", "logistics_director", "head_teacher"}
KEEPS_THE_BOOKS = {"asset_clerk", "logistics_director"}


def acting(user, world):
    class Request:
        pass

    attach_school_context(Request(), user, world.school.pk)
    return user


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_draws_up_edits_signs_and_takes_back(client, school_a, role):
    """The sample sheet (make_school) waits for the head teacher's signature."""
    sheet = school_a.asset_custody
    user = acting(school_a.user(role), school_a)
    assert bool(can_add_custody(user)) is (role in DRAWS_UP)
    # the head teacher edits as the responsible person, the clerk and the director keep the books
    assert bool(can_edit_custody_items(user, sheet)) is (role in KEEPS_THE_BOOKS | {"head_teacher"})
    assert bool(can_sign_custody(user, sheet)) is (role == "head_teacher")
    assert not can_return_custody(user, sheet), "a sheet waiting for its signature is not taken back"
    sheet.status = "signed"
    assert bool(can_return_custody(user, sheet)) is (role in KEEPS_THE_BOOKS)
    assert not can_sign_custody(user, sheet)
    client.force_login(school_a.user(role))
    assert client.get(reverse("assets:assetcustody_list")).status_code == 200
    assert client.get(sheet.get_absolute_url()).status_code == 200
    expected = 200 if role in DRAWS_UP else 403
    assert client.get(reverse("assets:assetcustody_create")).status_code == expected
    sign = reverse("assets:assetcustody_sign", args=[sheet.pk])
    assert client.get(sign).status_code == (200 if role == "head_teacher" else 403)
