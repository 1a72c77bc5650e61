"""Overdue reminders (issue 4: "overdue reminders"): the scheduler reminds the borrower on the due day
and every day after, and tells the asset clerk once a loan is three days overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from houqin.assets import providers_loans, services
from houqin.assets.choices import Condition
from houqin.notify.models import Notification, ReminderRule
from houqin.notify.services import reminders_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school_a):
    return school_a


def lend_due(world, days: int, hour: int = 17):
    """A camera lent now, due ``days`` from today at ``hour``."""
    due = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), dt.time(hour, 0))
    )
    services.asset_loan_cancel(actor=None, loan=world.asset_loan)  # the sample booking is in the way
    return services.asset_loan_create_and_lend(
        actor=world.user("asset_clerk"),
        school=world.school,
        asset=world.asset,
        borrower=world.user("teacher"),
        due_at=due,
    )


def reminders(**filters):
    return Notification.objects.filter(kind__startswith="reminder.", title__contains="归还", **filters)


def test_every_new_school_gets_the_loan_reminder_rule(world):
    rule = ReminderRule.objects.for_school(world.school).get(source=providers_loans.OVERDUE_SOURCE)
    assert rule.days_before == 0 and rule.notify == "responsible"
    assert rule.escalate_after_days == 3 and rule.escalate_to_role == "asset_clerk"
    providers_loans.seed_loan_reminder(world.school)  # idempotent
    assert (
        ReminderRule.objects.for_school(world.school).filter(source=providers_loans.OVERDUE_SOURCE).count()
        == 1
    )


def test_the_borrower_is_reminded_on_the_due_day_once(world):
    loan = lend_due(world, 1)
    due_day = timezone.localdate() + dt.timedelta(days=1)
    reminders_run(today=due_day - dt.timedelta(days=1))
    assert not reminders().exists()  # not due yet
    reminders_run(today=due_day)
    sent = reminders(kind="reminder.due")
    assert list(sent.values_list("recipient", flat=True)) == [world.user("teacher").pk]
    assert loan.number in sent.get().title and sent.get().url == loan.get_absolute_url()
    reminders_run(today=due_day)  # once a day
    assert reminders().count() == 1


def test_overdue_is_reminded_daily_and_escalated_to_the_asset_clerk(world):
    lend_due(world, 1)
    due_day = timezone.localdate() + dt.timedelta(days=1)
    reminders_run(today=due_day + dt.timedelta(days=1))
    overdue = reminders(kind="reminder.overdue")
    assert set(overdue.values_list("recipient", flat=True)) == {world.user("teacher").pk}
    assert "已逾期 1 天" in overdue.get().title
    reminders_run(today=due_day + dt.timedelta(days=3))
    clerk = reminders(recipient=world.user("asset_clerk"))
    assert clerk.count() == 1 and "已逾期 3 天" in clerk.get().title
    assert reminders(recipient=world.user("teacher")).count() == 2


def test_returned_loans_are_not_reminded(world):
    loan = lend_due(world, 1)
    services.asset_loan_return(actor=world.user("asset_clerk"), loan=loan, condition_in=Condition.GOOD)
    reminders_run(today=timezone.localdate() + dt.timedelta(days=5))
    assert not reminders().exists()


def test_bookings_not_yet_lent_are_not_reminded(world):
    """Only items that went out are chased; a booking nobody picked up is the clerk's to-do."""
    reminders_run(today=timezone.localdate() + dt.timedelta(days=30))
    assert not reminders().exists()


def test_the_provider_gives_items_due_on_or_before_the_day(world):
    loan = lend_due(world, 2)
    today = timezone.localdate()
    assert list(providers_loans.due_overdue_loans(world.school, today + dt.timedelta(days=1))) == []
    items = list(providers_loans.due_overdue_loans(world.school, today + dt.timedelta(days=2)))
    assert [i.target for i in items] == [loan]
    assert items[0].due_date == today + dt.timedelta(days=2)
    assert items[0].responsible_users == [world.user("teacher")]
