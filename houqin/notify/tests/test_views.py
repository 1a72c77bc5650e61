"""Pages: the bell, my notifications, my settings, robots and reminder rules for the school admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.notify import services
from houqin.notify.models import (
    Notification,
    NotificationPreference,
    ReminderRule,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def _send(world, user, n=1, **kw):
    for i in range(n):
        services.notify(school=world.school, recipients=[user], kind="system", title=f"通知{i}", **kw)


def test_bell_shows_the_unread_count(client, school_a):
    teacher = school_a.user("teacher")
    client.force_login(teacher)
    assert 'bi-bell"' in client.get("/").content.decode()
    _send(school_a, teacher, 3)
    body = client.get("/").content.decode()
    assert "bi-bell-fill" in body and "3 条未读通知" in body
    assert reverse("notify:notificationpreference_update") in body  # 通知设置 in the user menu


def test_bell_counts_in_one_query_and_shows_99_plus(client, school_a):
    teacher = school_a.user("teacher")
    client.force_login(teacher)
    Notification.objects.bulk_create(
        [
            Notification(school=school_a.school, recipient=teacher, kind="system", title=f"n{i}")
            for i in range(120)
        ]
    )
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/").content.decode()
    assert "99+" in body
    assert sum("notify_notification" in q["sql"] for q in ctx.captured_queries) == 1


def test_list_shows_only_my_notifications_of_this_school(client, school_a, school_b):
    teacher, guard = school_a.user("teacher"), school_a.user("guard")
    services.notify(school=school_a.school, recipients=[teacher], kind="system", title="给老师的")
    services.notify(school=school_a.school, recipients=[guard], kind="system", title="给门卫的")
    client.force_login(teacher)
    body = client.get(reverse("notify:notification_list")).content.decode()
    assert "给老师的" in body and "给门卫的" not in body


def test_open_marks_read_and_goes_to_the_link(client, school_a):
    teacher = school_a.user("teacher")
    (n,) = services.notify(
        school=school_a.school,
        recipients=[teacher],
        kind="system",
        title="去看看",
        url=school_a.room.get_absolute_url(),
    )
    client.force_login(teacher)
    assert client.get(reverse("notify:notification_read", args=[n.pk])).status_code == 405
    response = client.post(reverse("notify:notification_read", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == school_a.room.get_absolute_url()
    n.refresh_from_db()
    assert n.read_at is not None
    (other,) = services.notify(
        school=school_a.school, recipients=[school_a.user("guard")], kind="system", title="x"
    )
    assert client.post(reverse("notify:notification_read", args=[other.pk])).status_code == 404


def test_mark_all_read_and_unread_filter(client, school_a):
    teacher = school_a.user("teacher")
    _send(school_a, teacher, 2)
    client.force_login(teacher)
    assert "通知1" in client.get(reverse("notify:notification_list") + "?unread=1").content.decode()
    response = client.post(reverse("notify:notification_read_all"))
    assert response.status_code == 302
    assert services.unread_count(user=teacher, school=school_a.school) == 0
    assert "通知1" not in client.get(reverse("notify:notification_list") + "?unread=1").content.decode()


def test_list_query_count_does_not_grow(client, school_a):
    teacher = school_a.user("teacher")
    client.force_login(teacher)
    url = reverse("notify:notification_list")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _send(school_a, teacher, 3, actor=school_a.user("principal"))
    count()
    small = count()
    Notification.objects.bulk_create(
        [
            Notification(
                school=school_a.school,
                recipient=teacher,
                kind="system",
                title=f"n{i}",
                actor=school_a.user("guard"),
            )
            for i in range(300)
        ]
    )
    assert count() == small
    htmx = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert 'id="results"' in htmx and "<html" not in htmx


def test_preferences_page(client, school_a):
    teacher = school_a.user("teacher")
    client.force_login(teacher)
    url = reverse("notify:notificationpreference_update")
    assert "请先" in client.get(url).content.decode() or "还没有填写邮箱" in client.get(url).content.decode()
    teacher.email = "t@example.org"
    teacher.save()
    response = client.post(url, {"email__system": "on"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=teacher, kind="system").enabled is True
    assert services.preferences_for(teacher)["approval.pending"]["email"] is False


def test_robots_pages_for_the_school_admin_only(client, school_a, local_robots):
    client.force_login(school_a.user("teacher"))
    assert client.get(reverse("notify:webhookendpoint_list")).status_code == 403
    assert client.get(reverse("notify:reminderrule_list")).status_code == 403
    admin = school_a.user("school_admin")
    client.force_login(admin)
    body = client.get(reverse("notify:webhookendpoint_list")).content.decode()
    assert "总务群" in body and "已设置" in body and "sample-key" not in body
    response = client.post(
        reverse("notify:webhookendpoint_create"),
        {
            "name": "维修群",
            "provider": "dingtalk",
            "url": "http://127.0.0.1:9/robot?access_token=tok",
            "secret": "SECx",
            "kinds": ["reminder.overdue"],
        },
    )
    assert response.status_code == 302, response.content.decode()
    endpoint = WebhookEndpoint.objects.for_school(school_a.school).get(name="维修群")
    edit = client.get(reverse("notify:webhookendpoint_update", args=[endpoint.pk])).content.decode()
    assert "access_token=tok" not in edit and "SECx" not in edit and "已设置，留空则不修改" in edit
    response = client.post(
        reverse("notify:webhookendpoint_update", args=[endpoint.pk]),
        {"name": "维修群", "provider": "dingtalk", "url": "", "secret": "", "kinds": ["reminder.overdue"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active is False  # the box was not ticked: deactivated
    assert endpoint.url.endswith("access_token=tok") and endpoint.secret == "SECx"


def test_robot_form_errors_keep_the_input(client, school_a, settings):
    settings.HOUQIN_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com"]
    client.force_login(school_a.user("school_admin"))
    response = client.post(
        reverse("notify:webhookendpoint_create"),
        {"name": "坏地址", "provider": "wecom", "url": "https://evil.example/x", "kinds": ["system"]},
    )
    assert response.status_code == 200
    assert "只允许这些主机" in response.content.decode()


def test_send_test_message_button_and_failures_shown(client, school_a, local_robots):
    client.force_login(school_a.user("school_admin"))
    endpoint = WebhookEndpoint.objects.for_school(school_a.school).get()
    response = client.post(reverse("notify:webhookendpoint_test", args=[endpoint.pk]))
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").get()
    delivery.attempts, delivery.last_error = 2, "HTTP 错误 500"
    delivery.save()
    body = client.get(reverse("notify:webhookendpoint_list")).content.decode()
    assert "HTTP 错误 500" in body and "已尝试 2 次" in body


def test_reminder_rule_pages(client, school_a):
    client.force_login(school_a.user("school_admin"))
    assert "机器人故障" in client.get(reverse("notify:reminderrule_list")).content.decode()
    response = client.post(
        reverse("notify:reminderrule_create"),
        {
            "name": "机器人故障上报",
            "source": "notify.webhook_failing",
            "days_before": 0,
            "notify": "responsible",
            "escalate_after_days": 2,
            "escalate_to_role": "principal",
        },
    )
    assert response.status_code == 302, response.content.decode()
    rule = ReminderRule.objects.for_school(school_a.school).get(name="机器人故障上报")
    response = client.post(
        reverse("notify:reminderrule_update", args=[rule.pk]),
        {
            "name": rule.name,
            "source": rule.source,
            "days_before": 1,
            "notify": "responsible",
            "escalate_after_days": 3,
            "escalate_to_role": "",
        },
    )
    assert response.status_code == 200 and "请选择上报给哪个角色" in response.content.decode()
    response = client.post(
        reverse("notify:reminderrule_update", args=[rule.pk]),
        {
            "name": rule.name,
            "source": rule.source,
            "days_before": 1,
            "notify": "responsible",
            "escalate_to_role": "",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.is_active is False and rule.days_before == 1


def test_new_schools_grant_notify_permissions_to_the_school_admin(school_a):
    codes = set(school_a.role("school_admin").permissions.values_list("codename", flat=True))
    assert {"view_webhookendpoint", "add_webhookendpoint", "change_reminderrule"} <= codes
    assert "view_webhookendpoint" not in set(
        school_a.role("teacher").permissions.values_list("codename", flat=True)
    )
