import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "houqin.notify"
    label = "notify"
    verbose_name = _("通知与提醒")

    def ready(self) -> None:
        from houqin.core import audit, registry
        from houqin.core.permissions import register_app_label
        from houqin.org.roles import register_grants

        from . import services, tasks
        from .registry import register_due_provider, register_job, register_kind

        register_app_label(self.label)
        register_grants({"school_admin": ["notify.*"]})

        register_kind("approval.pending", _("待我审批"), default_channels=("app", "email"))
        register_kind("approval.decided", _("审批结果"), default_channels=("app", "email"))
        register_kind("reminder.due", _("到期提醒"))
        register_kind("reminder.overdue", _("逾期提醒"), default_channels=("app", "email"))
        register_kind("system", _("系统消息"))

        register_job("notify.webhook_retries", every=dt.timedelta(minutes=1), func=tasks.enqueue_due_retries)
        register_job("notify.reminders", every=dt.timedelta(hours=1), func=tasks.run_reminders)
        register_due_provider(
            "notify.webhook_failing",
            _("群机器人连续发送失败"),
            services.due_failing_webhooks,
            responsible_label=_("系统管理员"),
        )

        audit.register_verbs({"test_sent": _("发送测试消息")})
        section = _("通知")
        registry.register_nav(
            registry.NavItem(
                section,
                _("群机器人"),
                "notify:webhookendpoint_list",
                "notify.view_webhookendpoint",
                "robot",
                90,
            ),
            registry.NavItem(
                section, _("提醒规则"), "notify:reminderrule_list", "notify.view_reminderrule", "alarm", 91
            ),
        )
