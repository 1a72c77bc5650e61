"""Notifications: the one way any module tells people something (in-app, e-mail, group robots).

Contract used by other apps (approvals, repairs, ...) — implemented in this module:

    notify(*, school, recipients, kind, title, body="", url="", actor=None, target=None) -> list[Notification]

``recipients`` is an iterable of users; ``kind`` a registered notification kind (see
``register_kind``). Called inside the caller's transaction: rows are written at once, deliveries
to e-mail and webhooks are queued with ``transaction.on_commit`` so a rolled-back change sends
nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.services import model_create, model_update

from . import senders
from .choices import (
    FAILING_THRESHOLD,
    MAX_ATTEMPTS,
    RESPONSIBLE,
    RETRY_DELAYS,
    Channel,
    DeliveryStatus,
    Provider,
    ReminderKind,
)
from .models import (
    Notification,
    NotificationPreference,
    ReminderRule,
    ReminderSent,
    WebhookDelivery,
    WebhookEndpoint,
)
from .registry import DueItem, get_due_provider, get_kind, kinds, register_kind

logger = logging.getLogger(__name__)
User = get_user_model()

SECRET_MASK = "******"  # noqa: S105 (shown instead of a secret, not a secret)


def absolute_url(url: str) -> str:
    """A page path as a link for e-mail and group robots (``HOUQIN_SITE_URL`` + path)."""
    if not url:
        return ""
    return settings.HOUQIN_SITE_URL.rstrip("/") + url


def _safe_path(url: str) -> str:
    """Only paths of this site: a notification link must not send anyone elsewhere."""
    url = (url or "").strip()
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url[:500]
    return ""


# --- notify(): the contract ------------------------------------------------------------------------


def notify(
    *,
    school,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor=None,
    target=None,
) -> list[Notification]:
    """Write one in-app notification per recipient and queue e-mails and group-robot messages.

    ``kind`` must be registered (``ValueError`` otherwise: a programming error). Inactive and
    repeated recipients are skipped. ``url`` is a path of this site (``obj.get_absolute_url()``);
    anything else is dropped. E-mails go to recipients with an address who chose (or by the
    kind's default get) e-mail; robots of the school that receive ``kind`` get one message.
    """
    kind_spec = get_kind(kind)
    if kind_spec is None:
        raise ValueError(f"unknown notification kind {kind!r}: register it with register_kind()")
    people = {}
    for user in recipients:
        if user is not None and user.is_active and user.pk not in people:
            people[user.pk] = user
    url = _safe_path(url)
    title = str(title)[:200]
    body = str(body)
    target_type, target_id = None, ""
    if target is not None:
        target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        target_id = str(target.pk)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None

    notifications = Notification.objects.bulk_create(
        [
            Notification(
                school=school,
                recipient=user,
                kind=kind,
                title=title,
                body=body,
                url=url,
                target_type=target_type,
                target_id=target_id,
                actor=actor,
            )
            for user in people.values()
        ]
    )

    # e-mail: the kind's default, unless the person chose otherwise
    with_address = [u for u in people.values() if u.email]
    if with_address:
        chosen = dict(
            NotificationPreference.objects.filter(
                user__in=with_address, kind=kind, channel=Channel.EMAIL
            ).values_list("user_id", "enabled")
        )
        default = Channel.EMAIL in kind_spec.default_channels
        by_user = {n.recipient_id: n for n in notifications}
        for user in with_address:
            if chosen.get(user.pk, default):
                _queue_email(by_user[user.pk].pk)

    # group robots of the school that receive this kind
    endpoints = [
        e
        for e in WebhookEndpoint.objects.for_school(school).active().only("pk", "kinds")
        if kind in (e.kinds or [])
    ]
    if endpoints:
        payload = {"title": title, "body": body, "url": absolute_url(url)}
        first = notifications[0] if notifications else None
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    school=school,
                    endpoint=e,
                    notification=first,
                    kind=kind,
                    payload=payload,
                    next_attempt_at=timezone.now(),
                    created_by=actor,
                    updated_by=actor,
                )
                for e in endpoints
            ]
        )
        for delivery in deliveries:
            _queue_delivery(delivery.pk)
    return notifications


def _queue_email(notification_id: int) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.send_notification_email.enqueue(notification_id))


def _queue_delivery(delivery_id: int) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.send_webhook_delivery.enqueue(delivery_id))


# --- reading -----------------------------------------------------------------------------------------


def notification_mark_read(*, user, notification: Notification) -> Notification:
    """The recipient opened it. Someone else's notification is refused (views find it 404 first)."""
    if notification.recipient_id != user.pk:
        raise ValidationError(_("这不是您的通知。"))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_all_read(*, user, school) -> int:
    return Notification.objects.for_school(school).for_user(user).unread().update(read_at=timezone.now())


def unread_count(*, user, school, cap: int = 99) -> int:
    """One query; stops counting above ``cap`` (the bell shows "99+")."""
    if school is None or not user.is_authenticated:
        return 0
    return Notification.objects.for_school(school).for_user(user).unread().values("pk")[: cap + 1].count()


def send_notification_email(*, notification: Notification) -> bool:
    """Send the e-mail of one notification (called by the task). False when there is no address."""
    from django.core.mail import send_mail

    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        return False
    lines = [notification.body] if notification.body else []
    if notification.url:
        lines.append(absolute_url(notification.url))
    send_mail(
        subject=f"[{notification.school.short_name or notification.school.name}] {notification.title}",
        message="\n\n".join(lines) or notification.title,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[recipient.email],
    )
    return True


# --- personal preferences ------------------------------------------------------------------------------


def preferences_for(user) -> dict[str, dict[str, bool]]:
    """``{kind: {channel: enabled}}`` for every registered kind, defaults filled in."""
    chosen = {(p.kind, p.channel): p.enabled for p in NotificationPreference.objects.filter(user=user)}
    result = {}
    for kind in kinds():
        result[kind.key] = {Channel.APP: True}
        for channel in (Channel.EMAIL,):
            result[kind.key][channel] = chosen.get((kind.key, channel), channel in kind.default_channels)
    return result


@transaction.atomic
def preference_set(*, user, kind: str, channel: str, enabled: bool) -> NotificationPreference | None:
    """Choose a channel for a kind. In-app is always on; e-mail needs an address."""
    if get_kind(kind) is None:
        raise ValidationError({"kind": [_("未知的通知类型。")]})
    if channel == Channel.APP:
        if not enabled:
            raise ValidationError(_("站内通知不能关闭。"))
        return None
    if channel != Channel.EMAIL:
        raise ValidationError({"channel": [_("未知的通知渠道。")]})
    if enabled and not user.email:
        raise ValidationError(_("请先在个人资料里填写邮箱，才能接收邮件通知。"))
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
    )
    return preference


@transaction.atomic
def preferences_update(*, user, email_kinds: Iterable[str]) -> None:
    """E-mail on for ``email_kinds``, off for every other registered kind (only changes are written)."""
    wanted = set(email_kinds)
    current = preferences_for(user)
    for kind in kinds():
        enabled = kind.key in wanted
        if current[kind.key][Channel.EMAIL] != enabled:
            preference_set(user=user, kind=kind.key, channel=Channel.EMAIL, enabled=enabled)


# --- group robots ------------------------------------------------------------------------------------------


def _clean_kinds(values) -> list[str]:
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if get_kind(v) is None]
    if unknown:
        raise ValidationError({"kinds": [_("未知的通知类型：%(kinds)s") % {"kinds": "、".join(unknown)}]})
    if not values:
        raise ValidationError({"kinds": [_("请至少选择一种通知类型。")]})
    return values


def _check_robot_url(url: str) -> None:
    problem = senders.check_url(url)
    if problem:
        raise ValidationError({"url": [problem]})


def _check_name(school, name: str, exclude_pk=None) -> None:
    if WebhookEndpoint.objects.for_school(school).filter(name=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": [_("本校已有同名的群机器人。")]})


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor,
    school,
    name: str,
    provider: str,
    url: str,
    kinds: Iterable[str],
    secret: str = "",
) -> WebhookEndpoint:
    """Add a robot. The URL and the secret are encrypted and never written to the audit trail."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": [_("请填写 Webhook 地址。")]})
    _check_robot_url(url)
    _check_name(school, name)
    endpoint = WebhookEndpoint(
        school=school,
        name=name,
        provider=provider,
        url=url,
        secret=(secret or "").strip(),
        kinds=_clean_kinds(kinds),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        updated_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    endpoint.full_clean()
    endpoint.save()
    changes = {"name": [None, name], "provider": [None, provider], "kinds": [None, endpoint.kinds]}
    changes["url"] = [None, SECRET_MASK]
    if endpoint.secret:
        changes["secret"] = [None, SECRET_MASK]
    audit.record(actor=actor, verb="created", target=endpoint, changes=changes)
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, actor, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Change name, kinds, provider, active flag; a new URL or secret only when one is given
    (empty keeps the old one — forms never show them back)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    data = dict(data)
    if "kinds" in data:
        data["kinds"] = _clean_kinds(data["kinds"])
    if "name" in data:
        _check_name(endpoint.school, data["name"], exclude_pk=endpoint.pk)
    model_update(instance=endpoint, actor=actor, data=data, fields=["name", "provider", "kinds", "is_active"])
    secret_changes = {}
    new_url = (data.get("url") or "").strip()
    if new_url and new_url != endpoint.url:
        _check_robot_url(new_url)
        endpoint.url = new_url
        secret_changes["url"] = [SECRET_MASK, SECRET_MASK]
    if data.get("clear_secret"):
        if endpoint.secret:
            endpoint.secret = ""
            secret_changes["secret"] = [SECRET_MASK, None]
    else:
        new_secret = (data.get("secret") or "").strip()
        if new_secret and new_secret != endpoint.secret:
            endpoint.secret = new_secret
            secret_changes["secret"] = [SECRET_MASK if endpoint.secret else None, SECRET_MASK]
    if secret_changes:
        if "url" in secret_changes:  # a new address deserves a fresh start
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
            endpoint.last_error = ""
        endpoint.updated_by = actor if getattr(actor, "is_authenticated", False) else endpoint.updated_by
        endpoint.save()
        audit.record(actor=actor, verb="updated", target=endpoint, changes=secret_changes)
    return endpoint


@transaction.atomic
def webhook_endpoint_send_test(*, actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a test message to the robot; the result shows on the robots page."""
    delivery = WebhookDelivery.objects.create(
        school=endpoint.school,
        endpoint=endpoint,
        kind="system",
        payload={
            "title": _("测试消息：%(name)s") % {"name": endpoint.name},
            "body": _("这是一条来自后勤管理系统的测试消息。收到说明配置正确。"),
            "url": absolute_url(reverse("notify:webhookendpoint_list")),
        },
        next_attempt_at=timezone.now(),
        created_by=actor,
        updated_by=actor,
    )
    audit.record(actor=actor, verb="test_sent", target=endpoint)
    _queue_delivery(delivery.pk)
    return delivery


LEASE = dt.timedelta(minutes=5)  # a claimed delivery is not picked up again before this


def _claim(delivery_id: int, *, now) -> WebhookDelivery | None:
    """Take a due delivery for one attempt (short transaction; the HTTP call happens outside)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        return delivery


def webhook_delivery_attempt(*, delivery_id: int, now=None) -> str | None:
    """One attempt to send a pending, due delivery. Returns the new status (None: nothing to do).

    Failures wait ``RETRY_DELAYS`` (1 min, 5 min, 30 min, 2 h); after ``MAX_ATTEMPTS`` the delivery
    is marked failed. The endpoint keeps its last error and its count of failures in a row.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now=now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    error = ""
    if not endpoint.is_active:
        error = _("群机器人已停用。")
    else:
        try:
            senders.post(
                provider=endpoint.provider, url=endpoint.url, secret=endpoint.secret, payload=delivery.payload
            )
        except senders.SendError as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not leave the delivery claimed forever
            logger.exception("webhook delivery %s failed unexpectedly", delivery.pk)
            error = _("内部错误：%(error)s") % {"error": type(exc).__name__}
    finished = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if not error:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = finished
            delivery.next_attempt_at = None
            delivery.last_error = ""
            endpoint.last_success_at = finished
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
        else:
            delivery.last_error = error[:500]
            if delivery.attempts >= MAX_ATTEMPTS or not endpoint.is_active:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
            endpoint.last_error = error[:500]
            endpoint.consecutive_failures += 1
            if endpoint.failing_since is None:
                endpoint.failing_since = finished
        delivery.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error", "updated_at"])
        endpoint.save(
            update_fields=[
                "last_success_at",
                "last_error",
                "consecutive_failures",
                "failing_since",
                "updated_at",
            ]
        )
    return delivery.status


def webhook_deliveries_retry(*, now=None, limit: int = 200) -> int:
    """Attempt every due pending delivery (the scheduler's minute job). Returns how many were tried."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.due(now).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        webhook_delivery_attempt(delivery_id=pk, now=now)
    return len(ids)


# --- reminder rules ---------------------------------------------------------------------------------------


def _check_rule(school, data: dict[str, Any]) -> None:
    from houqin.org.models import Role

    errors: dict[str, list[str]] = {}
    if "source" in data and get_due_provider(data["source"]) is None:
        errors["source"] = [_("未知的提醒来源。")]
    codes = set(Role.objects.for_school(school).values_list("code", flat=True))
    notify_to = data.get("notify")
    if notify_to is not None and notify_to != RESPONSIBLE and notify_to not in codes:
        errors["notify"] = [_("本校没有这个角色。")]
    role = data.get("escalate_to_role")
    if role and role not in codes:
        errors["escalate_to_role"] = [_("本校没有这个角色。")]
    if data.get("escalate_after_days") is not None and not role:
        errors["escalate_to_role"] = [_("设置了上报天数，请选择上报给哪个角色。")]
    if "name" in data:
        qs = ReminderRule.objects.for_school(school).filter(name=data["name"])
        if data.get("_pk"):
            qs = qs.exclude(pk=data["_pk"])
        if qs.exists():
            errors["name"] = [_("本校已有同名的提醒规则。")]
    if errors:
        raise ValidationError(errors)


RULE_FIELDS = [
    "name",
    "source",
    "days_before",
    "notify",
    "escalate_after_days",
    "escalate_to_role",
    "is_active",
]


@transaction.atomic
def reminder_rule_create(
    *,
    actor,
    school,
    name: str,
    source: str,
    days_before: int = 1,
    notify: str = RESPONSIBLE,
    escalate_after_days: int | None = None,
    escalate_to_role: str = "",
) -> ReminderRule:
    data = {
        "name": name,
        "source": source,
        "days_before": days_before,
        "notify": notify,
        "escalate_after_days": escalate_after_days,
        "escalate_to_role": escalate_to_role or "",
    }
    _check_rule(school, data)
    return model_create(model=ReminderRule, actor=actor, data={"school": school, **data})


@transaction.atomic
def reminder_rule_update(*, actor, rule: ReminderRule, data: dict[str, Any]) -> ReminderRule:
    rule = ReminderRule.objects.select_for_update().get(pk=rule.pk)
    merged = {f: data.get(f, getattr(rule, f)) for f in RULE_FIELDS}
    merged["escalate_to_role"] = merged["escalate_to_role"] or ""
    _check_rule(rule.school, {**merged, "_pk": rule.pk})
    model_update(instance=rule, actor=actor, data=merged, fields=RULE_FIELDS)
    return rule


def _role_users(school, code: str) -> list:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__school=school,
            memberships__is_active=True,
            memberships__roles__code=code,
        ).distinct()
    )


def _target_ref(target) -> str:
    return f"{target._meta.label_lower}:{target.pk}"


def reminders_run(*, today: dt.date | None = None) -> int:
    """Walk every active rule of every active school; remind once per item, kind and day.

    Due within ``days_before`` (or today) → "reminder.due"; past due → "reminder.overdue" every day;
    past due by ``escalate_after_days`` or more → also "reminder.overdue" to ``escalate_to_role``.
    Returns the number of notifications written. Safe to run any number of times a day.
    """
    today = today or timezone.localdate()
    written = 0
    rules = ReminderRule.objects.active().filter(school__is_active=True).select_related("school")
    for rule in rules:
        provider = get_due_provider(rule.source)
        if provider is None:
            logger.warning("reminder rule %s: unknown source %s", rule.pk, rule.source)
            continue
        role_cache: dict[str, list] = {}

        def people(code, _cache=role_cache, _rule=rule):
            if code not in _cache:
                _cache[code] = _role_users(_rule.school, code)
            return _cache[code]

        for item in provider.func(rule.school, today + dt.timedelta(days=rule.days_before)):
            recipients = item.responsible_users if rule.notify == RESPONSIBLE else people(rule.notify)
            sends: list[tuple[str, str, list, str]] = []
            if item.due_date >= today:
                title = _("即将到期：%(title)s（%(date)s）") % {"title": item.title, "date": item.due_date}
                sends.append((ReminderKind.DUE, "reminder.due", recipients, title))
            else:
                late = (today - item.due_date).days
                title = _("已逾期 %(days)s 天：%(title)s") % {"days": late, "title": item.title}
                sends.append((ReminderKind.OVERDUE, "reminder.overdue", recipients, title))
                if (
                    rule.escalate_to_role
                    and rule.escalate_after_days is not None
                    and late >= rule.escalate_after_days
                ):
                    sends.append(
                        (ReminderKind.ESCALATED, "reminder.overdue", people(rule.escalate_to_role), title)
                    )
            for sent_kind, kind, users, title in sends:
                with transaction.atomic():
                    _row, created = ReminderSent.objects.get_or_create(
                        rule=rule,
                        target_ref=_target_ref(item.target),
                        kind=sent_kind,
                        day=today,
                        defaults={"school": rule.school},
                    )
                    if created:
                        written += len(
                            notify(
                                school=rule.school,
                                recipients=users,
                                kind=kind,
                                title=title,
                                body=str(rule.name),
                                url=item.url,
                                target=item.target,
                            )
                        )
    ReminderSent.objects.filter(day__lt=today - dt.timedelta(days=60)).delete()
    return written


# --- the due-date provider of this app --------------------------------------------------------------------


def due_failing_webhooks(school, on_date: dt.date) -> list[DueItem]:
    """Robots of ``school`` that failed FAILING_THRESHOLD times in a row; due the day they began
    failing. Responsible: the school admins (who set robots up)."""
    endpoints = (
        WebhookEndpoint.objects.for_school(school)
        .active()
        .filter(consecutive_failures__gte=FAILING_THRESHOLD, failing_since__isnull=False)
    )
    items = []
    admins = None
    for endpoint in endpoints:
        since = timezone.localdate(endpoint.failing_since)
        if since > on_date:
            continue
        if admins is None:
            admins = _role_users(school, "school_admin")
        items.append(
            DueItem(
                title=_("群机器人“%(name)s”连续发送失败 %(count)s 次")
                % {"name": endpoint.name, "count": endpoint.consecutive_failures},
                url=reverse("notify:webhookendpoint_list"),
                due_date=since,
                target=endpoint,
                responsible_users=admins,
            )
        )
    return items


__all__ = [
    "DueItem",
    "Provider",
    "notification_mark_all_read",
    "notification_mark_read",
    "notify",
    "register_kind",
]
