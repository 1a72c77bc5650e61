"""Photos, documents and handwritten signatures on any school-owned record.

Services (the only writers): :func:`attachment_add`, :func:`signature_add`, :func:`attachment_remove`.
Each records an audit event on the *target*, so the upload shows on the target's timeline.

Who may see or change a record's attachments: by default whoever may view / change the target
(``<app>.view_<model>`` / ``<app>.change_<model>``) in the target's school. A module registers a finer
rule with :func:`register_attachment_rule` (e.g. the reporter of a repair may add photos and sign).

Pages include ``components/attachments.html`` with the panel from :func:`attachment_panel`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from . import audit
from .models import Attachment, AttachmentKind

audit.register_verbs(
    {
        "attachment_added": gettext_lazy("添加附件"),
        "attachment_removed": gettext_lazy("移除附件"),
        "signed": gettext_lazy("签字"),
    }
)

SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
SIGNATURE_MIN_INK_PIXELS = 30
JPEG_QUALITY = 85

IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf", XLSX: "xlsx", DOCX: "docx"}
# what a browser may show in a tab instead of downloading
INLINE_TYPES = {"image/jpeg", "image/png", "application/pdf"}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def _setting(name: str, default):
    return getattr(settings, "HOUQIN", {}).get(name, default)


# --- who may see and change -------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentRule:
    can_view: Callable[[object, models.Model], bool]
    can_change: Callable[[object, models.Model], bool]
    can_sign: Callable[[object, models.Model], bool]


_RULES: dict[type[models.Model], AttachmentRule] = {}


def _in_school(user, target) -> bool:
    context = getattr(user, "school_context", None)
    school = getattr(context, "school", None)
    return school is not None and getattr(target, "school_id", None) == school.pk


def _model_perm(action: str, target) -> str:
    meta = target._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def default_can_view(user, target) -> bool:
    return _in_school(user, target) and user.has_perm(_model_perm("view", target))


def default_can_change(user, target) -> bool:
    return _in_school(user, target) and user.has_perm(_model_perm("change", target))


def register_attachment_rule(
    model: type[models.Model],
    *,
    can_view: Callable[[object, models.Model], bool] | None = None,
    can_change: Callable[[object, models.Model], bool] | None = None,
    can_sign: Callable[[object, models.Model], bool] | None = None,
) -> None:
    """A finer rule for one model's attachments; each callable gets ``(user, target)``.

    The school check always applies on top: a rule cannot open another school's record.
    """
    change = can_change or default_can_change
    _RULES[model] = AttachmentRule(
        can_view=can_view or default_can_view, can_change=change, can_sign=can_sign or change
    )


def _rule(target) -> AttachmentRule:
    model = type(target)._meta.concrete_model
    return _RULES.get(model) or AttachmentRule(default_can_view, default_can_change, default_can_change)


def can_view_attachments(user, target) -> bool:
    return _in_school(user, target) and bool(_rule(target).can_view(user, target))


def can_change_attachments(user, target) -> bool:
    context = getattr(user, "school_context", None)
    if context is not None and context.read_only:
        return False
    return _in_school(user, target) and bool(_rule(target).can_change(user, target))


def can_sign(user, target) -> bool:
    context = getattr(user, "school_context", None)
    if context is not None and context.read_only:
        return False
    return _in_school(user, target) and bool(_rule(target).can_sign(user, target))


# --- reading -----------------------------------------------------------------------------------------


def attachments_for(target: models.Model, school) -> list[Attachment]:
    """The target's attachments that are not removed, oldest first: one query."""
    return list(
        Attachment.objects.for_school(school)
        .for_target(target)
        .active()
        .select_related("created_by", "signer", "content_type")
        .order_by("created_at", "id")
    )


def photos_of_many(model: type[models.Model], ids, school) -> dict[int, list[Attachment]]:
    """The photos (not removed, oldest first) of many records of one model, by record id: one
    query for a whole list page."""
    ids = list(ids)
    if not ids:
        return {}
    found: dict[int, list[Attachment]] = {}
    for photo in (
        Attachment.objects.for_school(school)
        .active()
        .filter(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            object_id__in=ids,
            kind=AttachmentKind.PHOTO,
        )
        .order_by("created_at", "id")
    ):
        found.setdefault(photo.object_id, []).append(photo)
    return found


@dataclass
class AttachmentPanel:
    """Everything ``components/attachments.html`` needs; built by :func:`attachment_panel`."""

    target: models.Model
    target_type: str  # "org.location"
    items: list[Attachment]
    can_change: bool
    can_sign: bool
    signature: bool = False  # show the signature pad
    signed_for: str = ""  # default text of what is signed
    errors: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"attachments-{self.target_type.replace('.', '-')}-{self.target.pk}"

    @property
    def photos(self) -> list[Attachment]:
        return [a for a in self.items if a.kind == AttachmentKind.PHOTO]

    @property
    def documents(self) -> list[Attachment]:
        return [a for a in self.items if a.kind == AttachmentKind.DOCUMENT]

    @property
    def signatures(self) -> list[Attachment]:
        return [a for a in self.items if a.kind == AttachmentKind.SIGNATURE]


def attachment_panel(
    request, target: models.Model, *, signature: bool = False, signed_for: str = "", errors=None
) -> AttachmentPanel:
    """For a detail view: ``attachments=attachment_panel(request, obj)`` (one query)."""
    meta = target._meta
    return AttachmentPanel(
        target=target,
        target_type=f"{meta.app_label}.{meta.model_name}",
        items=attachments_for(target, request.school),
        can_change=can_change_attachments(request.user, target),
        can_sign=signature and can_sign(request.user, target),
        signature=signature,
        signed_for=signed_for,
        errors=list(errors or []),
    )


# --- checking what was uploaded ----------------------------------------------------------------------


def _zip_office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return None
            types = archive.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    if "spreadsheetml.sheet.main+xml" in types:
        return XLSX
    if "wordprocessingml.document.main+xml" in types:
        return DOCX
    return None


def sniff_type(data: bytes) -> str | None:
    """The real type from the first bytes (never the name or the browser's word), or None."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_office_type(data)
    return None


def _clean_name(name: str) -> str:
    name = PurePath(str(name or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:8]) if dot else name[:200]
    return name or "file"


def _open_image(data: bytes) -> Image.Image:
    """Open with Pillow, refusing decompression bombs with a clear message."""
    max_pixels = _setting("IMAGE_MAX_PIXELS", Image.MAX_IMAGE_PIXELS or 89_478_485)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > max_pixels:
                raise Image.DecompressionBombError
            image.draft("RGB", (_setting("IMAGE_MAX_SIDE", 1600),) * 2)  # JPEG: decode at reduced scale
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("图片尺寸过大（超过 %(mp)s 百万像素），无法处理，请缩小后再上传。")
            % {"mp": max_pixels // 1_000_000},
            code="image_too_large",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("图片已损坏或无法识别。"), code="bad_image") from exc
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, side: int) -> bytes:
    image = image.copy()
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif= : EXIF (GPS) is dropped
    return out.getvalue()


@dataclass
class _Prepared:
    content: bytes
    mime_type: str
    ext: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def _prepare_image(data: bytes, mime_type: str) -> _Prepared:
    if mime_type == "image/heic":
        try:
            image = _open_image(data)
        except ValidationError as exc:
            if exc.code == "image_too_large":
                raise
            raise ValidationError(
                _("无法读取 HEIC 照片，请在相机设置中改用“兼容性最佳”（JPEG）后重拍。"),
                code="heic",
            ) from exc
    else:
        image = _open_image(data)
    image = ImageOps.exif_transpose(image)  # phones store "rotate 90°" as a tag
    image = _to_rgb(image)
    content = _jpeg(image, _setting("IMAGE_MAX_SIDE", 1600))
    with Image.open(io.BytesIO(content)) as stored:
        width, height = stored.size
    return _Prepared(
        content=content,
        mime_type="image/jpeg",
        ext="jpg",
        width=width,
        height=height,
        thumbnail=_jpeg(image, _setting("THUMBNAIL_SIDE", 320)),
    )


ACCEPTED_HELP = gettext_lazy("照片（JPEG、PNG、WebP、GIF、HEIC）、PDF、Excel（.xlsx）或 Word（.docx）")


def _read_upload(upload) -> bytes:
    max_bytes = _setting("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("文件“%(name)s”太大（%(size)s），最大 %(max)s。")
            % {
                "name": _clean_name(upload.name),
                "size": filesizeformat(size),
                "max": filesizeformat(max_bytes),
            },
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("文件“%(name)s”太大，最大 %(max)s。")
            % {"name": _clean_name(upload.name), "max": filesizeformat(max_bytes)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": _clean_name(upload.name)}, code="empty")
    return data


def _check_target(target) -> None:
    if not isinstance(target, models.Model) or target.pk is None or not getattr(target, "school_id", None):
        raise ValueError("attachments belong to a saved school-owned record")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("你没有权限修改这条记录的附件。"))


def _save(attachment: Attachment, prepared: _Prepared) -> Attachment:
    attachment.mime_type = prepared.mime_type
    attachment.size = len(prepared.content)
    attachment.width, attachment.height = prepared.width, prepared.height
    attachment.sha256 = hashlib.sha256(prepared.content).hexdigest()
    attachment.file.save(f"f.{prepared.ext}", ContentFile(prepared.content), save=False)
    if prepared.thumbnail:
        attachment.thumbnail.save("t.jpg", ContentFile(prepared.thumbnail), save=False)
    attachment.full_clean()
    attachment.save()
    return attachment


# --- services ----------------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, actor, target: models.Model, upload, kind: str = AttachmentKind.PHOTO) -> Attachment:
    """Check size and real type, shrink and re-encode photos (EXIF and GPS dropped), store, audit.

    ``actor=None`` is a system write (seeding, imports) and skips the permission check.
    """
    _check_target(target)
    if kind not in (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT):
        raise ValueError(f"attachment_add() takes photos and documents, not {kind!r}")
    if actor is not None:
        _require(can_change_attachments(actor, target))
    name = _clean_name(getattr(upload, "name", ""))
    data = _read_upload(upload)
    mime_type = sniff_type(data)
    if mime_type is None:
        raise ValidationError(
            _("不支持文件“%(name)s”的类型。可以上传：%(accepted)s。")
            % {"name": name, "accepted": ACCEPTED_HELP},
            code="bad_type",
        )
    if kind == AttachmentKind.PHOTO and mime_type not in IMAGE_TYPES:
        raise ValidationError(
            _("“%(name)s”不是照片。请上传 JPEG、PNG、WebP、GIF 或 HEIC 图片。") % {"name": name},
            code="not_photo",
        )
    if mime_type in IMAGE_TYPES:
        prepared = _prepare_image(data, mime_type)
    else:
        prepared = _Prepared(content=data, mime_type=mime_type, ext=EXTENSIONS[mime_type])
    attachment = Attachment(
        school_id=target.school_id,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        object_id=target.pk,
        kind=kind,
        original_name=name,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        updated_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _save(attachment, prepared)
    audit.record(actor=actor, verb="attachment_added", target=target, changes={"attachment": [None, name]})
    return attachment


def _decode_signature(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise ValidationError(_("签字数据无效，请重新签字。"), code="bad_signature")
    encoded = data_url[len(prefix) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise ValidationError(_("签字图片太大，请清除后重新签字。"), code="signature_too_large")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(_("签字数据无效，请重新签字。"), code="bad_signature") from exc
    if sniff_type(data) != "image/png":
        raise ValidationError(_("签字数据无效，请重新签字。"), code="bad_signature")
    return data


def _signature_png(data: bytes) -> _Prepared:
    image = _open_image(data)
    if image.width > SIGNATURE_MAX_SIDE or image.height > SIGNATURE_MAX_SIDE:
        raise ValidationError(_("签字图片太大，请清除后重新签字。"), code="signature_too_large")
    rgba = image.convert("RGBA")
    # ink = pixels that differ from the background (the corner pixel: transparent or white)
    background = Image.new("RGBA", rgba.size, rgba.getpixel((0, 0)))
    bands = ImageChops.difference(rgba, background).split()
    strongest = bands[0]
    for band in bands[1:]:
        strongest = ImageChops.lighter(strongest, band)
    if sum(strongest.histogram()[33:]) < SIGNATURE_MIN_INK_PIXELS:
        raise ValidationError(_("还没有签字，请在框内手写签名。"), code="blank_signature")
    out = io.BytesIO()
    rgba.save(out, "PNG", optimize=True)  # re-encoded: nothing but pixels is kept
    return _Prepared(
        content=out.getvalue(), mime_type="image/png", ext="png", width=rgba.width, height=rgba.height
    )


@transaction.atomic
def signature_add(*, actor, target: models.Model, data_url: str, signed_for: str) -> Attachment:
    """A handwritten signature (PNG data URL from signature_pad) by ``actor`` on ``target``."""
    _check_target(target)
    if actor is None or not actor.is_authenticated:
        raise ValidationError(_("签字需要登录的签字人。"), code="no_signer")
    _require(can_sign(actor, target))
    signed_for = (signed_for or "").strip()
    if not signed_for:
        raise ValidationError({"signed_for": [_("请填写签字事项。")]})
    if len(signed_for) > 200:
        raise ValidationError({"signed_for": [_("签字事项最多 200 个字。")]})
    prepared = _signature_png(_decode_signature(data_url))
    now = timezone.now()
    attachment = Attachment(
        school_id=target.school_id,
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        object_id=target.pk,
        kind=AttachmentKind.SIGNATURE,
        original_name=_("签字-%(name)s-%(time)s.png")
        % {"name": actor.get_username(), "time": timezone.localtime(now).strftime("%Y%m%d%H%M%S")},
        signer=actor,
        signed_for=signed_for,
        signed_at=now,
        created_by=actor,
        updated_by=actor,
    )
    _save(attachment, prepared)
    audit.record(actor=actor, verb="signed", target=target, changes={"signature": [None, signed_for]})
    return attachment


@transaction.atomic
def attachment_remove(*, actor, attachment: Attachment, reason: str = "") -> Attachment:
    """Hide an attachment from the record's list; the row and the file stay (DESIGN rule 4)."""
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    target = attachment.target
    if target is None:
        raise ValidationError(_("附件所属的记录不存在。"))
    if actor is not None:
        _require(can_change_attachments(actor, target))
    if attachment.removed_at is not None:
        raise ValidationError(_("附件已被移除。"), code="already_removed")
    attachment.removed_at = timezone.now()
    attachment.removed_by = actor if actor is not None and actor.is_authenticated else None
    attachment.removed_reason = (reason or "").strip()[:200]
    if actor is not None and actor.is_authenticated:
        attachment.updated_by = actor
    attachment.save(update_fields=["removed_at", "removed_by", "removed_reason", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="attachment_removed",
        target=target,
        changes={"attachment": [attachment.original_name, None]},
    )
    return attachment
