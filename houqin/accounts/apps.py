from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "houqin.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (login, logout and failed-login audit records)
