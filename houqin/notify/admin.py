from django.contrib import admin

from .models import ScheduledRun, WebhookDelivery


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """The platform operator checks here that the scheduler runs."""

    list_display = ["job", "slot_start", "created_at"]
    list_filter = ["job"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "school", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
