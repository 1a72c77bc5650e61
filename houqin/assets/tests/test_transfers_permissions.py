"""Who may do what with transfers (调配), role by role (DESIGN.md rule 10). Written out by hand from
the issue ("with the receiving custodian's confirmation") and the asset clerk's post (资产管理员：校产
登记、调配、借还、处置和盘点): if a default grant changes, this test says so."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from houqin.assets import services
from houqin.assets.permissions import can_add_transfer, can_cancel_transfer, can_decide_transfer
from houqin.core.permissions import attach_school_context
from houqin.core.testing import make_school
from houqin.org.models import DistrictSupervisor, EducationDistrict
from houqin.org.roles import DEFAULT_ROLES

User = get_user_model()

ALL_ROLES = sorted(spec.code for spec in DEFAULT_ROLES)
STARTS_TRANSFERS = {"asset_clerk", "logistics_director"}


def acting(user, world):
    class Request:
        pass

    attach_school_context(Request(), user, world.school.pk)
    return user


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_starts_a_transfer(client, school_a, role):
    user = school_a.user(role)
    client.force_login(user)
    expected = 200 if role in STARTS_TRANSFERS else 403
    assert client.get(reverse("assets:assettransfer_create")).status_code == expected
    assert client.get(reverse("assets:assettransfer_list")).status_code == 200, "everyone on the staff reads"
    assert bool(can_add_transfer(acting(user, school_a))) is (role in STARTS_TRANSFERS)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_receiver_confirms_whatever_their_role(school_a, role):
    receiver = school_a.user("teacher" if role != "teacher" else "guard")
    transfer = services.asset_transfer_create(
        actor=None,
        school=school_a.school,
        assets=[school_a.asset],
        to_custodian=receiver,
        to_location=school_a.floor,
    )
    user = acting(school_a.user(role), school_a)
    assert not can_decide_transfer(user, transfer)
    assert bool(can_cancel_transfer(user, transfer)) is (role in STARTS_TRANSFERS)
    assert can_decide_transfer(acting(receiver, school_a), transfer)


def test_a_district_supervisor_reads_but_never_decides(client, db):
    district = EducationDistrict.objects.create(name="某区教育局", code="d-transfers")
    world = make_school("d", district=district)
    supervisor = User.objects.create_user("supervisor-t", display_name="督导")
    DistrictSupervisor.objects.create(user=supervisor, district=district)
    transfer = services.asset_transfer_create(
        actor=None, school=world.school, assets=[world.asset], to_custodian=world.user("head_teacher")
    )
    client.force_login(supervisor)
    assert client.get(reverse("assets:assettransfer_list"), {"tab": "all"}).status_code == 200
    assert client.get(transfer.get_absolute_url()).status_code == 200
    assert client.get(reverse("assets:assettransfer_create")).status_code == 403
    client.post(reverse("assets:assettransfer_cancel", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.status == "pending"
