"""Borrowing API (``/api/v1/asset-loans/``): the same services as the pages, the same errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.assets import services
from houqin.assets.choices import Condition, LoanStatus
from houqin.assets.models import AssetCategory, AssetLoan

pytestmark = pytest.mark.django_db

LIST = "api:assets-assetloan-list"


def at(days: int = 1, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def world(school_a):
    return school_a


@pytest.fixture
def camera(world):
    return services.asset_create(
        actor=None,
        school=world.school,
        code="",
        name="相机",
        category=AssetCategory.objects.get(school=world.school, code="307"),
        quantity=1,
        unit="台",
        unit_price=Decimal("3000.00"),
        acquired_on=dt.date(2024, 9, 1),
        is_bookable=True,
    )


def api(client, world, role):
    client.force_login(world.user(role))
    return client


def book(world, asset, days, role="teacher", hour=9):
    return services.asset_loan_reserve(
        actor=world.user(role),
        school=world.school,
        asset=asset,
        starts_at=at(days, hour),
        due_at=at(days, hour + 2),
    )


def test_a_teacher_books_through_the_api(client, world, camera):
    response = api(client, world, "teacher").post(
        reverse(LIST),
        {
            "asset": camera.pk,
            "starts_at": at(1, 9).isoformat(),
            "due_at": at(1, 11).isoformat(),
            "purpose": "录课",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("JY-") and data["status"] == LoanStatus.RESERVED
    assert data["borrower"] == world.user("teacher").pk and data["actions"] == ["cancel"]


def test_a_double_booking_is_a_field_error(client, world, camera):
    book(world, camera, 1, role="head_teacher")
    response = api(client, world, "teacher").post(
        reverse(LIST),
        {"asset": camera.pk, "starts_at": at(1, 10).isoformat(), "due_at": at(1, 12).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "starts_at" in response.json()["errors"]


def test_a_teacher_cannot_book_for_someone_else_through_the_api(client, world, camera):
    response = api(client, world, "teacher").post(
        reverse(LIST),
        {
            "asset": camera.pk,
            "borrower": world.user("head_teacher").pk,
            "starts_at": at(1, 9).isoformat(),
            "due_at": at(1, 11).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not AssetLoan.objects.filter(asset=camera).exists()


def test_another_schools_asset_does_not_exist_here(client, world, school_b):
    response = api(client, world, "asset_clerk").post(
        reverse(LIST),
        {"asset": school_b.asset.pk, "starts_at": at(1, 9).isoformat(), "due_at": at(1, 11).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400 and "asset" in response.json()["errors"]


def test_list_is_what_the_user_may_see(client, world, camera):
    mine = book(world, camera, 1)
    theirs = book(world, camera, 2, role="head_teacher")
    numbers = {row["number"] for row in api(client, world, "teacher").get(reverse(LIST)).json()["results"]}
    assert mine.number in numbers and theirs.number not in numbers
    client.force_login(world.user("asset_clerk"))
    numbers = {row["number"] for row in client.get(reverse(LIST)).json()["results"]}
    assert {mine.number, theirs.number} <= numbers
    detail = reverse("api:assets-assetloan-detail", args=[theirs.pk])
    client.force_login(world.user("teacher"))
    assert client.get(detail).status_code == 404


def test_list_filters_by_asset_and_period(client, world, camera):
    a = book(world, camera, 1)
    b = book(world, camera, 5)
    client = api(client, world, "asset_clerk")
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    rows = client.get(reverse(LIST), {"asset": camera.pk, "from": day, "to": day}).json()["results"]
    assert [r["number"] for r in rows] == [b.number]
    rows = client.get(reverse(LIST), {"tab": "to_lend"}).json()["results"]
    assert a.number not in {r["number"] for r in rows}
    assert client.get(reverse(LIST), {"from": "yesterday"}).status_code == 400
    assert client.get(reverse(LIST), {"to": "2026-13-01"}).status_code == 400


def test_lend_return_and_cancel_actions(client, world, camera):
    loan = services.asset_loan_reserve(
        actor=world.user("teacher"),
        school=world.school,
        asset=camera,
        starts_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(hours=2),
    )
    teacher = api(client, world, "teacher")
    assert (
        teacher.post(
            reverse("api:assets-assetloan-lend", args=[loan.pk]), {}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(world.user("asset_clerk"))
    response = client.post(
        reverse("api:assets-assetloan-lend", args=[loan.pk]),
        {"condition_out": Condition.GOOD},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == LoanStatus.OUT
    response = client.post(
        reverse("api:assets-assetloan-return", args=[loan.pk]),
        {"condition_in": Condition.WORN, "note": "有划痕"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["condition_in"] == Condition.WORN
    response = client.post(
        reverse("api:assets-assetloan-cancel", args=[loan.pk]), {}, content_type="application/json"
    )
    assert response.status_code == 400  # returned loans are not cancelled
    booked = book(world, camera, 2)
    client.force_login(world.user("teacher"))
    response = client.post(
        reverse("api:assets-assetloan-cancel", args=[booked.pk]),
        {"reason": "不用了"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == LoanStatus.CANCELLED


def test_busy_shows_an_assets_bookings_to_anyone_who_books(client, world, camera):
    loan = book(world, camera, 2, role="head_teacher")
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    client = api(client, world, "teacher")
    url = reverse("api:assets-assetloan-busy")
    rows = client.get(url, {"asset": camera.pk, "from": day, "to": day}).json()
    assert [r["id"] for r in rows] == [loan.pk]
    assert client.get(url, {"asset": camera.pk}).status_code == 400
    assert client.get(url, {"asset": camera.pk, "from": "2026-01-01", "to": "2026-12-31"}).status_code == 400


def test_busy_of_another_schools_asset_is_not_found(client, world, school_b):
    day = timezone.localdate().isoformat()
    response = api(client, world, "teacher").get(
        reverse("api:assets-assetloan-busy"), {"asset": school_b.asset.pk, "from": day, "to": day}
    )
    assert response.status_code == 404
