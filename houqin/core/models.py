"""Base models shared by every app: the school-owned base and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import SchoolScopedManager, SchoolScopedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class SchoolScopedModel(TimeStampedModel):
    """Base of every model a school owns: non-null school, who created and last changed it."""

    school = models.ForeignKey(
        "org.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SchoolScopedManager()

    class Meta:
        abstract = True


class AuditEventQuerySet(SchoolScopedQuerySet):
    def for_target(self, obj) -> AuditEventQuerySet:
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            target_id=str(obj.pk),
        )


class AuditEvent(models.Model):
    """One thing that happened, written by a service (事事有记录).

    ``school`` is null only for events outside any school (a failed login with an unknown name).
    """

    school = models.ForeignKey(
        "org.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verb = models.CharField(_("动作"), max_length=64)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "target_type", "target_id"]),
            models.Index(fields=["school", "-created_at"]),
            models.Index(fields=["verb", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.target_repr}"

    @property
    def change_rows(self) -> list[tuple[str, object, object]]:
        from .audit import readable_changes

        return readable_changes(self)

    @property
    def verb_label(self) -> str:
        from .audit import verb_label

        return verb_label(self.verb)
