"""Notifications (in-app, e-mail, group robots), personal channel choices, reminder rules and the
scheduler's record of the periodic jobs it has started."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from houqin.core.models import SchoolScopedModel

from .choices import RESPONSIBLE, Channel, DeliveryStatus, Provider, ReminderKind
from .fields import EncryptedTextField
from .querysets import (
    NotificationManager,
    ReminderRuleManager,
    WebhookDeliveryManager,
    WebhookEndpointManager,
)


class Notification(models.Model):
    """One message to one person in one school. Personal: only the recipient sees it."""

    school = models.ForeignKey(
        "org.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    objects = NotificationManager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "recipient", "read_at", "-created_at"], name="notify_inbox_idx"),
            models.Index(fields=["school", "recipient", "-created_at"], name="notify_list_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def kind_label(self) -> str:
        from .registry import kind_label

        return kind_label(self.kind)


class NotificationPreference(models.Model):
    """A person's choice of a channel for a kind. Without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("类型"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    enabled = models.BooleanField(_("接收"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notify_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.channel}"


class WebhookEndpoint(SchoolScopedModel):
    """A group robot (企业微信 / 钉钉) the school's messages of chosen kinds are posted to.

    ``url`` (it carries the robot's access key) and ``secret`` are encrypted at rest and never
    shown back: forms and the API only say whether they are set.
    """

    name = models.CharField(_("名称"), max_length=50)
    provider = models.CharField(_("类型"), max_length=20, choices=Provider.choices, default=Provider.WECOM)
    url = EncryptedTextField(_("Webhook 地址"))
    secret = EncryptedTextField(
        _("加签密钥"), blank=True, help_text=_("钉钉机器人开启“加签”时填写（SEC 开头）。")
    )
    kinds = models.JSONField(_("接收的通知类型"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    last_success_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    failing_since = models.DateTimeField(_("开始失败时间"), null=True, blank=True)

    objects = WebhookEndpointManager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="notify_webhook_unique_name")]
        indexes = [models.Index(fields=["school", "is_active"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("notify:webhookendpoint_update", args=[self.pk])


class WebhookDelivery(SchoolScopedModel):
    """One message to one robot, sent by a task and retried with backoff (RETRY_DELAYS)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("群机器人"), on_delete=models.CASCADE, related_name="deliveries"
    )
    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.SET_NULL, null=True, blank=True
    )
    kind = models.CharField(_("类型"), max_length=64)
    payload = models.JSONField(_("消息"), default=dict)
    status = models.CharField(
        _("状态"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    objects = WebhookDeliveryManager()

    class Meta:
        verbose_name = _("群机器人消息")
        verbose_name_plural = _("群机器人消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_delivery_due_idx"),
            models.Index(fields=["school", "endpoint", "-created_at"], name="notify_delivery_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} · {self.payload.get('title', '')}"


class ReminderRule(SchoolScopedModel):
    """Data, not code: remind about the items of a due-date source ``days_before`` they are due,
    every day once they are overdue, and escalate to a role after ``escalate_after_days``."""

    name = models.CharField(_("名称"), max_length=50)
    source = models.CharField(_("提醒来源"), max_length=64)
    days_before = models.PositiveSmallIntegerField(
        _("提前天数"), default=1, help_text=_("到期前几天开始提醒；0 表示到期当天。")
    )
    notify = models.CharField(
        _("提醒谁"),
        max_length=64,
        default=RESPONSIBLE,
        help_text=_("负责人（由提醒来源决定），或某个角色的全部人员。"),
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("逾期几天后上报"), null=True, blank=True, help_text=_("留空则不上报。")
    )
    escalate_to_role = models.CharField(_("上报给角色"), max_length=64, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ReminderRuleManager()

    class Meta:
        verbose_name = _("提醒规则")
        verbose_name_plural = _("提醒规则")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="notify_rule_unique_name")]
        indexes = [models.Index(fields=["school", "is_active"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("notify:reminderrule_update", args=[self.pk])

    @property
    def source_label(self) -> str:
        from .registry import get_due_provider

        provider = get_due_provider(self.source)
        return str(provider.label) if provider else self.source


class ReminderSent(models.Model):
    """Proof that a rule reminded about an item on a day: the unique row makes reminders idempotent."""

    school = models.ForeignKey("org.School", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(ReminderRule, on_delete=models.CASCADE, related_name="sent")
    target_ref = models.CharField(max_length=100)  # "app_label.model:pk"
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("已发送的提醒")
        verbose_name_plural = _("已发送的提醒")
        constraints = [
            models.UniqueConstraint(fields=["rule", "target_ref", "kind", "day"], name="notify_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.target_ref} {self.kind} {self.day}"


class ScheduledRun(models.Model):
    """A periodic job started for a time slot. The unique row makes the scheduler idempotent."""

    job = models.CharField(max_length=100)
    slot_start = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")
        ordering = ["-slot_start"]
        constraints = [models.UniqueConstraint(fields=["job", "slot_start"], name="notify_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot_start:%Y-%m-%d %H:%M}"
