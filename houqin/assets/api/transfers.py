"""API of transfers (调配): ``/api/v1/asset-transfers/`` — list (``?tab=waiting|mine``), read, create,
and the POST actions confirm / reject / cancel calling the same services as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core import audit
from houqin.core.api.permissions import SchoolModelPermissions
from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet
from houqin.org.models import Department, Location

from ..choices import TransferStatus
from ..models import Asset, AssetTransfer, AssetTransferItem
from ..services import transfers as services

User = get_user_model()


# --- serializers ----------------------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)


class TransferItemSerializer(serializers.ModelSerializer):
    asset = serializers.IntegerField(source="asset_id", read_only=True)
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    from_location = PlaceSerializer(read_only=True, allow_null=True)
    from_department = PlaceSerializer(read_only=True, allow_null=True)
    from_custodian = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AssetTransferItem
        fields = [
            "id",
            "asset",
            "asset_code",
            "asset_name",
            "from_location",
            "from_department",
            "from_custodian",
        ]


class TimelineSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    verb = serializers.CharField()
    verb_label = serializers.CharField()
    changes = serializers.DictField()


def timeline_rows(obj, school) -> list[dict]:
    return [
        {
            "created_at": e.created_at,
            "actor": str(e.actor) if e.actor_id else None,
            "verb": e.verb,
            "verb_label": e.verb_label,
            "changes": e.changes,
        }
        for e in audit.timeline(obj, school=school)[:50]
    ]


class AssetTransferSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    assets = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(), many=True, write_only=True, help_text="ids of the asset cards to move"
    )
    to_custodian = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    to_custodian_detail = PersonSerializer(source="to_custodian", read_only=True)
    to_location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True
    )
    to_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    created_by = PersonSerializer(read_only=True, allow_null=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    item_count = serializers.SerializerMethodField()
    items = TransferItemSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = AssetTransfer
        fields = [
            "id",
            "number",
            "assets",
            "to_custodian",
            "to_custodian_detail",
            "to_location",
            "to_department",
            "reason",
            "status",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "item_count",
            "items",
            "actions",
        ]
        read_only_fields = ["number", "status", "created_at", "decided_at", "decision_note"]
        validators = []

    def get_item_count(self, obj) -> int:
        count = getattr(obj, "item_count", None)
        return count if count is not None else obj.items.count()

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return services.transfer_available_actions(obj, request.user) if request else []


class AssetTransferDetailSerializer(AssetTransferSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(AssetTransferSerializer.Meta):
        fields = [*AssetTransferSerializer.Meta.fields, "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineSerializer(timeline_rows(obj, obj.school), many=True).data


class RejectSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EmptySerializer(serializers.Serializer):
    pass


# --- view set -------------------------------------------------------------------------------------


class TransferPermissions(SchoolModelPermissions):
    """Reading needs view_assettransfer; starting one needs add_assettransfer (the service checks);
    confirming is the receiver's, cancelling the creator's or the clerk's (object rules in the services)."""

    perms_map = {**SchoolModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


@extend_schema(
    parameters=[
        OpenApiParameter(
            "tab", str, enum=["waiting", "mine"], description="waiting for my confirmation / mine"
        )
    ]
)
class AssetTransferViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, SchoolScopedViewSet
):
    """调配: transfers of the school. POST creates one (needs ``add_assettransfer``); the receiving
    custodian confirms or rejects, the creator or the asset clerk cancels."""

    model = AssetTransfer
    serializer_class = AssetTransferSerializer
    permission_classes = [TransferPermissions]
    filterset_fields = ["status", "to_custodian"]
    ordering_fields = ["created_at"]

    def base_queryset(self):
        items = AssetTransferItem.objects.select_related(
            "asset", "from_location", "from_department", "from_custodian"
        ).order_by("pk")
        return (
            AssetTransfer.objects.select_related("to_custodian", "created_by", "decided_by", "school")
            .prefetch_related(Prefetch("items", queryset=items))
            .annotate(item_count=Count("items"))
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return AssetTransferDetailSerializer
        if self.action == "reject":
            return RejectSerializer
        if self.action == "cancel":
            return CancelSerializer
        if self.action == "confirm":
            return EmptySerializer
        return super().get_serializer_class()

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return qs
        tab = self.request.query_params.get("tab")
        if tab == "waiting":
            qs = qs.filter(to_custodian=self.request.user, status=TransferStatus.PENDING)
        elif tab == "mine":
            qs = qs.filter(created_by=self.request.user)
        return qs.order_by("-created_at", "-pk")

    def http_method_not_allowed(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.get_object()  # another school's id stays a 404
        return super().http_method_not_allowed(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.asset_transfer_create(
            actor=self.request.user,
            school=self.school,
            assets=data["assets"],
            to_custodian=data["to_custodian"],
            to_location=data.get("to_location"),
            to_department=data.get("to_department"),
            reason=data.get("reason", ""),
        )

    def _act(self, request, serializer_class, call):
        transfer = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        call(transfer, serializer.validated_data)
        transfer = self.get_queryset().get(pk=transfer.pk)
        return Response(AssetTransferDetailSerializer(transfer, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=AssetTransferDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The receiving custodian confirms: the assets move."""
        return self._act(
            request,
            EmptySerializer,
            lambda transfer, data: services.asset_transfer_confirm(actor=request.user, transfer=transfer),
        )

    @extend_schema(request=RejectSerializer, responses=AssetTransferDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The receiving custodian refuses, with a reason."""
        return self._act(
            request,
            RejectSerializer,
            lambda transfer, data: services.asset_transfer_reject(
                actor=request.user, transfer=transfer, note=data["note"]
            ),
        )

    @extend_schema(request=CancelSerializer, responses=AssetTransferDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The creator or the asset clerk withdraws a pending transfer."""
        return self._act(
            request,
            CancelSerializer,
            lambda transfer, data: services.asset_transfer_cancel(
                actor=request.user, transfer=transfer, reason=data["reason"]
            ),
        )


def register(router) -> None:
    router.register("asset-transfers", AssetTransferViewSet, basename="assets-assettransfer")
