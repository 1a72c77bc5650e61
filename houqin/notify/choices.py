"""Channels, robot providers, delivery states and the retry schedule of group-robot messages."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    APP = "app", _("站内通知")
    EMAIL = "email", _("邮件")


# Channels a person chooses per kind. In-app is always on; group robots are set up by the school.
PERSONAL_CHANNELS = (Channel.EMAIL,)


class Provider(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


# Wait after the 1st, 2nd, ... failed attempt; after the last attempt the delivery is given up.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1  # 5

# An endpoint failing this many times in a row is reported to the school admins (reminder source
# "notify.webhook_failing").
FAILING_THRESHOLD = 3

RESPONSIBLE = "responsible"  # ReminderRule.notify: the people the due-date provider names


class ReminderKind(models.TextChoices):
    DUE = "due", _("到期提醒")
    OVERDUE = "overdue", _("逾期提醒")
    ESCALATED = "escalated", _("逾期上报")
