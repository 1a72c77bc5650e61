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


# --- document numbers (core/numbering.py) ------------------------------------------------------------


class DocumentSequence(models.Model):
    """The last number given for one kind of document, per school and year (``BX-2026-00042``).

    Written only by :func:`houqin.core.numbering.next_number`, which locks the row inside the
    caller's transaction: numbers are unique, consecutive and gap-free.
    """

    school = models.ForeignKey(
        "org.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(_("单据类型"), max_length=64)
    year = models.PositiveSmallIntegerField(_("年份"))
    last_value = models.PositiveIntegerField(_("当前编号"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SchoolScopedManager()

    class Meta:
        verbose_name = _("单据编号序列")
        verbose_name_plural = _("单据编号序列")
        constraints = [
            models.UniqueConstraint(fields=["school", "key", "year"], name="core_docseq_school_key_year")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.key} {self.year}: {self.last_value}"


# --- attachments (core/attachments.py) ---------------------------------------------------------------


def _attachment_path(instance, filename: str, folder: str = "") -> str:
    """``attachments/<school_id>/<yyyy>/<mm>/<uuid>.<ext>``: never the uploader's file name on disk."""
    import uuid

    from django.utils import timezone

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if not ext.isalnum() or len(ext) > 8:
        ext = "bin"
    now = timezone.localtime()
    return f"attachments/{instance.school_id}/{now:%Y}/{now:%m}/{folder}{uuid.uuid4().hex}.{ext}"


def attachment_upload_to(instance, filename: str) -> str:
    return _attachment_path(instance, filename)


def attachment_thumbnail_upload_to(instance, filename: str) -> str:
    return _attachment_path(instance, filename, "thumbs/")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文件")
    SIGNATURE = "signature", _("签字")


class AttachmentQuerySet(SchoolScopedQuerySet):
    def for_target(self, obj) -> AttachmentQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=obj.pk,
        )

    def active(self) -> AttachmentQuerySet:
        return self.filter(removed_at__isnull=True)


class Attachment(SchoolScopedModel):
    """A photo, document or handwritten signature on any school-owned record.

    Files live in the default storage under a random name and are only ever served by
    ``core:attachment_download`` after a permission check. Removal is soft: the row and the file
    stay for the record (DESIGN rule 4). ``created_by`` is the uploader.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("类型"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=255)
    thumbnail = models.FileField(
        _("缩略图"), upload_to=attachment_thumbnail_upload_to, max_length=255, blank=True
    )
    original_name = models.CharField(_("原文件名"), max_length=255)
    mime_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签字人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_for = models.CharField(_("签字事项"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("移除人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removed_reason = models.CharField(_("移除原因"), max_length=200, blank=True)

    objects = SchoolScopedManager.from_queryset(AttachmentQuerySet)()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["school", "content_type", "object_id"], name="core_attach_target")]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:attachment_download", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def download_name(self) -> str:
        """The uploader's name with the extension of what is stored (photos are kept as JPEG)."""
        stem = self.original_name.rsplit(".", 1)[0] if "." in self.original_name else self.original_name
        ext = self.file.name.rsplit(".", 1)[-1] if self.file.name else "bin"
        return f"{stem or 'file'}.{ext}"


from .export_models import ExportJob  # noqa: E402, F401  (its own module: the export machinery)
