"""Background work, queued through the Django tasks API (``django_tasks``; the database backend by
default, run by ``manage.py db_worker``). Arguments are ids: the task reads fresh rows."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification_email(notification_id: int) -> bool:
    from .models import Notification
    from .services import send_notification_email as send

    notification = (
        Notification.objects.select_related("recipient", "school").filter(pk=notification_id).first()
    )
    if notification is None:
        return False
    return send(notification=notification)


@task()
def send_webhook_delivery(delivery_id: int) -> str | None:
    from .services import webhook_delivery_attempt

    return webhook_delivery_attempt(delivery_id=delivery_id)


@task()
def retry_webhook_deliveries() -> int:
    from .services import webhook_deliveries_retry

    return webhook_deliveries_retry()


@task()
def run_reminders() -> int:
    from .services import reminders_run

    return reminders_run()


def enqueue_due_retries() -> bool:
    """The scheduler's minute job: queue the retry task only when a retry is due (no task row a
    minute when all robots are fine)."""
    from .models import WebhookDelivery

    if WebhookDelivery.objects.due().exists():
        retry_webhook_deliveries.enqueue()
        return True
    return False
