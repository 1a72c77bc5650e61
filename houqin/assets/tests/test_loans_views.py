"""Borrowing pages: list tabs and filters, booking form errors, a loan's buttons, the bookable list
and the calendar; list query counts do not grow with rows (DESIGN.md rule 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.assets import services
from houqin.assets.choices import AssetStatus, Condition, LoanStatus
from houqin.assets.models import Asset, AssetCategory, AssetLoan

pytestmark = pytest.mark.django_db


def at(days: int = 1, hour: int = 9) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def make_asset(world, *, quantity=1, bookable=True, name="相机"):
    return services.asset_create(
        actor=None,
        school=world.school,
        code="",
        name=name,
        category=AssetCategory.objects.get(school=world.school, code="307"),
        quantity=quantity,
        unit="台",
        unit_price=Decimal("3000.00"),
        acquired_on=dt.date(2024, 9, 1),
        is_bookable=bookable,
    )


def book(world, asset, days, *, role="teacher", hour=9, hours=2, quantity=1):
    return services.asset_loan_reserve(
        actor=world.user(role),
        school=world.school,
        asset=asset,
        starts_at=at(days, hour),
        due_at=at(days, hour) + dt.timedelta(hours=hours),
        quantity=quantity,
    )


@pytest.fixture
def world(school_a):
    return school_a


@pytest.fixture
def camera(world):
    return make_asset(world)


def login(client, world, role):
    client.force_login(world.user(role))
    return client


def count_queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- the list --------------------------------------------------------------------------------------


def test_a_teacher_sees_only_their_own_loans(client, world, camera):
    mine = book(world, camera, 1)
    theirs = book(world, camera, 2, role="head_teacher")
    response = login(client, world, "teacher").get(reverse("assets:assetloan_list") + "?tab=all")
    body = response.content.decode()
    assert response.status_code == 200
    assert mine.number in body and theirs.number not in body
    assert 'id="tab-overdue"' not in body  # the tabs are the clerk's


def test_the_clerk_sees_tabs_with_counts(client, world, camera):
    today = services.asset_loan_reserve(
        actor=world.user("teacher"),
        school=world.school,
        asset=camera,
        starts_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    later = book(world, camera, 3)
    client = login(client, world, "asset_clerk")
    body = client.get(reverse("assets:assetloan_list")).content.decode()  # default: 今日待借出
    assert 'id="tab-to_lend"' in body and 'id="count-to_lend"' in body
    assert today.number in body and later.number not in body
    body = client.get(reverse("assets:assetloan_list") + "?tab=all").content.decode()
    assert today.number in body and later.number in body


def test_the_overdue_tab(client, world, camera):
    loan = services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=camera,
        borrower=world.user("teacher"),
        due_at=timezone.now() + dt.timedelta(hours=2),
    )
    AssetLoan.objects.filter(pk=loan.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=3), due_at=timezone.now() - dt.timedelta(days=1)
    )
    body = login(client, world, "asset_clerk").get(reverse("assets:assetloan_list") + "?tab=overdue").content
    assert loan.number in body.decode() and "逾期" in body.decode()


def test_list_filters_and_htmx_partial(client, world, camera):
    projector = make_asset(world, name="投影仪")
    a = book(world, camera, 1)
    b = book(world, projector, 1)
    client = login(client, world, "asset_clerk")
    response = client.get(
        reverse("assets:assetloan_list") + "?tab=all&q=投影仪",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    body = response.content.decode()
    assert b.number in body and a.number not in body
    assert "<html" not in body  # just the table
    page = client.get(reverse("assets:assetloan_list") + "?tab=out").content.decode()
    assert '<input type="hidden" name="tab" value="out">' in page  # filtering keeps the tab
    body = client.get(reverse("assets:assetloan_list") + f"?tab=all&status=cancelled&q={a.number}").content
    assert a.get_absolute_url() not in body.decode()
    body = client.get(reverse("assets:assetloan_list") + f"?tab=all&status=reserved&q={a.number}").content
    assert a.get_absolute_url() in body.decode() and b.get_absolute_url() not in body.decode()


def test_list_exports_to_excel(client, world, camera):
    book(world, camera, 1)
    response = login(client, world, "asset_clerk").get(
        reverse("assets:assetloan_list") + "?tab=all&export=xlsx"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("role,tab", [("asset_clerk", "all"), ("teacher", "mine")])
def test_list_query_count_does_not_grow(client, world, role, tab):
    assets = [make_asset(world, name=f"相机{i}") for i in range(3)]
    url = reverse("assets:assetloan_list") + f"?tab={tab}"
    for i, asset in enumerate(assets):
        book(world, asset, 1 + i)
    client = login(client, world, role)
    few = count_queries(client, url)
    for i in range(27):
        book(world, assets[i % 3], 5 + i)
    assert AssetLoan.objects.filter(borrower=world.user("teacher")).count() >= 30
    assert count_queries(client, url) == few


# --- booking ---------------------------------------------------------------------------------------


def test_booking_page_for_a_teacher(client, world, camera):
    book(world, camera, 1, role="head_teacher")
    response = login(client, world, "teacher").get(reverse("assets:assetloan_create") + f"?asset={camera.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="starts_at"' in body and 'type="datetime-local"' in body
    assert 'name="borrower"' not in body and 'name="lend_now"' not in body
    assert 'id="upcoming"' in body  # the taken periods are shown before choosing


def test_booking_page_without_an_asset_shows_the_bookable_list(client, world, camera):
    response = login(client, world, "teacher").get(reverse("assets:assetloan_create"))
    assert response.status_code == 200
    assert f"{reverse('assets:assetloan_create')}?asset={camera.pk}" in response.content.decode()


def test_a_teacher_cannot_open_booking_of_a_non_bookable_asset(client, world):
    printer = make_asset(world, bookable=False, name="打印机")
    url = reverse("assets:assetloan_create") + f"?asset={printer.pk}"
    assert login(client, world, "teacher").get(url).status_code == 403
    client.force_login(world.user("asset_clerk"))
    assert client.get(url).status_code == 200


def test_booking_a_taken_period_shows_the_error_and_keeps_the_input(client, world, camera):
    taken = book(world, camera, 1, role="head_teacher", hour=9, hours=3)
    url = reverse("assets:assetloan_create") + f"?asset={camera.pk}"
    response = login(client, world, "teacher").post(
        url,
        {
            "starts_at": local_input(at(1, 10)),
            "due_at": local_input(at(1, 11)),
            "quantity": 1,
            "purpose": "公开课",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert taken.number in body and "invalid-feedback" in body
    assert 'value="公开课"' in body  # nothing typed is lost
    assert AssetLoan.objects.filter(asset=camera).count() == 1


def test_booking_without_a_start_shows_the_error(client, world, camera):
    url = reverse("assets:assetloan_create") + f"?asset={camera.pk}"
    response = login(client, world, "teacher").post(url, {"starts_at": "", "due_at": local_input(at(1, 9))})
    assert response.status_code == 200
    assert "请填写借用开始时间" in response.content.decode()
    assert not AssetLoan.objects.filter(asset=camera).exists()


def test_booking_with_the_end_before_the_start_shows_the_error(client, world, camera):
    url = reverse("assets:assetloan_create") + f"?asset={camera.pk}"
    response = login(client, world, "teacher").post(
        url, {"starts_at": local_input(at(1, 10)), "due_at": local_input(at(1, 9)), "quantity": 1}
    )
    assert response.status_code == 200
    assert "应还时间必须晚于借用开始时间" in response.content.decode()


def test_a_teacher_books_and_lands_on_the_loan(client, world, camera):
    url = reverse("assets:assetloan_create") + f"?asset={camera.pk}"
    response = login(client, world, "teacher").post(
        url, {"starts_at": local_input(at(2, 9)), "due_at": local_input(at(2, 12)), "quantity": 1}
    )
    loan = AssetLoan.objects.get(asset=camera)
    assert response.status_code == 302 and response["Location"] == loan.get_absolute_url()
    assert loan.borrower == world.user("teacher") and loan.status == LoanStatus.RESERVED


def test_the_clerk_lends_at_the_counter_from_the_form(client, world, camera):
    url = reverse("assets:assetloan_create") + f"?asset={camera.pk}"
    response = login(client, world, "asset_clerk").post(
        url,
        {
            "borrower": world.user("teacher").pk,
            "starts_at": "",
            "due_at": local_input(at(2, 12)),
            "quantity": 1,
            "lend_now": "on",
            "condition_out": Condition.GOOD,
        },
    )
    loan = AssetLoan.objects.get(asset=camera)
    assert response.status_code == 302
    assert loan.status == LoanStatus.OUT and loan.borrower == world.user("teacher")


# --- one loan --------------------------------------------------------------------------------------


def test_detail_shows_the_buttons_each_person_may_press(client, world, camera):
    loan = book(world, camera, 1)
    body = login(client, world, "teacher").get(loan.get_absolute_url()).content.decode()
    assert 'id="cancel-button"' in body and 'id="lend-button"' not in body
    client.force_login(world.user("asset_clerk"))
    body = client.get(loan.get_absolute_url()).content.decode()
    assert 'id="lend-button"' in body and 'id="cancel-button"' in body
    assert 'id="timeline"' in body


def test_another_teacher_cannot_open_someone_elses_loan(client, world, camera):
    loan = book(world, camera, 1)
    assert login(client, world, "head_teacher").get(loan.get_absolute_url()).status_code == 404
    client.force_login(world.user("principal"))  # oversees the ledger
    assert client.get(loan.get_absolute_url()).status_code == 200


def test_lend_and_return_through_the_page(client, world, camera):
    loan = services.asset_loan_reserve(
        actor=world.user("teacher"),
        school=world.school,
        asset=camera,
        starts_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(hours=3),
    )
    client = login(client, world, "asset_clerk")
    response = client.post(
        reverse("assets:assetloan_lend", args=[loan.pk]), {"condition_out": Condition.GOOD}
    )
    assert response.status_code == 302
    assert AssetLoan.objects.get(pk=loan.pk).status == LoanStatus.OUT
    response = client.post(
        reverse("assets:assetloan_return", args=[loan.pk]),
        {"condition_in": Condition.DAMAGED, "note": "屏幕裂"},
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED and loan.condition_in == Condition.DAMAGED
    body = client.get(loan.get_absolute_url()).content.decode()
    assert 'id="damage-prompt"' in body  # 谁损坏谁赔偿: report the damage next


def test_a_bad_condition_shows_on_the_form(client, world, camera):
    loan = book(world, camera, 1)
    response = login(client, world, "asset_clerk").post(
        reverse("assets:assetloan_lend", args=[loan.pk]), {"condition_out": "broken"}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


def test_a_service_refusal_shows_on_the_form(client, world, camera):
    loan = book(world, camera, 1)
    response = login(client, world, "asset_clerk").post(
        reverse("assets:assetloan_lend", args=[loan.pk]), {"condition_out": Condition.MISSING}
    )
    assert response.status_code == 400
    assert "损坏或缺失的物品不能借出" in response.content.decode()


def test_a_teacher_cannot_lend_through_the_page(client, world, camera):
    loan = book(world, camera, 1)
    client = login(client, world, "teacher")
    assert client.get(reverse("assets:assetloan_lend", args=[loan.pk])).status_code == 405
    response = client.post(
        reverse("assets:assetloan_lend", args=[loan.pk]), {"condition_out": Condition.GOOD}
    )
    assert response.status_code == 403
    assert AssetLoan.objects.get(pk=loan.pk).status == LoanStatus.RESERVED


def test_a_stale_tab_gets_a_message_not_an_error(client, world, camera):
    loan = book(world, camera, 1)
    services.asset_loan_cancel(actor=world.user("teacher"), loan=loan)
    response = login(client, world, "asset_clerk").post(
        reverse("assets:assetloan_lend", args=[loan.pk]), {"condition_out": Condition.GOOD}, follow=True
    )
    assert response.status_code == 200
    assert "已有变化" in response.content.decode()


def test_the_borrower_cancels_through_the_page(client, world, camera):
    loan = book(world, camera, 1)
    response = login(client, world, "teacher").post(
        reverse("assets:assetloan_cancel", args=[loan.pk]), {"reason": "课调了"}
    )
    assert response.status_code == 302
    assert AssetLoan.objects.get(pk=loan.pk).status == LoanStatus.CANCELLED


# --- bookable list and calendar -------------------------------------------------------------------


def test_the_bookable_list_shows_todays_availability(client, world, camera):
    projector = make_asset(world, name="投影仪")
    make_asset(world, bookable=False, name="打印机")
    services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=projector,
        borrower=world.user("teacher"),
        due_at=timezone.now() + dt.timedelta(hours=2),
    )
    body = login(client, world, "teacher").get(reverse("assets:assetloan_bookable")).content.decode()
    assert "相机" in body and "投影仪" in body and "打印机" not in body
    assert "现在已借完" in body and "现在空闲" in body
    body = client.get(reverse("assets:assetloan_bookable") + "?q=tyy").content.decode()  # pinyin initials
    assert "投影仪" in body and "相机" not in body


def test_the_bookable_list_query_count_does_not_grow(client, world):
    for i in range(3):
        book(world, make_asset(world, name=f"相机{i}"), 0 if i else 1)
    client = login(client, world, "teacher")
    url = reverse("assets:assetloan_bookable")
    few = count_queries(client, url)
    for i in range(27):
        asset = make_asset(world, name=f"球{i}", quantity=2)
        book(world, asset, 1, quantity=2)
    assert count_queries(client, url) == few


def test_the_calendar_shows_the_month(client, world, camera):
    target = timezone.localdate() + dt.timedelta(days=3)
    loan = book(world, camera, 3, hour=9, hours=3)
    client = login(client, world, "head_teacher")
    response = client.get(reverse("assets:asset_calendar", args=[camera.pk]) + f"?month={target:%Y-%m}")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="day-{target:%Y-%m-%d}" data-state="partial"' in body
    assert "09:00–12:00" in body
    assert loan.number not in body  # only the borrower and overseers get a link to the loan
    assert 'id="book-asset"' in body


def test_the_calendar_takes_any_month_and_ignores_nonsense(client, world, camera):
    client = login(client, world, "teacher")
    url = reverse("assets:asset_calendar", args=[camera.pk])
    body = client.get(url + "?month=2027-02").content.decode()
    assert 'id="day-2027-02-28"' in body and "day-2027-02-29" not in body and "day-2027-03-01" not in body
    assert client.get(url + "?month=abc").status_code == 200
    assert client.get(url + "?month=2026-13").status_code == 200


def test_the_calendar_of_a_disposed_asset_offers_no_booking(client, world, camera):
    Asset.objects.filter(pk=camera.pk).update(status=AssetStatus.DISPOSED)
    body = login(client, world, "teacher").get(reverse("assets:asset_calendar", args=[camera.pk])).content
    assert b'id="book-asset"' not in body


# --- buttons on the asset page and to-dos ---------------------------------------------------------


def _as_request(world, role):
    from houqin.core.permissions import attach_school_context

    class R:
        pass

    request = R()
    request.user = world.user(role)
    attach_school_context(request, request.user, world.school.pk)
    return request


def test_asset_page_actions(world, camera):
    from houqin.assets.actions import asset_actions

    printer = make_asset(world, bookable=False, name="打印机")
    teacher = _as_request(world, "teacher").user
    assert {a.key for a in asset_actions(camera, teacher)} >= {"borrow", "calendar"}
    keys = {a.key for a in asset_actions(printer, teacher)}
    assert "borrow" not in keys and "calendar" not in keys
    clerk = _as_request(world, "asset_clerk").user
    assert "borrow" in {a.key for a in asset_actions(printer, clerk)}


def test_todos_for_the_clerk_and_the_borrower(world, camera):
    from houqin.assets import providers_loans

    balls = make_asset(world, name="篮球", quantity=5)
    services.asset_loan_reserve(
        actor=world.user("teacher"),
        school=world.school,
        asset=balls,
        starts_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    out = services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=camera,
        borrower=world.user("teacher"),
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    AssetLoan.objects.filter(pk=out.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2), due_at=timezone.now() - dt.timedelta(days=1)
    )
    clerk = providers_loans.todo_loans_to_handle(_as_request(world, "asset_clerk"))
    assert [t.title for t in clerk] == ["今日待借出 1 件", "逾期未还 1 件"]
    assert providers_loans.todo_loans_to_handle(_as_request(world, "teacher")) == []
    mine = providers_loans.todo_my_loans_due(_as_request(world, "teacher"))
    assert len(mine) == 1 and mine[0].level == "danger" and mine[0].count == 1
    assert providers_loans.todo_my_loans_due(_as_request(world, "head_teacher")) == []


def test_search_finds_a_loan_by_number(world, camera):
    from houqin.assets import providers_loans

    loan = book(world, camera, 1)
    results = providers_loans.search_loans(_as_request(world, "asset_clerk"), loan.number[-5:], 5)
    assert [r.url for r in results] == [loan.get_absolute_url()]
    assert providers_loans.search_loans(_as_request(world, "head_teacher"), loan.number, 5) == []


def test_the_home_page_shows_the_loan_todos(client, world, camera):
    loan = services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=camera,
        borrower=world.user("teacher"),
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    AssetLoan.objects.filter(pk=loan.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2), due_at=timezone.now() - dt.timedelta(days=1)
    )
    body = login(client, world, "teacher").get(reverse("core:home")).content.decode()
    assert "我借的物品 1 件今天到期或已逾期" in body
    client.force_login(world.user("asset_clerk"))
    assert "逾期未还 1 件" in client.get(reverse("core:home")).content.decode()
