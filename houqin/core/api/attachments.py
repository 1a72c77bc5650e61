"""Attachments in the API: list a record's files, upload, download, remove.

Who may see or change a record's files is the rule of ``core.attachments`` (the record's own
view/change permission, or a finer rule the module registered); the API asks it like the pages.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from houqin.core import attachments as services
from houqin.core.models import Attachment, AttachmentKind

from .views import SchoolScopedViewSet


class SchoolMember(BasePermission):
    """Signed in and acting in a school; what they may do with a file is the target's rule."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request._request.school is not None)


class AttachmentSerializer(serializers.ModelSerializer):
    target_type = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "target_type",
            "object_id",
            "kind",
            "original_name",
            "mime_type",
            "size",
            "width",
            "height",
            "signed_for",
            "signed_at",
            "created_at",
            "download_url",
        ]

    def get_target_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_download_url(self, obj) -> str:
        return f"/api/v1/attachments/{obj.pk}/download/"


class AttachmentUploadSerializer(serializers.Serializer):
    target_type = serializers.CharField(help_text=_("记录类型，如 org.location"))
    target_id = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=[AttachmentKind.PHOTO, AttachmentKind.DOCUMENT], default="photo")
    file = serializers.FileField()


class RemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


TARGET_PARAMS = [
    OpenApiParameter("target_type", str, required=True, description=str(_("记录类型，如 org.location"))),
    OpenApiParameter("target_id", int, required=True, description=str(_("记录编号"))),
]


class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet):
    model = Attachment
    serializer_class = AttachmentSerializer
    permission_classes = [SchoolMember]
    parser_classes = [MultiPartParser, JSONParser]
    filter_backends: list = []

    def base_queryset(self):
        return Attachment.objects.filter(removed_at__isnull=True).select_related("content_type")

    def _target(self, type_key, target_id):
        try:
            model = apps.get_model(*str(type_key).split(".", 1))
            pk = int(target_id)
        except (LookupError, TypeError, ValueError) as exc:
            raise ApiValidationError({"target_type": [_("没有这种记录。")]}) from exc
        if not hasattr(model.objects, "for_school"):
            raise ApiValidationError({"target_type": [_("没有这种记录。")]})
        target = model.objects.for_school(self.school).filter(pk=pk).first()
        if target is None:
            raise Http404
        return target

    def get_object(self):
        attachment = super().get_object()
        if not services.can_view_attachments(self.request.user, attachment.target):
            raise Http404
        return attachment

    @extend_schema(parameters=TARGET_PARAMS)
    def list(self, request, *args, **kwargs):
        """The files of one record (``?target_type=org.location&target_id=5``)."""
        target = self._target(request.query_params.get("target_type"), request.query_params.get("target_id"))
        if not services.can_view_attachments(request.user, target):
            raise Http404
        rows = services.attachments_for(target, self.school)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Upload a photo or document to a record (size and real type are checked)."""
        form = AttachmentUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        target = self._target(form.validated_data["target_type"], form.validated_data["target_id"])
        if not services.can_change_attachments(request.user, target):
            raise PermissionDenied
        attachment = services.attachment_add(
            actor=request.user,
            target=target,
            upload=form.validated_data["file"],
            kind=form.validated_data["kind"],
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    # the file as stored: a photo (image/jpeg, image/png, ...), a PDF, an office document
    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:  # the record outlived its file: not found, as on the page
            raise Http404 from exc
        response = FileResponse(handle, content_type=attachment.mime_type)
        response["Content-Disposition"] = content_disposition_header(True, attachment.download_name)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(request=RemoveSerializer, responses={200: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def remove(self, request, pk=None):
        """Mark a file removed (kept for the record)."""
        attachment = self.get_object()
        form = RemoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if not services.can_change_attachments(request.user, attachment.target):
            raise PermissionDenied
        attachment = services.attachment_remove(
            actor=request.user, attachment=attachment, reason=form.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(attachment).data)
