"""Utilisation (物尽其用, issue: "each borrowing and booking counts; report of idle equipment (not
used in N months) per department"): the idle report and the most / least used bookable equipment."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.assets import reports, services
from houqin.assets.choices import AssetStatus, LoanStatus
from houqin.assets.models import Asset, AssetCategory, AssetLoan
from houqin.core.testing import make_school
from houqin.org import services as org_services

_numbers = itertools.count(1)


def card(world, code, *, cat="301", on, used=None, bookable=False, department="default"):
    asset = services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"设备{code}",
        category=AssetCategory.objects.get(school=world.school, code=cat),
        quantity=1,
        unit="台",
        unit_price=Decimal("2000"),
        acquired_on=on,
        is_bookable=bookable,
        location=world.room,
        department=world.department if department == "default" else department,
    )
    if used:
        services.asset_mark_used(asset=asset, on=used)
    return asset


def loan(world, asset, *, days_ago: int, status=LoanStatus.RETURNED):
    """A past loan or booking (the loan services only book from now on; history is set up directly)."""
    start = timezone.now() - dt.timedelta(days=days_ago)
    return AssetLoan.objects.create(
        school=world.school,
        number=f"JY-T{next(_numbers):05d}",
        asset=asset,
        borrower=world.user("teacher"),
        starts_at=start,
        due_at=start + dt.timedelta(hours=3),
        status=status,
    )


@pytest.fixture
def idle(db):
    world = make_school("d")
    today = timezone.localdate()
    world.lab = org_services.department_create(actor=None, school=world.school, name="实验室d")
    world.e1 = card(world, "E1", on=today - dt.timedelta(days=3 * 365), department=world.lab)
    loan(world, world.e1, days_ago=700)
    loan(world, world.e1, days_ago=650)
    loan(world, world.e1, days_ago=600, status=LoanStatus.CANCELLED)  # a cancelled booking: not a use
    card(world, "E2", on=today - dt.timedelta(days=3 * 365), used=today - dt.timedelta(days=30))  # in use
    card(world, "E3", on=today - dt.timedelta(days=60))  # new: not idle yet
    card(world, "E4", cat="601", on=dt.date(2015, 9, 1), department=world.lab)  # desks: not equipment
    card(world, "E5", cat="8", on=dt.date(2020, 1, 1), bookable=True, department=None)  # bookable gear
    gone = card(world, "E6", on=dt.date(2015, 1, 1), department=world.lab)
    Asset.objects.filter(pk=gone.pk).update(status=AssetStatus.DISPOSED, disposed_on=dt.date(2024, 1, 1))
    return world


def codes(qs):
    return {a.code for a in qs if a.code.startswith("E")}


def test_idle_means_not_used_for_the_schools_idle_months(idle):
    since = reports.idle_cutoff(idle.school, timezone.localdate())
    assert since == reports.months_before(timezone.localdate(), 6)  # AssetSettings.idle_months default
    assert codes(reports.idle_assets(idle.school, since=since)) == {"E1", "E5"}  # equipment + bookable
    assert codes(reports.idle_assets(idle.school, since=since, scope="bookable")) == {"E5"}
    assert codes(reports.idle_assets(idle.school, since=since, scope="all")) == {"E1", "E4", "E5"}
    assert codes(reports.idle_assets(idle.school, since=since, department=idle.lab.pk)) == {"E1"}
    assert codes(reports.idle_assets(idle.school, since=since, department="none")) == {"E5"}


def test_idle_months_is_a_school_setting(idle):
    services.asset_settings_update(actor=None, school=idle.school, data={"idle_months": 48})
    since = reports.idle_cutoff(idle.school)
    assert since == reports.months_before(timezone.localdate(), 48)
    # E1 came 3 years ago: not idle for 4 years yet; E5 has been there since 2020
    assert codes(reports.idle_assets(idle.school, since=since)) == {"E5"}


def test_idle_by_department_counts_and_values(idle):
    since = reports.idle_cutoff(idle.school)
    rows = {r["name"]: r for r in reports.idle_by_department(reports.idle_assets(idle.school, since=since))}
    assert (rows["实验室d"]["cards"], rows["实验室d"]["value"]) == (1, Decimal("2000.00"))
    assert rows["（未指定部门）"]["cards"] == 1


def test_loan_counts_count_loans_and_bookings_not_cancelled(idle):
    counts = reports.loan_counts([idle.e1.pk])
    assert counts[idle.e1.pk][0] == 2
    assert counts[idle.e1.pk][1] < timezone.now() - dt.timedelta(days=640)
    assert services.asset_loan_counts(idle.school)[idle.e1.pk] == 2  # the loans area agrees


def test_idle_page_lists_by_department_with_loan_counts(client, idle):
    client.force_login(idle.user("teacher"))
    response = client.get(reverse("assets:asset_idle"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "实验室d" in body and "设备E1" in body and "设备E4" not in body
    e1 = next(a for a in response.context["page"].object_list if a.code == "E1")
    assert e1.loan_count == 2
    response = client.get(reverse("assets:asset_idle"), {"scope": "all", "department": idle.lab.pk})
    assert {a.code for a in response.context["page"].object_list} == {"E1", "E4"}
    partial = client.get(
        reverse("assets:asset_idle"), {"scope": "all"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert "<html" not in partial.content.decode()
    assert client.get(reverse("assets:asset_idle"), {"scope": "x", "department": "abc"}).status_code == 200


def test_idle_export(client, idle):
    client.force_login(idle.user("principal"))
    response = client.get(reverse("assets:asset_idle"), {"scope": "all", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_idle_page_query_count_does_not_grow(client, idle):
    client.force_login(idle.user("asset_clerk"))
    url = reverse("assets:asset_idle")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        asset = card(idle, f"EX{i}", on=dt.date(2019, 1, 1), department=idle.lab)
        loan(idle, asset, days_ago=400 + i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["page"].count >= 22
    assert len(many) == len(few)


# --- utilisation -------------------------------------------------------------------------------------


@pytest.fixture
def usage(db):
    world = make_school("u")
    today = timezone.localdate()
    world.u1 = card(world, "U1", cat="305", on=dt.date(2022, 1, 1), bookable=True)
    world.u2 = card(world, "U2", cat="307", on=dt.date(2022, 1, 1), bookable=True)
    world.u3 = card(world, "U3", cat="307", on=dt.date(2022, 1, 1), bookable=True)
    card(world, "U4", cat="307", on=dt.date(2022, 1, 1))  # not bookable: not in this report
    for days in (10, 40, 90):
        loan(world, world.u1, days_ago=days)
    loan(world, world.u2, days_ago=20, status=LoanStatus.OUT)
    loan(world, world.u2, days_ago=500)  # before the period
    loan(world, world.u3, days_ago=5, status=LoanStatus.CANCELLED)
    world.period = (reports.months_before(today, 12), today)
    return world


def test_most_and_least_used_bookable_equipment(usage):
    start, end = usage.period
    most, least, totals = reports.utilisation(usage.school, start=start, end=end)
    mine = [(a.code, a.uses) for a in most if a.code.startswith("U")]
    assert mine == [("U1", 3), ("U2", 1)]
    assert ("U3", 0) in [(a.code, a.uses) for a in least]
    assert least[0].uses == 0
    assert "U4" not in {a.code for a in most + least}
    assert totals["loans"] - sum(a.uses for a in most if not a.code.startswith("U")) == 4
    assert totals["unused"] >= 1 and totals["assets"] >= 3


def test_utilisation_page(client, usage):
    client.force_login(usage.user("teacher"))
    response = client.get(reverse("assets:asset_utilisation"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "设备U1" in body and "设备U4" not in body
    assert response.context["chart"]["series"][0]["data"][0] == 3.0
    assert 'id="utilisation-chart-data"' in body
    response = client.get(reverse("assets:asset_utilisation"), {"start": "2026-13-01"})
    assert response.status_code == 200 and response.context["form"].errors["start"]


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert reports.months_before(dt.date(2026, 11, 26), 6) == dt.date(2026, 5, 26)
    assert reports.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert reports.months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert reports.months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)
