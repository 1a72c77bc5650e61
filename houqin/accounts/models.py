from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

mobile_validator = RegexValidator(r"^1\d{10}$", _("请输入 11 位手机号码。"))


class User(AbstractUser):
    """A person who signs in. Schools, departments and roles come through ``org.Membership``."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(
        _("手机号"),
        max_length=11,
        blank=True,
        null=True,
        unique=True,
        validators=[mobile_validator],
        help_text=_("可用手机号代替用户名登录。"),
    )
    search_text = models.CharField(max_length=1000, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=Q(mobile__isnull=True) | ~Q(mobile=""), name="user_mobile_null_not_blank"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def get_short_name(self) -> str:
        return str(self)
