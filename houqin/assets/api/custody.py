"""API of custodianship (承包管理): ``/api/v1/asset-custodies/`` — list (``?tab=mine``), read (with the
lines and the timeline), create, and the POST actions items (replace the lines while waiting for the
signature), sign (the responsible person's handwritten signature as a PNG data URL) and return
(the term-end condition check), calling the same services as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core.api.permissions import SchoolModelPermissions
from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet
from houqin.org.models import Department, Location, SchoolClass

from ..choices import Condition, CustodyHolder
from ..models import Asset, AssetCustody, AssetCustodyItem
from ..services import custody as services
from .transfers import TimelineSerializer, timeline_rows

User = get_user_model()


# --- serializers ----------------------------------------------------------------------------------


def _flat(detail, where: str = "") -> list[str]:
    """Nested errors (a line of ``items``, a key of ``conditions``) as plain sentences, so every API
    error has the one documented shape ``{"errors": {"field": ["..."]}}``."""
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _flat(value, where + _row(key))]
    if isinstance(detail, list):
        if all(not isinstance(x, dict | list) for x in detail):
            return [f"{where}{x}" for x in detail]
        return [m for i, value in enumerate(detail) if value for m in _flat(value, where + _row(i))]
    return [f"{where}{detail}"]


def _row(key) -> str:
    if isinstance(key, int):
        return _("第 %(line)d 行：") % {"line": key + 1}
    return f"{key}："


class FlatErrorsMixin:
    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                raise serializers.ValidationError({k: _flat(v) for k, v in exc.detail.items()}) from exc
            raise


class CustodyItemSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all(), required=False, allow_null=True)
    asset_code = serializers.CharField(source="asset.code", read_only=True, default=None, allow_null=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    condition_back = serializers.CharField(read_only=True, help_text="blank until handed back")

    class Meta:
        model = AssetCustodyItem
        fields = ["id", "asset", "asset_code", "name", "quantity", "condition_out", "condition_back", "note"]


class AssetCustodySerializer(FlatErrorsMixin, SchoolScopedSerializerMixin, serializers.ModelSerializer):
    holder_kind = serializers.ChoiceField(choices=CustodyHolder.choices)
    school_class = serializers.PrimaryKeyRelatedField(
        queryset=SchoolClass.objects.all(), required=False, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(),
        required=False,
        allow_null=True,
        help_text="the class's room by default",
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="head teacher / head by default",
    )
    responsible_detail = PersonSerializer(source="responsible", read_only=True)
    holder = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField()
    items = CustodyItemSerializer(
        many=True, required=False, help_text="the room's cards and fixtures by default"
    )
    actions = serializers.SerializerMethodField()

    class Meta:
        model = AssetCustody
        fields = [
            "id",
            "number",
            "term",
            "holder_kind",
            "holder",
            "school_class",
            "department",
            "location",
            "responsible",
            "responsible_detail",
            "status",
            "signed_at",
            "returned_at",
            "return_checked_by",
            "note",
            "item_count",
            "items",
            "actions",
        ]
        read_only_fields = ["number", "status", "signed_at", "returned_at", "return_checked_by"]
        validators = []

    def get_holder(self, obj) -> str:
        return services.holder_name(obj)

    def get_item_count(self, obj) -> int:
        count = getattr(obj, "item_count", None)
        return count if count is not None else obj.items.count()

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return services.custody_available_actions(obj, request.user) if request else []


class AssetCustodyDetailSerializer(AssetCustodySerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(AssetCustodySerializer.Meta):
        fields = [*AssetCustodySerializer.Meta.fields, "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineSerializer(timeline_rows(obj, obj.school), many=True).data


class ItemsSerializer(FlatErrorsMixin, serializers.Serializer):
    items = CustodyItemSerializer(many=True)


class SignSerializer(serializers.Serializer):
    signature = serializers.CharField(help_text="PNG data URL: data:image/png;base64,...")


class ReturnSerializer(FlatErrorsMixin, serializers.Serializer):
    conditions = serializers.DictField(
        child=serializers.ChoiceField(choices=Condition.choices), help_text="{item id: condition}, every line"
    )
    notes = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True), required=False, default=dict
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


def _lines(items: list[dict]) -> list[dict]:
    return [
        {
            "id": item.get("id"),
            "asset": item.get("asset"),
            "name": item.get("name", ""),
            "quantity": item.get("quantity", 1),
            "condition_out": item.get("condition_out", Condition.GOOD),
            "note": item.get("note", ""),
        }
        for item in items
    ]


# --- view set -------------------------------------------------------------------------------------


class CustodyPermissions(SchoolModelPermissions):
    """Reading needs view_assetcustody; drawing up, signing and the term-end check are checked by the
    services (add / the responsible person / change_assetcustody)."""

    perms_map = {**SchoolModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


@extend_schema(parameters=[OpenApiParameter("tab", str, enum=["mine"], description="sheets I sign")])
class AssetCustodyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, SchoolScopedViewSet
):
    """承包管理: custodianship sheets of the school's classes and offices, term by term."""

    model = AssetCustody
    serializer_class = AssetCustodySerializer
    permission_classes = [CustodyPermissions]
    filterset_fields = ["status", "holder_kind", "term", "school_class", "department", "location"]
    ordering_fields = ["created_at"]

    def base_queryset(self):
        items = AssetCustodyItem.objects.select_related("asset").order_by("sort_order", "pk")
        return (
            AssetCustody.objects.select_related(
                "school", "school_class", "department", "location", "responsible"
            )
            .prefetch_related(Prefetch("items", queryset=items))
            .annotate(item_count=Count("items"))
        )

    def get_serializer_class(self):
        return {
            "retrieve": AssetCustodyDetailSerializer,
            "items": ItemsSerializer,
            "sign": SignSerializer,
            "return_": ReturnSerializer,
        }.get(self.action, super().get_serializer_class())

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return qs
        if self.request.query_params.get("tab") == "mine":
            qs = qs.filter(responsible=self.request.user)
        return qs.order_by("-created_at", "-pk")

    def http_method_not_allowed(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.get_object()  # another school's id stays a 404
        return super().http_method_not_allowed(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.asset_custody_create(
            actor=self.request.user,
            school=self.school,
            holder_kind=data["holder_kind"],
            location=data.get("location"),
            term=data.get("term", ""),
            school_class=data.get("school_class"),
            department=data.get("department"),
            responsible=data.get("responsible"),
            items=_lines(data["items"]) if "items" in data else None,
            note=data.get("note", ""),
        )

    def _act(self, request, serializer_class, call):
        custody = self.get_object()
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        call(custody, serializer.validated_data)
        custody = self.get_queryset().get(pk=custody.pk)
        return Response(AssetCustodyDetailSerializer(custody, context=self.get_serializer_context()).data)

    @extend_schema(request=ItemsSerializer, responses=AssetCustodyDetailSerializer)
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        """Replace the lines while the sheet waits for the signature (``id`` keeps a line)."""
        return self._act(
            request,
            ItemsSerializer,
            lambda custody, data: services.asset_custody_update_items(
                actor=request.user, custody=custody, items=_lines(data["items"])
            ),
        )

    @extend_schema(request=SignSerializer, responses=AssetCustodyDetailSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """The responsible person signs by hand."""
        return self._act(
            request,
            SignSerializer,
            lambda custody, data: services.asset_custody_sign(
                actor=request.user, custody=custody, signature_data_url=data["signature"]
            ),
        )

    @extend_schema(request=ReturnSerializer, responses=AssetCustodyDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Term-end hand-back with the condition of every line (the asset clerk)."""
        return self._act(
            request,
            ReturnSerializer,
            lambda custody, data: services.asset_custody_return(
                actor=request.user,
                custody=custody,
                conditions=data["conditions"],
                notes=data.get("notes") or {},
                note=data.get("note", ""),
            ),
        )


def register(router) -> None:
    router.register("asset-custodies", AssetCustodyViewSet, basename="assets-assetcustody")
