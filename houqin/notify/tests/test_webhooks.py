"""Group robots (企业微信 / 钉钉): encrypted addresses, signing, sending through a task, retries with
backoff, failures shown to the school admin. The robot is a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from houqin.core.models import AuditEvent
from houqin.notify import senders, services
from houqin.notify.choices import MAX_ATTEMPTS, DeliveryStatus, Provider
from houqin.notify.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def _robot(world, server, *, provider=Provider.WECOM, secret="", kinds=("system",), name="测试群"):
    return services.webhook_endpoint_create(
        actor=world.user("school_admin"),
        school=world.school,
        name=name,
        provider=provider,
        url=server.url(),
        secret=secret,
        kinds=list(kinds),
    )


def test_url_and_secret_are_encrypted_at_rest_and_not_in_the_audit_trail(school_a, robot_server):
    endpoint = _robot(school_a, robot_server, provider=Provider.DINGTALK, secret="SECabc123")
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notify_webhookendpoint WHERE id = %s", [endpoint.pk])
        raw_url, raw_secret = cursor.fetchone()
    assert raw_url.startswith("fernet:") and str(robot_server.port) not in raw_url
    assert raw_secret.startswith("fernet:") and "SECabc123" not in raw_secret
    endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert endpoint.url == robot_server.url() and endpoint.secret == "SECabc123"
    event = AuditEvent.objects.for_target(endpoint).get()
    assert "SECabc123" not in str(event.changes) and "key=k1" not in str(event.changes)


def test_only_allowed_robot_hosts(school_a, settings):
    settings.HOUQIN_WEBHOOK_HOSTS = ["qyapi.weixin.qq.com"]
    for bad in [
        "http://qyapi.weixin.qq.com/x",
        "https://10.0.0.1/x",
        "ftp://qyapi.weixin.qq.com/",
        "nonsense",
    ]:
        with pytest.raises(ValidationError) as exc:
            services.webhook_endpoint_create(
                actor=None, school=school_a.school, name="x", provider="wecom", url=bad, kinds=["system"]
            )
        assert "url" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.webhook_endpoint_create(
            actor=None,
            school=school_a.school,
            name="x",
            provider="wecom",
            url="https://qyapi.weixin.qq.com/a",
            kinds=[],
        )
    assert "kinds" in exc.value.message_dict


def test_wecom_message_is_sent_by_the_task(
    school_a, robot_server, immediate_tasks, django_capture_on_commit_callbacks
):
    endpoint = _robot(school_a, robot_server)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            school=school_a.school,
            recipients=[],
            kind="system",
            title="明天停水",
            body="8:00-12:00",
            url="/notify/",
        )
    assert len(robot_server.requests) == 1
    body = robot_server.requests[0]["body"]
    assert body["msgtype"] == "markdown"
    assert "明天停水" in body["markdown"]["content"] and "8:00-12:00" in body["markdown"]["content"]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    endpoint.refresh_from_db()
    assert endpoint.last_success_at is not None and endpoint.consecutive_failures == 0


def test_dingtalk_signed_robot(school_a, robot_server, immediate_tasks, django_capture_on_commit_callbacks):
    secret = "SEC0123456789"
    _robot(school_a, robot_server, provider=Provider.DINGTALK, secret=secret)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(school=school_a.school, recipients=[], kind="system", title="钉钉测试")
    (request,) = robot_server.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected
    assert query["key"] == ["k1"]
    assert request["body"]["markdown"]["title"] == "钉钉测试"


def test_failures_are_retried_with_backoff_then_given_up(school_a, robot_server):
    robot_server.answers = [(200, {"errcode": 310000, "errmsg": "keywords not in content"})]
    endpoint = _robot(school_a, robot_server)
    delivery = services.webhook_endpoint_send_test(actor=None, endpoint=endpoint)
    now = timezone.now()
    waits = []
    for _attempt in range(MAX_ATTEMPTS):
        status = services.webhook_delivery_attempt(delivery_id=delivery.pk, now=now)
        delivery.refresh_from_db()
        if status == DeliveryStatus.PENDING:
            waits.append(delivery.next_attempt_at - now)
            # not due yet: a second worker or the minute job does nothing
            assert services.webhook_delivery_attempt(delivery_id=delivery.pk, now=now) is None
            now = delivery.next_attempt_at
    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
    ]
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert "310000" in delivery.last_error
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == MAX_ATTEMPTS and "310000" in endpoint.last_error
    assert endpoint.failing_since is not None
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk, now=now + dt.timedelta(days=1)) is None


def test_retry_job_sends_due_deliveries_and_a_success_resets_the_failure_count(school_a, robot_server):
    robot_server.answers = [(500, {}), (200, {"errcode": 0})]
    endpoint = _robot(school_a, robot_server)
    delivery = services.webhook_endpoint_send_test(actor=None, endpoint=endpoint)
    assert services.webhook_deliveries_retry() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "500" in delivery.last_error
    assert services.webhook_deliveries_retry() == 0  # waits a minute
    assert services.webhook_deliveries_retry(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_unreachable_robot_and_redirects_are_failures(school_a, robot_server, local_robots):
    robot_server.answers = [(302, {})]
    endpoint = _robot(school_a, robot_server)
    delivery = services.webhook_endpoint_send_test(actor=None, endpoint=endpoint)
    services.webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_error
    with pytest.raises(senders.SendError):
        senders.post(provider="wecom", url="http://127.0.0.1:1/x", secret="", payload={"title": "t"})


def test_deactivated_robot_gets_nothing_more(school_a, robot_server):
    endpoint = _robot(school_a, robot_server)
    services.webhook_endpoint_update(actor=None, endpoint=endpoint, data={"is_active": False})
    services.notify(school=school_a.school, recipients=[], kind="system", title="不发")
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    delivery = services.webhook_endpoint_send_test(actor=None, endpoint=endpoint)
    services.webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and robot_server.requests == []


def test_update_keeps_url_and_secret_unless_new_ones_are_given(school_a, robot_server):
    endpoint = _robot(school_a, robot_server, provider=Provider.DINGTALK, secret="SECold")
    services.webhook_endpoint_update(
        actor=None, endpoint=endpoint, data={"name": "新名字", "url": "", "secret": "", "kinds": ["system"]}
    )
    endpoint.refresh_from_db()
    assert endpoint.name == "新名字" and endpoint.url == robot_server.url() and endpoint.secret == "SECold"
    services.webhook_endpoint_update(
        actor=None, endpoint=endpoint, data={"url": robot_server.url("/new?key=k2"), "clear_secret": True}
    )
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("key=k2") and endpoint.secret == ""
    assert all("k2" not in str(e.changes) for e in AuditEvent.objects.for_target(endpoint))


def test_minute_job_retries_due_messages(school_a, robot_server, immediate_tasks):
    from houqin.notify import scheduler

    endpoint = _robot(school_a, robot_server)
    delivery = services.webhook_endpoint_send_test(actor=None, endpoint=endpoint)  # on_commit not run
    assert scheduler.run_due_jobs(only=["notify.webhook_retries"]) == ["notify.webhook_retries"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(robot_server.requests) == 1
