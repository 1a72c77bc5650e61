"""Borrowing (借用) services: every transition and rule.

Issue 4, "Borrowing (借用) and return: who, what, until when, condition out/in; overdue reminders;
availability calendar and reservation for equipment people book"; DOMAIN.md, Assets: "borrowing and
return with records (借还手续)"; "Utilisation (物尽其用): each borrowing and booking counts".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.assets import services
from houqin.assets.choices import AssetStatus, Condition, LoanStatus
from houqin.assets.models import Asset, AssetCategory, AssetLoan
from houqin.assets.services import loans as loan_services
from houqin.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def at(days: int = 1, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment ``days`` from today at ``hour`` (local time)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def soon(hours: int = 2) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def make_asset(world, *, quantity=1, bookable=True, name="相机", code=None):
    category = AssetCategory.objects.get(school=world.school, code="307")
    return services.asset_create(
        actor=None,
        school=world.school,
        code=code or "",
        name=name,
        category=category,
        quantity=quantity,
        unit="台",
        unit_price=Decimal("3000.00"),
        acquired_on=dt.date(2024, 9, 1),
        is_bookable=bookable,
    )


def reserve(world, asset, start, end, *, actor=None, quantity=1, borrower=None):
    return services.asset_loan_reserve(
        actor=actor or world.user("teacher"),
        school=world.school,
        asset=asset,
        starts_at=start,
        due_at=end,
        quantity=quantity,
        borrower=borrower,
    )


def backdate(loan, *, due: dt.datetime) -> None:
    """Time has passed: the loan began a day before ``due`` (written directly, as the clock would)."""
    AssetLoan.objects.filter(pk=loan.pk).update(starts_at=due - dt.timedelta(days=1), due_at=due)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def verbs(target) -> list[str]:
    return list(AuditEvent.objects.for_target(target).order_by("pk").values_list("verb", flat=True))


@pytest.fixture
def world(school_a):
    return school_a


@pytest.fixture
def camera(world):
    return make_asset(world)


# --- reserving -------------------------------------------------------------------------------------


def test_a_teacher_books_a_bookable_camera_for_themselves(world, camera):
    """Reservation for equipment people book (issue 4): who, what, until when."""
    loan = reserve(world, camera, at(1, 9), at(1, 12))
    assert loan.status == LoanStatus.RESERVED
    assert loan.borrower == world.user("teacher")
    assert loan.number.startswith(f"JY-{timezone.localdate().year}-")
    assert verbs(loan) == ["reserved"]
    assert "reserved" in verbs(camera)  # the card's timeline shows its whole life
    event = AuditEvent.objects.for_target(camera).get(verb="reserved")
    assert event.changes["loan"] == [None, loan.number]


def test_numbers_follow_each_other(world, camera):
    first = reserve(world, camera, at(1, 9), at(1, 10))
    second = reserve(world, camera, at(1, 10), at(1, 11))
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


def test_a_teacher_cannot_book_for_someone_else(world, camera):
    with pytest.raises(PermissionDenied):
        reserve(world, camera, at(1, 9), at(1, 12), borrower=world.user("head_teacher"))


def test_the_asset_clerk_books_for_a_teacher(world, camera):
    loan = reserve(
        world, camera, at(1, 9), at(1, 12), actor=world.user("asset_clerk"), borrower=world.user("teacher")
    )
    assert loan.borrower == world.user("teacher")
    assert loan.created_by == world.user("asset_clerk")


def test_a_teacher_cannot_book_an_asset_that_is_not_bookable(world):
    desk = make_asset(world, bookable=False, name="打印机")
    with pytest.raises(ValidationError) as exc:
        reserve(world, desk, at(1, 9), at(1, 12))
    assert "asset" in exc.value.message_dict


def test_the_asset_clerk_may_book_an_asset_that_is_not_bookable(world):
    printer = make_asset(world, bookable=False, name="打印机")
    loan = reserve(world, printer, at(1, 9), at(1, 12), actor=world.user("asset_clerk"))
    assert loan.status == LoanStatus.RESERVED


def test_due_time_must_be_after_the_start(world, camera):
    with pytest.raises(ValidationError) as exc:
        reserve(world, camera, at(1, 12), at(1, 9))
    assert "due_at" in exc.value.message_dict
    with pytest.raises(ValidationError):
        reserve(world, camera, at(1, 12), at(1, 12))


def test_a_start_in_the_past_is_refused(world, camera):
    with pytest.raises(ValidationError) as exc:
        reserve(world, camera, timezone.now() - dt.timedelta(hours=1), at(1, 12))
    assert "starts_at" in exc.value.message_dict


def test_a_start_a_few_minutes_ago_is_accepted(world, camera):
    """A form filled in over a few minutes names a start that has just passed."""
    loan = reserve(world, camera, timezone.now() - dt.timedelta(minutes=3), at(1, 12))
    assert loan.pk


def test_a_period_longer_than_a_term_is_refused(world, camera):
    with pytest.raises(ValidationError) as exc:
        reserve(world, camera, at(1), at(1 + loan_services.MAX_LOAN_DAYS + 1))
    assert "due_at" in exc.value.message_dict


def test_quantity_at_least_one_and_at_most_the_card(world):
    balls = make_asset(world, quantity=10, name="篮球")
    with pytest.raises(ValidationError) as exc:
        reserve(world, balls, at(1, 9), at(1, 12), quantity=0)
    assert "quantity" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        reserve(world, balls, at(1, 9), at(1, 12), quantity=11)
    assert "quantity" in exc.value.message_dict


@pytest.mark.parametrize("status", [AssetStatus.DISPOSED, AssetStatus.DAMAGED, AssetStatus.UNDER_REPAIR])
def test_disposed_damaged_or_under_repair_assets_cannot_be_booked(world, camera, status):
    Asset.objects.filter(pk=camera.pk).update(status=status)
    for actor in (world.user("teacher"), world.user("asset_clerk")):
        with pytest.raises(ValidationError) as exc:
            reserve(world, camera, at(1, 9), at(1, 12), actor=actor)
        assert "asset" in exc.value.message_dict


def test_another_schools_asset_is_refused(world, school_b):
    with pytest.raises(ValidationError) as exc:
        services.asset_loan_reserve(
            actor=world.user("asset_clerk"),
            school=world.school,
            asset=school_b.asset,
            starts_at=at(1, 9),
            due_at=at(1, 12),
        )
    assert exc.value.message_dict["asset"] == ["资产不属于本校。"]


def test_another_schools_borrower_is_refused(world, school_b, camera):
    with pytest.raises(ValidationError) as exc:
        reserve(
            world,
            camera,
            at(1, 9),
            at(1, 12),
            actor=world.user("asset_clerk"),
            borrower=school_b.user("teacher"),
        )
    assert "borrower" in exc.value.message_dict


def test_a_member_of_another_school_cannot_book_here(world, school_b, camera):
    """Someone with no membership in the school has no permission there."""
    with pytest.raises(PermissionDenied):
        reserve(world, camera, at(1, 9), at(1, 12), actor=school_b.user("teacher"))


# --- no double booking -----------------------------------------------------------------------------


def test_an_overlapping_booking_of_a_single_item_is_refused(world, camera):
    first = reserve(world, camera, at(1, 9), at(1, 12))
    with pytest.raises(ValidationError) as exc:
        reserve(world, camera, at(1, 11), at(1, 14), actor=world.user("head_teacher"))
    message = exc.value.message_dict["starts_at"][0]
    assert first.number in message  # says who holds it


def test_back_to_back_bookings_are_fine(world, camera):
    """Periods are half-open: one returned at 12:00, the next taken at 12:00."""
    reserve(world, camera, at(1, 9), at(1, 12))
    assert reserve(world, camera, at(1, 12), at(1, 14), actor=world.user("head_teacher")).pk


def test_a_booking_inside_another_is_refused(world, camera):
    reserve(world, camera, at(1, 8), at(3, 18))
    with pytest.raises(ValidationError):
        reserve(world, camera, at(2, 9), at(2, 10), actor=world.user("head_teacher"))


def test_a_batch_card_books_up_to_its_quantity(world):
    """A card may hold a batch (40 basketballs): bookings plus the request never exceed it."""
    balls = make_asset(world, quantity=3, name="篮球")
    reserve(world, balls, at(1, 9), at(1, 12), quantity=2)
    reserve(world, balls, at(1, 10), at(1, 11), quantity=1, actor=world.user("head_teacher"))
    with pytest.raises(ValidationError) as exc:
        reserve(world, balls, at(1, 10, 30), at(1, 13), quantity=1, actor=world.user("principal"))
    assert "0" in exc.value.message_dict["starts_at"][0]
    # after 11:00 one ball is free again
    assert reserve(world, balls, at(1, 11), at(1, 13), quantity=1, actor=world.user("principal")).pk


def test_the_rule_is_per_moment_not_a_sum_of_the_period(world):
    """Two bookings that never meet each other leave room for a third across both."""
    balls = make_asset(world, quantity=3, name="篮球")
    reserve(world, balls, at(1, 9), at(1, 10), quantity=2)
    reserve(world, balls, at(1, 11), at(1, 12), quantity=2, actor=world.user("head_teacher"))
    assert reserve(world, balls, at(1, 9), at(1, 12), quantity=1, actor=world.user("principal")).pk
    with pytest.raises(ValidationError):
        reserve(world, balls, at(1, 9), at(1, 12), quantity=1, actor=world.user("finance"))


def test_a_cancelled_booking_frees_its_period(world, camera):
    loan = reserve(world, camera, at(1, 9), at(1, 12))
    services.asset_loan_cancel(actor=world.user("teacher"), loan=loan)
    assert reserve(world, camera, at(1, 9), at(1, 12), actor=world.user("head_teacher")).pk


def test_a_double_click_does_not_book_twice(world):
    balls = make_asset(world, quantity=5, name="篮球")
    reserve(world, balls, at(1, 9), at(1, 12))
    with pytest.raises(ValidationError):
        reserve(world, balls, at(1, 9), at(1, 12))
    assert AssetLoan.objects.filter(asset=balls).count() == 1


def test_an_overdue_loan_keeps_its_item_busy_until_it_comes_back(world, camera):
    loan = services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=camera,
        borrower=world.user("teacher"),
        due_at=at(1, 12),
    )
    backdate(loan, due=timezone.now() - dt.timedelta(hours=2))
    with pytest.raises(ValidationError):
        reserve(world, camera, timezone.now(), soon(), actor=world.user("head_teacher"))
    # a booking for next week is taken: it should be back by then (the reminders chase it)
    assert reserve(world, camera, at(7, 9), at(7, 12), actor=world.user("head_teacher")).pk


# --- lending ---------------------------------------------------------------------------------------


def test_the_asset_clerk_lends_a_booking(world, camera):
    loan = reserve(world, camera, timezone.now(), at(1, 12))
    clerk = world.user("asset_clerk")
    loan = services.asset_loan_lend(actor=clerk, loan=loan, condition_out=Condition.GOOD)
    loan = fresh(loan)
    assert loan.status == LoanStatus.OUT
    assert loan.lent_by == clerk and loan.lent_at is not None
    assert loan.condition_out == Condition.GOOD
    camera = fresh(camera)
    assert camera.status == AssetStatus.BORROWED  # the whole card is out
    assert camera.last_used_on == timezone.localdate()  # 物尽其用: it was used today
    assert verbs(loan) == ["reserved", "lent"]
    assert verbs(camera)[-1] == "lent"
    event = AuditEvent.objects.for_target(camera).get(verb="lent")
    assert event.changes["status"] == [AssetStatus.IN_USE, AssetStatus.BORROWED]


def test_a_teacher_cannot_lend_even_their_own_booking(world, camera):
    loan = reserve(world, camera, timezone.now(), at(1, 12))
    with pytest.raises(PermissionDenied):
        services.asset_loan_lend(actor=world.user("teacher"), loan=loan)
    assert fresh(loan).status == LoanStatus.RESERVED


@pytest.mark.parametrize("condition", [Condition.DAMAGED, Condition.MISSING])
def test_a_damaged_or_missing_item_does_not_go_out(world, camera, condition):
    loan = reserve(world, camera, timezone.now(), at(1, 12))
    with pytest.raises(ValidationError) as exc:
        services.asset_loan_lend(actor=world.user("asset_clerk"), loan=loan, condition_out=condition)
    assert "condition_out" in exc.value.message_dict


def test_lending_part_of_a_batch_leaves_the_card_in_use(world):
    balls = make_asset(world, quantity=3, name="篮球")
    clerk = world.user("asset_clerk")
    first = reserve(world, balls, timezone.now(), at(1, 12), quantity=2)
    services.asset_loan_lend(actor=clerk, loan=first)
    assert fresh(balls).status == AssetStatus.IN_USE
    second = reserve(world, balls, timezone.now(), at(1, 12), quantity=1, actor=world.user("head_teacher"))
    services.asset_loan_lend(actor=clerk, loan=second)
    assert fresh(balls).status == AssetStatus.BORROWED
    services.asset_loan_return(actor=clerk, loan=first, condition_in=Condition.GOOD)
    assert fresh(balls).status == AssetStatus.IN_USE  # not the whole card is out any more


def test_lent_early_the_loan_starts_now(world, camera):
    loan = reserve(world, camera, at(1, 9), at(1, 12))
    loan = services.asset_loan_lend(actor=world.user("asset_clerk"), loan=loan)
    assert abs(fresh(loan).starts_at - timezone.now()) < dt.timedelta(minutes=1)


def test_lending_early_cannot_run_into_someone_elses_booking(world, camera):
    reserve(world, camera, timezone.now() + dt.timedelta(minutes=30), timezone.now() + dt.timedelta(hours=2))
    later = reserve(world, camera, at(2, 9), at(2, 12), actor=world.user("head_teacher"))
    with pytest.raises(ValidationError):
        services.asset_loan_lend(actor=world.user("asset_clerk"), loan=later)
    assert fresh(later).status == LoanStatus.RESERVED


def test_an_item_still_out_cannot_be_lent_again(world, camera):
    clerk = world.user("asset_clerk")
    first = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=at(1, 12)
    )
    backdate(first, due=timezone.now() - dt.timedelta(minutes=30))
    # booked before the first went overdue (written directly: the service would refuse it now)
    second = reserve(world, camera, at(3, 9), at(3, 12), actor=world.user("head_teacher"))
    AssetLoan.objects.filter(pk=second.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(ValidationError) as exc:
        services.asset_loan_lend(actor=clerk, loan=second)
    assert "借出未还" in str(exc.value)


def test_a_booking_whose_period_has_passed_cannot_be_lent(world, camera):
    loan = reserve(world, camera, timezone.now(), at(1, 12))
    backdate(loan, due=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.asset_loan_lend(actor=world.user("asset_clerk"), loan=loan)


def test_lending_a_damaged_asset_is_refused(world, camera):
    loan = reserve(world, camera, timezone.now(), at(1, 12))
    services.asset_set_status(actor=None, asset=camera, status=AssetStatus.DAMAGED)
    with pytest.raises(ValidationError):
        services.asset_loan_lend(actor=world.user("asset_clerk"), loan=loan)


def test_the_counter_lends_without_a_booking(world, camera):
    loan = services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=camera,
        borrower=world.user("teacher"),
        due_at=at(2, 17),
        purpose="运动会拍照",
        condition_out=Condition.WORN,
    )
    loan = fresh(loan)
    assert loan.status == LoanStatus.OUT and loan.condition_out == Condition.WORN
    assert verbs(loan) == ["created", "lent"]
    assert "reserved" not in verbs(camera)


def test_only_the_asset_clerk_lends_at_the_counter(world, camera):
    with pytest.raises(PermissionDenied):
        services.asset_loan_create_and_lend(
            actor=world.user("teacher"),
            school=world.school,
            asset=camera,
            borrower=world.user("teacher"),
            due_at=at(2, 17),
        )
    assert not AssetLoan.objects.filter(asset=camera).exists()


# --- returning -------------------------------------------------------------------------------------


def test_return_records_condition_and_puts_the_card_back_in_use(world, camera):
    clerk = world.user("asset_clerk")
    loan = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=at(1, 12)
    )
    loan = services.asset_loan_return(actor=clerk, loan=loan, condition_in=Condition.GOOD, note="完好")
    loan = fresh(loan)
    assert loan.status == LoanStatus.RETURNED
    assert loan.received_by == clerk and loan.returned_at is not None
    assert loan.condition_in == Condition.GOOD
    assert fresh(camera).status == AssetStatus.IN_USE
    assert verbs(loan)[-1] == "returned" and verbs(camera)[-1] == "returned"


def test_an_idle_card_goes_back_to_idle(world, camera):
    """The status before the loan is kept in the card's "lent" event and restored on return."""
    services.asset_set_status(actor=None, asset=camera, status=AssetStatus.IDLE)
    clerk = world.user("asset_clerk")
    loan = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=at(1, 12)
    )
    assert fresh(camera).status == AssetStatus.BORROWED
    services.asset_loan_return(actor=clerk, loan=loan, condition_in=Condition.GOOD)
    assert fresh(camera).status == AssetStatus.IDLE


def test_returned_damaged_is_recorded_for_the_damage_report(world, camera):
    clerk = world.user("asset_clerk")
    loan = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=at(1, 12)
    )
    services.asset_loan_return(actor=clerk, loan=loan, condition_in=Condition.DAMAGED, note="镜头碎裂")
    loan = fresh(loan)
    assert loan.condition_in == Condition.DAMAGED and loan.note == "镜头碎裂"
    event = AuditEvent.objects.for_target(camera).get(verb="returned")
    assert event.changes["condition_in"] == [None, "损坏"]


def test_a_late_return_says_how_late(world, camera):
    clerk = world.user("asset_clerk")
    loan = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=at(1, 12)
    )
    backdate(loan, due=timezone.now() - dt.timedelta(days=2, hours=1))
    services.asset_loan_return(actor=clerk, loan=loan, condition_in=Condition.GOOD)
    event = AuditEvent.objects.for_target(loan).get(verb="returned")
    assert event.changes["overdue"] == [None, "逾期 2 天"]


def test_the_borrower_cannot_sign_their_own_return(world, camera):
    loan = services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=camera,
        borrower=world.user("teacher"),
        due_at=at(1, 12),
    )
    with pytest.raises(PermissionDenied):
        services.asset_loan_return(actor=world.user("teacher"), loan=loan, condition_in=Condition.GOOD)


# --- cancelling and the transitions ----------------------------------------------------------------


def test_the_borrower_cancels_their_booking(world, camera):
    loan = reserve(world, camera, at(1, 9), at(1, 12))
    services.asset_loan_cancel(actor=world.user("teacher"), loan=loan, reason="课调了")
    loan = fresh(loan)
    assert loan.status == LoanStatus.CANCELLED and loan.note == "课调了"
    assert verbs(loan)[-1] == "loan_cancelled" and verbs(camera)[-1] == "loan_cancelled"


def test_the_asset_clerk_cancels_a_booking(world, camera):
    loan = reserve(world, camera, at(1, 9), at(1, 12))
    services.asset_loan_cancel(actor=world.user("asset_clerk"), loan=loan, reason="设备送修")
    assert fresh(loan).status == LoanStatus.CANCELLED


def test_someone_else_cannot_cancel_a_booking(world, camera):
    loan = reserve(world, camera, at(1, 9), at(1, 12))
    with pytest.raises(PermissionDenied):
        services.asset_loan_cancel(actor=world.user("head_teacher"), loan=loan)


def test_transitions_follow_loan_transitions(world, camera):
    """reserved → out → returned; reserved → cancelled; nothing else."""
    clerk = world.user("asset_clerk")
    booked = reserve(world, camera, at(1, 9), at(1, 12))
    with pytest.raises(ValidationError):
        services.asset_loan_return(actor=clerk, loan=booked, condition_in=Condition.GOOD)
    services.asset_loan_cancel(actor=clerk, loan=booked)
    with pytest.raises(ValidationError):
        services.asset_loan_lend(actor=clerk, loan=booked)
    with pytest.raises(ValidationError):
        services.asset_loan_cancel(actor=clerk, loan=booked)
    out = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=at(1, 8)
    )
    with pytest.raises(ValidationError):
        services.asset_loan_cancel(actor=clerk, loan=out)
    with pytest.raises(ValidationError):
        services.asset_loan_lend(actor=clerk, loan=out)
    services.asset_loan_return(actor=clerk, loan=out, condition_in=Condition.GOOD)
    with pytest.raises(ValidationError):
        services.asset_loan_return(actor=clerk, loan=out, condition_in=Condition.GOOD)


def test_bookings_nobody_picked_up_are_released(world, camera):
    """A no-show booking leaves the clerk's to-do once its period has passed (scheduler job)."""
    clerk = world.user("asset_clerk")
    no_show = reserve(world, camera, timezone.now(), soon(1))
    backdate(no_show, due=timezone.now() - dt.timedelta(minutes=5))
    later = reserve(world, camera, at(2, 9), at(2, 12), actor=world.user("head_teacher"))
    out = services.asset_loan_create_and_lend(
        actor=clerk,
        school=world.school,
        asset=make_asset(world, name="三脚架"),
        borrower=world.user("teacher"),
        due_at=soon(),
    )
    backdate(out, due=timezone.now() - dt.timedelta(minutes=5))
    assert services.asset_loan_release_no_shows() == 1
    no_show = fresh(no_show)
    assert no_show.status == LoanStatus.CANCELLED and "自动取消" in no_show.note
    assert fresh(later).status == LoanStatus.RESERVED and fresh(out).status == LoanStatus.OUT
    assert services.asset_loan_release_no_shows() == 0


def test_the_no_show_job_is_registered_with_the_scheduler():
    from houqin.notify.registry import jobs

    assert "assets.loan_no_shows" in {job.key for job in jobs()}


# --- reading ---------------------------------------------------------------------------------------


def test_utilisation_counts_every_booking_and_loan_but_not_cancelled_ones(world, camera):
    """物尽其用: each borrowing and booking counts (one query)."""
    clerk = world.user("asset_clerk")
    other = make_asset(world, name="投影仪")
    reserve(world, camera, at(1, 9), at(1, 10))
    services.asset_loan_cancel(actor=clerk, loan=reserve(world, camera, at(1, 10), at(1, 11)))
    lent = services.asset_loan_create_and_lend(
        actor=clerk, school=world.school, asset=camera, borrower=world.user("teacher"), due_at=soon()
    )
    services.asset_loan_return(actor=clerk, loan=lent, condition_in=Condition.GOOD)
    reserve(world, other, at(2, 9), at(2, 10))
    counts = services.asset_loan_counts(world.school)
    assert counts[camera.pk] == 2 and counts[other.pk] == 1
    later = services.asset_loan_counts(world.school, since=timezone.localdate() + dt.timedelta(days=2))
    assert camera.pk not in later and later[other.pk] == 1


def test_utilisation_counts_run_in_one_query(world, camera, django_assert_num_queries):
    reserve(world, camera, at(1, 9), at(1, 10))
    with django_assert_num_queries(1):
        services.asset_loan_counts(world.school, since=dt.date(2020, 1, 1))


def test_free_quantity_and_busy_list(world):
    balls = make_asset(world, quantity=4, name="篮球")
    reserve(world, balls, at(1, 9), at(1, 12), quantity=3)
    assert services.asset_loan_free_quantity(balls, at(1, 10), at(1, 11)) == 1
    assert services.asset_loan_free_quantity(balls, at(1, 12), at(1, 13)) == 4
    assert len(services.asset_loan_busy(balls, at(1, 0), at(2, 0))) == 1


def test_the_month_calendar_marks_free_partial_and_full_days(world, camera):
    reserve(world, camera, at(3, 9), at(3, 12))  # partly taken
    reserve(world, camera, at(5, 0), at(7, 0))  # days 5 and 6 taken all day

    def day(offset):
        target = timezone.localdate() + dt.timedelta(days=offset)
        month = services.asset_loan_month(camera, target.year, target.month)
        return next(d for d in month if d.day == target)

    assert day(3).state == "partial" and len(day(3).entries) == 1
    assert day(3).entries[0][1].hour == 9 and day(3).entries[0][2].hour == 12
    assert day(5).state == "full" and day(6).state == "full"
    assert day(4).state == "free" and day(4).entries == []
    assert day(7).state == "free"
    assert day(0).is_today


def test_the_month_calendar_of_a_batch_counts_free_items(world):
    balls = make_asset(world, quantity=3, name="篮球")
    reserve(world, balls, at(3, 9), at(3, 12), quantity=2)
    target = timezone.localdate() + dt.timedelta(days=3)
    month = services.asset_loan_month(balls, target.year, target.month)
    day = next(d for d in month if d.day == target)
    assert day.state == "partial" and day.free == 1


def test_the_month_calendar_runs_one_query(world, camera, django_assert_num_queries):
    reserve(world, camera, at(3, 9), at(3, 12))
    reserve(world, camera, at(4, 9), at(4, 12))
    with django_assert_num_queries(1):
        services.asset_loan_month(camera, 2026, 11)


def test_available_actions_by_role(world, camera):
    from houqin.core.permissions import attach_school_context

    class R:
        pass

    loan = reserve(world, camera, at(1, 9), at(1, 12))

    def actions(role):
        user = world.user(role)
        attach_school_context(R(), user, world.school.pk)
        return services.asset_loan_available_actions(loan, user)

    assert actions("teacher") == ["cancel"]  # the borrower
    assert actions("head_teacher") == []
    assert actions("asset_clerk") == ["lend", "cancel"]
    loan = services.asset_loan_lend(actor=world.user("asset_clerk"), loan=loan)
    assert actions("teacher") == []
    assert actions("asset_clerk") == ["return"]
