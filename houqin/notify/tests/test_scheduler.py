"""The scheduler: idempotent every minute, twice at once, after a gap; reminder rules as data."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from houqin.notify import scheduler, services
from houqin.notify.choices import RESPONSIBLE
from houqin.notify.models import Notification, ReminderSent, ScheduledRun, WebhookEndpoint
from houqin.notify.registry import jobs

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 1, 30, 15, tzinfo=dt.UTC)  # 09:30 Beijing time


def test_slots_are_aligned_to_the_period():
    assert scheduler.slot_start(dt.timedelta(hours=1), T0) == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    assert scheduler.slot_start(dt.timedelta(minutes=1), T0) == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def test_registered_jobs():
    keys = {j.key for j in jobs()}
    assert {"notify.reminders", "notify.webhook_retries"} <= keys


def test_each_job_starts_once_per_slot(immediate_tasks):
    started = scheduler.run_due_jobs(now=T0)
    assert {"notify.reminders", "notify.webhook_retries"} <= set(started)
    assert scheduler.run_due_jobs(now=T0 + dt.timedelta(seconds=20)) == []  # same minute: nothing
    again = scheduler.run_due_jobs(now=T0 + dt.timedelta(minutes=1))
    assert "notify.webhook_retries" in again and "notify.reminders" not in again  # same hour
    assert ScheduledRun.objects.filter(job="notify.reminders").count() == 1


def test_after_a_gap_a_job_runs_once_for_the_current_slot_only(immediate_tasks):
    scheduler.run_due_jobs(now=T0)
    later = T0 + dt.timedelta(days=2, hours=5)
    assert "notify.reminders" in scheduler.run_due_jobs(now=later)
    assert ScheduledRun.objects.filter(job="notify.reminders").count() == 2


def test_enqueued_with_the_database_backend():
    """The default backend queues a task row for db_worker in the same transaction as the run row;
    the minute retry job queues one only when a robot message is due."""
    from django_tasks_db.models import DBTaskResult

    before = DBTaskResult.objects.count()
    started = scheduler.run_due_jobs(now=T0)
    assert {"notify.reminders", "notify.webhook_retries"} <= set(started)
    assert DBTaskResult.objects.count() == before + 1  # reminders; no retry due


def test_old_runs_are_pruned(immediate_tasks):
    ScheduledRun.objects.create(job="old", slot_start=T0 - dt.timedelta(days=40))
    scheduler.run_due_jobs(now=T0)
    assert not ScheduledRun.objects.filter(job="old").exists()


def test_the_command_runs_once_and_lists_jobs(immediate_tasks, capsys):
    call_command("scheduler", "--list")
    assert "notify.reminders" in capsys.readouterr().out
    call_command("scheduler")
    call_command("scheduler")
    now = timezone.now()
    slot = scheduler.slot_start(dt.timedelta(hours=1), now)
    assert ScheduledRun.objects.filter(job="notify.reminders", slot_start=slot).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_start_each_job_once(settings):
    """Real concurrency needs a real server: SQLite's in-memory test database locks whole tables."""
    if connection.vendor == "sqlite":
        pytest.skip("needs PostgreSQL (SQLite's shared-cache test database cannot run two writers)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    results, errors = [], []

    def run():
        try:
            results.append(scheduler.run_due_jobs(now=T0))
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    started = [key for r in results for key in r]
    assert started.count("notify.reminders") == 1
    assert ScheduledRun.objects.filter(job="notify.reminders").count() == 1


# --- reminder rules over the real provider "notify.webhook_failing" ------------------------------------


def _failing(world, *, days_ago: int, failures: int = 3) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_school(world.school).get()
    endpoint.consecutive_failures = failures
    endpoint.failing_since = timezone.now() - dt.timedelta(days=days_ago)
    endpoint.last_error = "HTTP 错误 500"
    endpoint.save()
    return endpoint


def test_due_reminder_once_a_day_to_the_responsible_people(school_a):
    """The sample rule (days_before=0, notify=responsible) reminds the school admins on the day the
    robot started failing, once per day however often the hourly job runs."""
    _failing(school_a, days_ago=0)
    today = timezone.localdate()
    assert services.reminders_run(today=today) == 1
    assert services.reminders_run(today=today) == 0
    n = Notification.objects.get(kind="reminder.due")
    assert n.recipient == school_a.user("school_admin")
    assert "连续发送失败 3 次" in n.title and n.url == "/notify/robots/"


def test_fewer_failures_are_not_due(school_a):
    _failing(school_a, days_ago=1, failures=2)
    assert services.reminders_run(today=timezone.localdate()) == 0


def _webhook_rule_only(world):
    """The sample webhook rule, with the school's other rules (approvals waiting) switched off."""
    rules = services.ReminderRule.objects.for_school(world.school)
    rules.exclude(source="notify.webhook_failing").update(is_active=False)
    return rules.get(source="notify.webhook_failing")


def test_overdue_every_day_and_escalated_after_n_days(school_a):
    rule = _webhook_rule_only(school_a)
    services.reminder_rule_update(
        actor=None, rule=rule, data={"escalate_after_days": 2, "escalate_to_role": "principal"}
    )
    _failing(school_a, days_ago=0)
    today = timezone.localdate()
    services.reminders_run(today=today + dt.timedelta(days=1))
    assert Notification.objects.filter(kind="reminder.overdue").count() == 1  # admin only
    services.reminders_run(today=today + dt.timedelta(days=2))
    overdue = Notification.objects.filter(kind="reminder.overdue")
    assert overdue.count() == 3  # admin again + principal (escalated)
    assert overdue.filter(recipient=school_a.user("principal")).count() == 1
    assert "已逾期 2 天" in overdue.filter(recipient=school_a.user("principal")).get().title
    assert set(ReminderSent.objects.values_list("kind", flat=True)) == {"overdue", "escalated"}


def test_rule_to_a_role_and_inactive_rules(school_a):
    rule = _webhook_rule_only(school_a)
    services.reminder_rule_update(actor=None, rule=rule, data={"notify": "logistics_director"})
    _failing(school_a, days_ago=0)
    services.reminders_run()
    assert Notification.objects.get(kind="reminder.due").recipient == school_a.user("logistics_director")
    services.reminder_rule_update(actor=None, rule=rule, data={"is_active": False})
    assert services.reminders_run(today=timezone.localdate() + dt.timedelta(days=1)) == 0


def test_rule_checks(school_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.reminder_rule_create(
            actor=None,
            school=school_a.school,
            name="x",
            source="no.such.source",
            notify="no_such_role",
            escalate_after_days=3,
        )
    assert set(exc.value.message_dict) == {"source", "notify", "escalate_to_role"}
    rule = services.reminder_rule_create(
        actor=None, school=school_a.school, name="规则", source="notify.webhook_failing", notify=RESPONSIBLE
    )
    with pytest.raises(ValidationError) as exc:
        services.reminder_rule_create(
            actor=None, school=school_a.school, name="规则", source="notify.webhook_failing"
        )
    assert "name" in exc.value.message_dict
    assert rule.source_label == "群机器人连续发送失败"


def test_reminders_job_through_the_scheduler(school_a, immediate_tasks):
    _failing(school_a, days_ago=0)
    scheduler.run_due_jobs(now=timezone.now(), only=["notify.reminders"])
    assert Notification.objects.filter(kind="reminder.due").count() == 1
