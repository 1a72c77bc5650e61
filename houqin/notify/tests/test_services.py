"""notify(): the contract every module calls (事事有落实: every matter reaches its people)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from houqin.core.testing import make_school
from houqin.notify import services
from houqin.notify.choices import Channel
from houqin.notify.models import Notification, NotificationPreference, WebhookDelivery

pytestmark = pytest.mark.django_db


def test_notify_writes_one_notification_per_recipient_with_target_and_actor(school_a):
    director, teacher = school_a.user("logistics_director"), school_a.user("teacher")
    rows = services.notify(
        school=school_a.school,
        recipients=[director, teacher, teacher, None],
        kind="approval.pending",
        title="请审批：采购电脑",
        body="金额 5,000 元",
        url="/org/locations/1/",
        actor=teacher,
        target=school_a.room,
    )
    assert len(rows) == 2
    assert {n.recipient for n in rows} == {director, teacher}
    n = Notification.objects.get(recipient=director)
    assert n.school == school_a.school and n.target == school_a.room and n.actor == teacher
    assert n.url == "/org/locations/1/" and n.read_at is None and n.kind_label == "待我审批"


def test_unknown_kind_is_a_programming_error(school_a):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(school=school_a.school, recipients=[], kind="nope", title="x")


def test_links_must_be_paths_of_this_site(school_a):
    user = school_a.user("teacher")
    for bad in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        (n,) = services.notify(school=school_a.school, recipients=[user], kind="system", title="t", url=bad)
        assert n.url == ""


def test_inactive_people_get_nothing(school_a):
    user = school_a.user("teacher")
    user.is_active = False
    user.save()
    assert services.notify(school=school_a.school, recipients=[user], kind="system", title="t") == []


def test_email_follows_the_kind_default_and_the_persons_choice(
    school_a, immediate_tasks, django_capture_on_commit_callbacks
):
    director = school_a.user("logistics_director")
    director.email = "director@example.org"
    director.save()
    teacher = school_a.user("teacher")  # no address: never e-mailed
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            school=school_a.school,
            recipients=[director, teacher],
            kind="approval.pending",  # default: app + email
            title="请审批",
            url="/notify/",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["director@example.org"]
    assert "请审批" in mail.outbox[0].subject and "/notify/" in mail.outbox[0].body

    services.preference_set(user=director, kind="approval.pending", channel=Channel.EMAIL, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            school=school_a.school, recipients=[director], kind="approval.pending", title="再审批"
        )
    assert len(mail.outbox) == 1  # opted out

    services.preference_set(user=director, kind="system", channel=Channel.EMAIL, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(school=school_a.school, recipients=[director], kind="system", title="系统")
    assert len(mail.outbox) == 2  # opted in to a kind that is in-app only by default


def test_a_rolled_back_change_sends_nothing(school_a, immediate_tasks):
    from django.db import transaction

    director = school_a.user("logistics_director")
    director.email = "d@example.org"
    director.save()
    try:
        with transaction.atomic():
            services.notify(school=school_a.school, recipients=[director], kind="approval.pending", title="x")
            raise RuntimeError("the caller's change failed")
    except RuntimeError:
        pass
    assert mail.outbox == []
    assert not Notification.objects.filter(title="x").exists()


def test_in_app_cannot_be_switched_off_and_email_needs_an_address(school_a):
    teacher = school_a.user("teacher")
    with pytest.raises(ValidationError):
        services.preference_set(user=teacher, kind="system", channel=Channel.APP, enabled=False)
    with pytest.raises(ValidationError):
        services.preference_set(user=teacher, kind="system", channel=Channel.EMAIL, enabled=True)
    with pytest.raises(ValidationError):
        services.preference_set(user=teacher, kind="nope", channel=Channel.EMAIL, enabled=False)
    services.preference_set(user=teacher, kind="system", channel=Channel.EMAIL, enabled=False)
    assert NotificationPreference.objects.filter(user=teacher).count() == 1


def test_preferences_update_writes_only_changes(school_a):
    user = school_a.user("teacher")
    user.email = "t@example.org"
    user.save()
    services.preferences_update(user=user, email_kinds=["system", "approval.pending"])
    prefs = services.preferences_for(user)
    assert prefs["system"]["email"] is True
    assert prefs["approval.decided"]["email"] is False
    assert prefs["approval.pending"]["email"] is True
    assert all(p["app"] for p in prefs.values())
    # kinds left at their default get no row: approval.pending (e-mail on), reminder.due (off)
    kinds_written = set(NotificationPreference.objects.filter(user=user).values_list("kind", flat=True))
    assert {"system", "approval.decided"} <= kinds_written
    assert not kinds_written & {"approval.pending", "reminder.due"}


def test_mark_read_is_personal_and_mark_all_read_stays_in_the_school(school_a):
    b = make_school("b2")
    user = school_a.user("teacher")
    other = school_a.user("guard")
    (mine,) = services.notify(school=school_a.school, recipients=[user], kind="system", title="1")
    services.notify(school=school_a.school, recipients=[user], kind="system", title="2")
    (theirs,) = services.notify(school=school_a.school, recipients=[other], kind="system", title="3")
    with pytest.raises(ValidationError):
        services.notification_mark_read(user=user, notification=theirs)
    services.notification_mark_read(user=user, notification=mine)
    mine.refresh_from_db()
    assert mine.read_at is not None
    # the same person in another school: that school's notifications are not touched
    from houqin.core.testing import join_school

    join_school(user, b, "teacher")
    services.notify(school=b.school, recipients=[user], kind="system", title="4")
    assert services.unread_count(user=user, school=school_a.school) == 1
    assert services.notification_mark_all_read(user=user, school=school_a.school) == 1
    assert services.unread_count(user=user, school=school_a.school) == 0
    assert services.unread_count(user=user, school=b.school) == 1
    assert services.unread_count(user=other, school=school_a.school) == 1


def test_robots_receive_only_their_kinds_one_message_per_event(school_a):
    services.notify(
        school=school_a.school,
        recipients=[school_a.user("teacher"), school_a.user("guard")],
        kind="system",  # the sample robot receives "system"
        title="停电通知",
        url="/notify/",
    )
    deliveries = WebhookDelivery.objects.for_school(school_a.school).filter(payload__title="停电通知")
    assert deliveries.count() == 1
    assert deliveries.get().payload["url"].endswith("/notify/")
    services.notify(school=school_a.school, recipients=[], kind="approval.pending", title="不发群")
    assert not WebhookDelivery.objects.filter(payload__title="不发群").exists()
