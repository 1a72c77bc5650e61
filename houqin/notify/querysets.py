"""Reads of notifications, robots, deliveries and reminder rules."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from houqin.core.querysets import SchoolScopedManager, SchoolScopedQuerySet

from .choices import DeliveryStatus


class NotificationQuerySet(SchoolScopedQuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """A person's own notifications (combine with ``for_school``: only the current school's)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


NotificationManager = SchoolScopedManager.from_queryset(NotificationQuerySet)


class WebhookEndpointQuerySet(SchoolScopedQuerySet):
    def active(self) -> WebhookEndpointQuerySet:
        return self.filter(is_active=True)


WebhookEndpointManager = SchoolScopedManager.from_queryset(WebhookEndpointQuerySet)


class WebhookDeliveryQuerySet(SchoolScopedQuerySet):
    def due(self, now=None) -> WebhookDeliveryQuerySet:
        now = now or timezone.now()
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)

    def problems(self) -> WebhookDeliveryQuerySet:
        """Failed, or pending after at least one failed attempt: what the school admin should see."""
        return self.filter(
            models.Q(status=DeliveryStatus.FAILED) | models.Q(status=DeliveryStatus.PENDING, attempts__gt=0)
        )


WebhookDeliveryManager = SchoolScopedManager.from_queryset(WebhookDeliveryQuerySet)


class ReminderRuleQuerySet(SchoolScopedQuerySet):
    def active(self) -> ReminderRuleQuerySet:
        return self.filter(is_active=True)


ReminderRuleManager = SchoolScopedManager.from_queryset(ReminderRuleQuerySet)
