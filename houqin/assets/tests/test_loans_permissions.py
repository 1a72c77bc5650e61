"""Who may do what with borrowing, for each default role (DESIGN.md rules 3 and 10).

Every staff member books bookable equipment for themselves; the asset clerk (and the logistics
director, who keeps the books with them) books for others, lends and takes back; the principal,
finance, the school admin and district supervisors read every loan; a supervisor never writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from houqin.assets import permissions, services
from houqin.assets.choices import LoanStatus
from houqin.core.permissions import attach_school_context
from houqin.org.roles import DEFAULT_ROLES

pytestmark = pytest.mark.django_db

ALL_ROLES = sorted(spec.code for spec in DEFAULT_ROLES)
MANAGERS = {"asset_clerk", "logistics_director"}
SEES_ALL = MANAGERS | {"school_admin", "principal", "finance", "school_affairs"}


class R:
    pass


def as_member(world, role):
    user = world.user(role)
    attach_school_context(R(), user, world.school.pk)
    return user


def tomorrow(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_staff_role_books_a_bookable_asset_for_themselves(school_a, role):
    user = as_member(school_a, role)
    assert permissions.can_book_asset(user, school_a.asset)
    loan = services.asset_loan_reserve(
        actor=user, school=school_a.school, asset=school_a.asset, starts_at=tomorrow(9), due_at=tomorrow(10)
    )
    assert loan.borrower == user


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_managers_book_for_someone_else(school_a, role):
    user = as_member(school_a, role)
    other = school_a.user("teacher" if role != "teacher" else "head_teacher")

    def book():
        return services.asset_loan_reserve(
            actor=user,
            school=school_a.school,
            asset=school_a.asset,
            starts_at=tomorrow(9),
            due_at=tomorrow(10),
            borrower=other,
        )

    if role in MANAGERS:
        assert book().borrower == other
    else:
        with pytest.raises(PermissionDenied):
            book()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_managers_lend(school_a, role):
    user = as_member(school_a, role)
    loan = school_a.asset_loan  # the teacher's sample booking
    assert bool(permissions.can_lend_loan(user, loan)) == (role in MANAGERS)
    if role not in MANAGERS:
        with pytest.raises(PermissionDenied):
            services.asset_loan_lend(actor=user, loan=loan)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_every_loan(school_a, role):
    user = as_member(school_a, role)
    assert bool(permissions.can_view_loan(user, school_a.asset_loan)) == (
        role in SEES_ALL or role == "teacher"
    )


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_cancels_the_teachers_booking(school_a, role):
    user = as_member(school_a, role)
    assert bool(permissions.can_cancel_loan(user, school_a.asset_loan)) == (
        role in MANAGERS or role == "teacher"
    )


def test_a_district_supervisor_reads_but_never_books(school_a, client):
    from django.contrib.auth import get_user_model

    from houqin.org.models import DistrictSupervisor, EducationDistrict

    district = EducationDistrict.objects.create(name="某区教育局", code="district-l")
    school_a.school.district = district
    school_a.school.save(update_fields=["district"])
    supervisor = get_user_model().objects.create_user("sup_l", display_name="督导")
    DistrictSupervisor.objects.create(user=supervisor, district=district)
    attach_school_context(R(), supervisor, school_a.school.pk)
    assert supervisor.school_context.read_only
    assert permissions.can_view_loan(supervisor, school_a.asset_loan)
    assert not permissions.can_book_asset(supervisor, school_a.asset)
    assert not permissions.can_cancel_loan(supervisor, school_a.asset_loan)
    client.force_login(supervisor)
    assert client.get(school_a.asset_loan.get_absolute_url()).status_code == 200
    assert client.get(reverse("assets:assetloan_create") + f"?asset={school_a.asset.pk}").status_code == 403
    response = client.post(reverse("assets:assetloan_cancel", args=[school_a.asset_loan.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert type(school_a.asset_loan).objects.get(pk=school_a.asset_loan.pk).status == LoanStatus.RESERVED


def test_another_schools_clerk_cannot_touch_a_loan(school_a, school_b, client):
    client.force_login(school_b.user("asset_clerk"))
    loan = school_a.asset_loan
    for name in ("assets:assetloan_lend", "assets:assetloan_cancel", "assets:assetloan_return"):
        assert client.post(reverse(name, args=[loan.pk]), {"condition_out": "good"}).status_code == 404
    assert client.get(reverse("assets:asset_calendar", args=[school_a.asset.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.asset_loan_lend(actor=school_b.user("asset_clerk"), loan=loan)
