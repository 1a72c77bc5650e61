from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "houqin.approvals"
    label = "approvals"
    verbose_name = _("审批")

    def ready(self) -> None:
        from houqin.core.permissions import register_app_label

        register_app_label(self.label)
