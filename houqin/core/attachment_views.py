"""Pages for attachments: upload, signature, download, thumbnail, remove.

Files are never served from MEDIA_URL: every download goes through :func:`attachment_download`,
which finds the attachment inside the current school and asks the target's view rule.
The upload and signature forms name their target as ``target_type`` (``"org.location"``) and
``target_id``; the target is looked up in the current school (another school's id → 404).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import attachments as services
from .http import get_for_school, school_required
from .models import Attachment, AttachmentKind

PANEL_TEMPLATE = "components/attachments.html"


def _target(request, type_key: str | None, target_id: str | None):
    """The record named by the form, inside the current school; 404 for anything else."""
    try:
        app_label, model_name = (type_key or "").split(".", 1)
        model = apps.get_model(app_label, model_name)
        pk = int(target_id or "")
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    if not hasattr(model.objects, "for_school"):
        raise Http404
    return get_for_school(model, request, pk=pk)


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _respond(request, target, *, errors: list[str], saved: str = ""):
    """htmx: the refreshed panel (errors inside it, status 200 so htmx swaps it).
    Without JavaScript: a message and back to the record."""
    signature = request.POST.get("signature") == "1"
    if request.htmx:
        panel = services.attachment_panel(
            request,
            target,
            signature=signature,
            signed_for=request.POST.get("default_signed_for", ""),
            errors=errors,
        )
        return TemplateResponse(request, PANEL_TEMPLATE, {"panel": panel, "saved": saved})
    for error in errors:
        messages.error(request, error)
    if saved:
        messages.success(request, saved)
    nxt = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = target.get_absolute_url() if hasattr(target, "get_absolute_url") else "/"
    return HttpResponseRedirect(nxt)


@school_required()
@require_POST
def attachment_upload(request):
    target = _target(request, request.POST.get("target_type"), request.POST.get("target_id"))
    if not services.can_change_attachments(request.user, target):
        raise PermissionDenied
    kind = request.POST.get("kind", AttachmentKind.PHOTO)
    if kind not in (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT):
        kind = AttachmentKind.PHOTO
    uploads = request.FILES.getlist("file")
    errors: list[str] = []
    if not uploads:
        errors.append(_("请选择要上传的文件。"))
    added = 0
    for upload in uploads:
        try:
            services.attachment_add(actor=request.user, target=target, upload=upload, kind=kind)
            added += 1
        except ValidationError as exc:
            errors.extend(_messages_of(exc))
    saved = _("已上传 %(count)s 个文件。") % {"count": added} if added else ""
    return _respond(request, target, errors=errors, saved=saved)


@school_required()
@require_POST
def attachment_sign(request):
    target = _target(request, request.POST.get("target_type"), request.POST.get("target_id"))
    if not services.can_sign(request.user, target):
        raise PermissionDenied
    errors: list[str] = []
    saved = ""
    try:
        services.signature_add(
            actor=request.user,
            target=target,
            data_url=request.POST.get("data_url", ""),
            signed_for=request.POST.get("signed_for", ""),
        )
        saved = _("签字已保存。")
    except ValidationError as exc:
        errors.extend(_messages_of(exc))
    return _respond(request, target, errors=errors, saved=saved)


def _visible_attachment(request, pk: int) -> Attachment:
    attachment = get_for_school(Attachment.objects.select_related("content_type"), request, pk=pk)
    target = attachment.target
    if target is None or not services.can_view_attachments(request.user, target):
        raise PermissionDenied
    return attachment


def _file_response(attachment: Attachment, field, *, inline: bool) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.download_name,
        content_type=attachment.mime_type if field is attachment.file else "image/jpeg",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@school_required()
def attachment_download(request, pk: int):
    attachment = _visible_attachment(request, pk)
    inline = attachment.mime_type in services.INLINE_TYPES and request.GET.get("download") != "1"
    return _file_response(attachment, attachment.file, inline=inline)


@school_required()
def attachment_thumbnail(request, pk: int):
    attachment = _visible_attachment(request, pk)
    if attachment.thumbnail:
        return _file_response(attachment, attachment.thumbnail, inline=True)
    if attachment.kind == AttachmentKind.SIGNATURE:
        return _file_response(attachment, attachment.file, inline=True)
    raise Http404


@school_required()
def attachment_remove(request, pk: int):
    attachment = _visible_attachment(request, pk)  # another school's id: 404 before anything else
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = attachment.target
    if not services.can_change_attachments(request.user, target):
        raise PermissionDenied
    errors: list[str] = []
    saved = ""
    try:
        services.attachment_remove(
            actor=request.user, attachment=attachment, reason=request.POST.get("reason", "")
        )
        saved = _("附件已移除（记录中仍保留）。")
    except ValidationError as exc:
        errors.extend(_messages_of(exc))
    return _respond(request, target, errors=errors, saved=saved)
