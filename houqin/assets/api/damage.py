"""API of the asset damage area: report (create), read, and the POST actions assess / settle / waive.

Every write calls the same services as the pages; errors come back as field errors.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core import audit
from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet
from houqin.org.models import SchoolClass

from .. import permissions, services
from ..choices import DamageCause
from ..models import Asset, AssetDamage


class TimelineEventSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    verb = serializers.CharField()
    verb_label = serializers.CharField()
    changes = serializers.DictField()


def timeline_data(obj, school) -> list[dict]:
    return [
        {
            "created_at": e.created_at,
            "actor": str(e.actor) if e.actor_id else None,
            "verb": e.verb,
            "verb_label": audit.verb_label(e.verb),
            "changes": e.changes,
        }
        for e in audit.timeline(obj, school=school)[:50]
    ]


class AssetDamageSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all())
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    reported_by = PersonSerializer(read_only=True)
    responsible_user = PersonSerializer(read_only=True, allow_null=True)
    responsible_class_name = serializers.CharField(
        source="responsible_class", read_only=True, allow_null=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    cause = serializers.ChoiceField(choices=DamageCause.choices, allow_blank=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = AssetDamage
        fields = [
            "id",
            "number",
            "asset",
            "asset_code",
            "asset_name",
            "description",
            "occurred_on",
            "reported_by",
            "status",
            "status_label",
            "cause",
            "assessed_at",
            "responsible_user",
            "responsible_class",
            "responsible_class_name",
            "responsible_name",
            "compensation_amount",
            "receipt_number",
            "settled_at",
            "waiver_reason",
            "repair_reference",
            "created_at",
            "actions",
        ]
        read_only_fields = [
            "number",
            "status",
            "cause",
            "assessed_at",
            "responsible_class",
            "responsible_name",
            "compensation_amount",
            "receipt_number",
            "settled_at",
            "waiver_reason",
            "repair_reference",
            "created_at",
        ]
        extra_kwargs = {"occurred_on": {"required": False}}

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return permissions.damage_actions(obj, request.user) if request else []


class AssetDamageDetailSerializer(AssetDamageSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(AssetDamageSerializer.Meta):
        fields = [*AssetDamageSerializer.Meta.fields, "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineEventSerializer(timeline_data(obj, obj.school), many=True).data


class DamageAssessSerializer(SchoolScopedSerializerMixin, serializers.Serializer):
    cause = serializers.ChoiceField(choices=DamageCause.choices)
    responsible_user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )
    responsible_class = serializers.PrimaryKeyRelatedField(
        queryset=SchoolClass.objects.all(), required=False, allow_null=True
    )
    responsible_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    compensation_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )


class DamageSettleSerializer(serializers.Serializer):
    receipt_number = serializers.CharField(allow_blank=True, max_length=50)


class DamageWaiverSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=200)


class AssetDamageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, SchoolScopedViewSet
):
    """损坏报告: ``POST`` reports damage (photos: the attachments API, ``target_type=assets.assetdamage``);
    ``assess``, ``settle`` and ``waive`` are the steps of 谁损坏谁赔偿. Lists show the reports the user
    may see (the keepers of the books and leaders: all; others: their own)."""

    model = AssetDamage
    serializer_class = AssetDamageSerializer
    filterset_fields = ["status", "cause", "asset"]
    ordering_fields = ["created_at", "occurred_on"]

    def base_queryset(self):
        return AssetDamage.objects.select_related(
            "asset", "reported_by", "responsible_user", "responsible_class", "responsible_class__head_teacher"
        )

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        visible = permissions.damages_visible_to(self.request.user, self.school)
        return qs.filter(pk__in=visible.values("pk"))

    def get_serializer_class(self):
        return {
            "retrieve": AssetDamageDetailSerializer,
            "assess": DamageAssessSerializer,
            "settle": DamageSettleSerializer,
            "waive": DamageWaiverSerializer,
        }.get(self.action, AssetDamageSerializer)

    def perform_create(self, serializer):
        data = serializer.validated_data
        with transaction.atomic():
            serializer.instance = services.asset_damage_report(
                actor=self.request.user,
                school=self.school,
                asset=data["asset"],
                description=data.get("description", ""),
                occurred_on=data.get("occurred_on"),
            )

    def _act(self, request, call):
        damage = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            call(damage, serializer.validated_data)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc
        damage = self.get_queryset().get(pk=damage.pk)
        return Response(AssetDamageDetailSerializer(damage, context=self.get_serializer_context()).data)

    @extend_schema(request=DamageAssessSerializer, responses=AssetDamageDetailSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        return self._act(
            request,
            lambda damage, data: services.asset_damage_assess(actor=request.user, damage=damage, **data),
        )

    @extend_schema(request=DamageSettleSerializer, responses=AssetDamageDetailSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        return self._act(
            request,
            lambda damage, data: services.asset_damage_settle(
                actor=request.user, damage=damage, receipt_number=data["receipt_number"]
            ),
        )

    @extend_schema(request=DamageWaiverSerializer, responses=AssetDamageDetailSerializer)
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        return self._act(
            request,
            lambda damage, data: services.asset_damage_request_waiver(
                actor=request.user, damage=damage, reason=data["reason"]
            ),
        )


def register(router) -> None:
    router.register("asset-damage", AssetDamageViewSet, basename="assets-assetdamage")
