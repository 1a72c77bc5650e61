from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "houqin.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from . import registry
        from .api import schema  # noqa: F401  (registers the OpenAPI auth schemes)

        registry.register_nav(
            registry.NavItem(
                _("系统"), _("操作记录"), "core:auditevent_list", "core.view_auditevent", "clock-history", 90
            ),
        )
