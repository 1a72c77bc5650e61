"""Sample objects for make_school() (houqin/core/testing.py), so the tenancy sweep reaches this app.

Every object's name carries the school's name (and so the world's tag) for the sweep's leak check.
"""

from django.utils import timezone

from .choices import DeliveryStatus, Provider
from .models import WebhookDelivery
from .services import notify, reminder_rule_create, webhook_endpoint_create


def add_samples(world) -> None:
    school = world.school
    admin = world.user("school_admin")
    notify(
        school=school,
        recipients=[admin],
        kind="system",
        title=f"欢迎使用{school.name}",
        url=world.room.get_absolute_url(),
    )
    endpoint = webhook_endpoint_create(
        actor=None,
        school=school,
        name=f"总务群{school.name}",
        provider=Provider.WECOM,
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=sample-key",
        kinds=["system"],
    )
    WebhookDelivery.objects.create(
        school=school,
        endpoint=endpoint,
        kind="system",
        payload={"title": f"示例消息{school.name}"},
        status=DeliveryStatus.SENT,
        attempts=1,
        sent_at=timezone.now(),
    )
    reminder_rule_create(
        actor=None,
        school=school,
        name=f"机器人故障{school.name}",
        source="notify.webhook_failing",
        days_before=0,
    )
