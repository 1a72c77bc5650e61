"""API: /api/v1/notifications/ — mine only, in the current school; mark one or all read."""

from __future__ import annotations

import pytest

from houqin.core.testing import join_school
from houqin.notify import services
from houqin.notify.models import Notification

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/"


def test_list_is_personal_and_per_school(client, school_a, school_b):
    teacher = school_a.user("teacher")
    join_school(teacher, school_b, "teacher")
    services.notify(school=school_a.school, recipients=[teacher], kind="system", title="A校通知")
    services.notify(
        school=school_a.school, recipients=[school_a.user("guard")], kind="system", title="门卫的"
    )
    services.notify(school=school_b.school, recipients=[teacher], kind="system", title="B校通知")
    client.force_login(teacher)
    data = client.get(URL, HTTP_X_HOUQIN_SCHOOL=str(school_a.school.pk)).json()
    assert [r["title"] for r in data["results"]] == ["A校通知"]
    assert data["results"][0]["kind_label"] == "系统消息" and data["results"][0]["is_read"] is False
    data = client.get(URL, HTTP_X_HOUQIN_SCHOOL=str(school_b.school.pk)).json()
    assert [r["title"] for r in data["results"]] == ["B校通知"]


def test_mark_read_and_read_all(client, school_a):
    teacher = school_a.user("teacher")
    (n,) = services.notify(school=school_a.school, recipients=[teacher], kind="system", title="1")
    services.notify(school=school_a.school, recipients=[teacher], kind="system", title="2")
    (other,) = services.notify(
        school=school_a.school, recipients=[school_a.user("guard")], kind="system", title="3"
    )
    client.force_login(teacher)
    response = client.patch(f"{URL}{n.pk}/", {"is_read": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert (
        client.patch(f"{URL}{other.pk}/", {"is_read": True}, content_type="application/json").status_code
        == 404
    )
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.patch(f"{URL}{n.pk}/", {}, content_type="application/json").status_code == 400
    assert client.get(URL, {"unread": "1"}).json()["count"] == 1
    assert client.post(f"{URL}read-all/").json() == {"marked": 1}
    assert client.get(URL, {"unread": "true"}).json()["count"] == 0
    other.refresh_from_db()
    assert other.read_at is None


def test_no_role_permission_needed_but_a_school_is(client, school_a):
    from django.contrib.auth import get_user_model

    client.force_login(school_a.user("canteen_staff"))
    assert client.get(URL).status_code == 200
    loner = get_user_model().objects.create_user("loner", password="x-y-z-123456")
    client.force_login(loner)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 401


def test_list_query_count_does_not_grow(client, school_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    teacher = school_a.user("teacher")
    client.force_login(teacher)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(URL)
        return len(ctx.captured_queries)

    services.notify(school=school_a.school, recipients=[teacher], kind="system", title="0", actor=teacher)
    count()
    small = count()
    Notification.objects.bulk_create(
        [
            Notification(
                school=school_a.school, recipient=teacher, kind="system", title=f"n{i}", actor=teacher
            )
            for i in range(200)
        ]
    )
    assert count() == small
