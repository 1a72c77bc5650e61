from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from houqin.core.models import AuditEvent


class SchoolScopedViewSet(viewsets.GenericViewSet):
    """Base of every API view set: the queryset starts from the current school.

    Another school's id is a 404. Writes go through ``perform_service_create`` /
    ``perform_service_update``, which subclasses implement by calling the app's services.
    """

    model = None
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request school
            return self.base_queryset().none()
        return self.base_queryset().for_school(self.request._request.school)

    def base_queryset(self):
        return self.model.objects.all()

    @property
    def school(self):
        return self.request._request.school


class SchoolReadWriteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    SchoolScopedViewSet,
):
    """List, read, create and update. No delete: records are deactivated, not removed.

    The write hooks are defined here, not on a base class: DRF's mixins define ``perform_create``
    and ``perform_update`` too (plain ``serializer.save()``), and this class must win over them so
    every API write goes through the app's services.
    """

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.instance = self.perform_service_create(serializer.validated_data)

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.instance = self.perform_service_update(serializer.instance, serializer.validated_data)

    def perform_service_create(self, data):  # pragma: no cover - abstract
        raise NotImplementedError

    def perform_service_update(self, instance, data):  # pragma: no cover - abstract
        raise NotImplementedError


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    school = serializers.DictField(allow_null=True)
    schools = serializers.ListField(child=serializers.DictField())
    read_only = serializers.BooleanField()
    permissions = serializers.ListField(child=serializers.CharField())


@extend_schema(responses=MeSerializer, summary=str(_("当前用户、学校和权限")))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    context = request._request.school_context
    user = request.user
    return Response(
        {
            "id": user.pk,
            "username": user.username,
            "display_name": str(user),
            "school": {"id": context.school.pk, "name": context.school.name} if context.school else None,
            "schools": [{"id": pk, "name": name} for pk, name in context.school_choices],
            "read_only": context.read_only,
            "permissions": sorted(context.permissions),
        }
    )


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "verb", "target_type", "target_id", "target_repr", "changes"]

    def get_target_type(self, obj) -> str | None:
        return f"{obj.target_type.app_label}.{obj.target_type.model}" if obj.target_type_id else None


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet):
    """The school's audit trail (事事有记录), newest first."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_fields = ["verb", "target_id"]
    ordering_fields = ["created_at"]

    def base_queryset(self):
        return AuditEvent.objects.select_related("actor", "target_type")
