"""API of the stocktake's adjustments step: the proposals of a plan (list ``?stocktake=``, read,
PATCH through ``stocktake_adjustment_update``) and the ``submit`` action that the plans' view set
inherits (``StocktakeAdjustmentActions``). Deciding is done on the approval
(``/api/v1/approvals/<id>/approve``), which calls ``stocktake_adjustment_on_decision``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.assets.models import AssetCategory
from houqin.core.api.serializers import SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet
from houqin.org.models import Location

from .. import services
from ..models import StocktakeAdjustment


class StocktakeAdjustmentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    asset_code = serializers.CharField(source="asset.code", read_only=True, default=None, allow_null=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True, default=None, allow_null=True)
    from_location = serializers.CharField(
        source="asset.location.full_name", read_only=True, default=None, allow_null=True
    )
    from_quantity = serializers.IntegerField(
        source="asset.quantity", read_only=True, default=None, allow_null=True
    )
    to_location_name = serializers.CharField(
        source="to_location.full_name", read_only=True, default=None, allow_null=True
    )
    surplus_name = serializers.CharField(source="surplus.name", read_only=True, default=None, allow_null=True)
    surplus_quantity = serializers.IntegerField(
        source="surplus.quantity", read_only=True, default=None, allow_null=True
    )
    category = serializers.IntegerField(
        source="surplus.category_id", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = StocktakeAdjustment
        fields = [
            "id",
            "stocktake",
            "kind",
            "kind_label",
            "line",
            "asset",
            "asset_code",
            "asset_name",
            "from_location",
            "from_quantity",
            "surplus",
            "surplus_name",
            "surplus_quantity",
            "category",
            "to_location",
            "to_location_name",
            "new_quantity",
            "amount",
            "include",
            "note",
            "applied_at",
            "reference",
        ]
        read_only_fields = fields


class StocktakeAdjustmentUpdateSerializer(SchoolScopedSerializerMixin, serializers.Serializer):
    """What PATCH may change; related ids are limited to the school (another school's: not found)."""

    include = serializers.BooleanField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    to_location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), required=False)
    new_quantity = serializers.IntegerField(required=False, min_value=1)
    category = serializers.PrimaryKeyRelatedField(queryset=AssetCategory.objects.all(), required=False)


class StocktakeAdjustmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, SchoolScopedViewSet
):
    """盘点调整: the proposals a reconciliation made (``?stocktake=<id>``, ``?kind=``,
    ``?include=``); PATCH ``include``, ``note``, ``to_location``, ``new_quantity`` or ``category``
    while the plan waits for its adjustments (待处理差异)."""

    model = StocktakeAdjustment
    serializer_class = StocktakeAdjustmentSerializer
    filterset_fields = ["stocktake", "kind", "include"]
    ordering_fields = ["kind", "amount"]
    http_method_names = ["get", "patch", "head", "options"]

    def base_queryset(self):
        return StocktakeAdjustment.objects.select_related(
            "asset", "asset__location", "surplus", "to_location"
        ).order_by("stocktake", "kind", "pk")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return StocktakeAdjustmentUpdateSerializer
        return StocktakeAdjustmentSerializer

    @extend_schema(request=StocktakeAdjustmentUpdateSerializer, responses=StocktakeAdjustmentSerializer)
    def partial_update(self, request, *args, **kwargs):
        adjustment = self.get_object()
        body = StocktakeAdjustmentUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        services.stocktake_adjustment_update(actor=request.user, adjustment=adjustment, **body.validated_data)
        adjustment = self.get_queryset().get(pk=adjustment.pk)
        return Response(StocktakeAdjustmentSerializer(adjustment, context=self.get_serializer_context()).data)


class StocktakeAdjustmentActions:
    """Actions of the adjustments step for the plans' view set (which supplies ``get_object`` and
    ``detail_response``)."""

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="submit", url_name="submit")
    def submit(self, request, pk=None):
        """提交差异审批 (the included proposals go to the stocktake-adjustment approval), or 结账
        when nothing is included (帐物相符). Every problem is answered at once (400)."""
        stocktake = self.get_object()
        stocktake = services.stocktake_submit(actor=request.user, stocktake=stocktake)
        if hasattr(self, "detail_response"):
            return self.detail_response(stocktake)
        return Response({"id": stocktake.pk, "status": stocktake.status})


def register(router) -> None:
    router.register(
        "stocktake/adjustments", StocktakeAdjustmentViewSet, basename="stocktake-stocktakeadjustment"
    )
