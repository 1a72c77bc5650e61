from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "houqin.notify"
    label = "notify"
    verbose_name = _("通知与提醒")

    def ready(self) -> None:
        from houqin.core.permissions import register_app_label

        register_app_label(self.label)
