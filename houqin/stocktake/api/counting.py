"""API of the stocktake's counting step: the locations to count (mine, or all of a plan for those
who read plans) with their expected cards, and the actions ``count``, ``surplus``, ``finish`` and
``reopen``; the lines (read-only) with ``uncount``. Every write calls the same services as the
count page; a retried ``count`` or ``surplus`` with the same ``client_key`` saves nothing twice.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from houqin.assets.models import AssetCategory
from houqin.core.api.permissions import SchoolModelPermissions
from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet
from houqin.core.attachments import attachment_add
from houqin.core.http import id_param

from .. import permissions, services
from ..choices import CountCondition, StocktakeStatus
from ..models import StocktakeLine, StocktakeLocation, StocktakeSurplus
from .plans import StocktakeLocationPlanActions

READ_PERM = "stocktake.view_stocktakelocation"  # every member: the object rules decide


class CountingPermissions(SchoolModelPermissions):
    """Reading and the counting actions need only ``view_stocktakelocation`` (every member may be a
    counter); which locations and lines a user sees and may count is decided by the object rules
    (permissions.py) in the queryset and the services."""

    perms_map = {
        **SchoolModelPermissions.perms_map,
        "GET": [READ_PERM],
        "HEAD": [READ_PERM],
        "POST": [READ_PERM],
    }


def _visible_places(user, queryset):
    if user.has_perm("stocktake.view_stocktake"):
        return queryset
    return queryset.filter(counter=user)


# --- serializers ----------------------------------------------------------------------------------


class StocktakeLineSerializer(serializers.ModelSerializer):
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)
    unit = serializers.CharField(source="asset.unit", read_only=True)
    counted_by = PersonSerializer(read_only=True, allow_null=True)
    # blank until counted, so not the enum of CountCondition
    condition = serializers.CharField(read_only=True, help_text="good / damaged / needs_repair，未盘为空")
    condition_label = serializers.CharField(source="get_condition_display", read_only=True)
    is_counted = serializers.BooleanField(read_only=True)
    is_misplaced = serializers.BooleanField(read_only=True)

    class Meta:
        model = StocktakeLine
        fields = [
            "id",
            "stocktake",
            "place",
            "asset",
            "asset_code",
            "asset_name",
            "unit",
            "expected",
            "expected_quantity",
            "counted_quantity",
            "found_in",
            "condition",
            "condition_label",
            "note",
            "counted_by",
            "counted_at",
            "is_counted",
            "is_misplaced",
            "result",
        ]
        read_only_fields = fields


class StocktakeSurplusSerializer(serializers.ModelSerializer):
    counted_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = StocktakeSurplus
        fields = [
            "id",
            "stocktake",
            "place",
            "name",
            "spec_model",
            "quantity",
            "unit",
            "category",
            "estimated_value",
            "note",
            "counted_by",
            "counted_at",
            "withdrawn",
        ]
        read_only_fields = fields


class StocktakeLocationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    stocktake_number = serializers.CharField(source="stocktake.number", read_only=True)
    stocktake_title = serializers.CharField(source="stocktake.title", read_only=True)
    stocktake_status = serializers.CharField(source="stocktake.status", read_only=True)
    deadline = serializers.DateField(source="stocktake.deadline", read_only=True)
    counter = PersonSerializer(read_only=True, allow_null=True)
    counted = serializers.IntegerField(read_only=True, default=0)
    found_here = serializers.IntegerField(read_only=True, default=0)
    surplus_count = serializers.IntegerField(read_only=True, default=0)
    is_finished = serializers.BooleanField(read_only=True)
    can_count = serializers.SerializerMethodField()

    class Meta:
        model = StocktakeLocation
        fields = [
            "id",
            "stocktake",
            "stocktake_number",
            "stocktake_title",
            "stocktake_status",
            "deadline",
            "location",
            "name",
            "counter",
            "expected_count",
            "counted",
            "found_here",
            "surplus_count",
            "is_finished",
            "finished_at",
            "can_count",
        ]
        read_only_fields = fields

    def get_can_count(self, obj) -> bool:
        request = self.context.get("request")
        return bool(
            request
            and obj.stocktake.status == StocktakeStatus.COUNTING
            and permissions.can_count_location(request.user, obj)
        )


class StocktakeLocationDetailSerializer(StocktakeLocationSerializer):
    lines = StocktakeLineSerializer(source="expected_lines", many=True, read_only=True)
    found_lines = StocktakeLineSerializer(source="misplaced_here", many=True, read_only=True)
    surpluses = StocktakeSurplusSerializer(source="open_surpluses", many=True, read_only=True)

    class Meta(StocktakeLocationSerializer.Meta):
        fields = [*StocktakeLocationSerializer.Meta.fields, "lines", "found_lines", "surpluses"]
        read_only_fields = fields


class CountSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=300, help_text="资产编号，或标签二维码中的链接")
    # text: the service answers "数量应为整数" as on the page
    quantity = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    condition = serializers.ChoiceField(choices=CountCondition.choices, default=CountCondition.GOOD)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    client_key = serializers.UUIDField(required=False, allow_null=True)
    photo = serializers.ImageField(required=False, write_only=True)


class CountResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    repeated = serializers.BooleanField()
    misplaced = serializers.BooleanField()
    created = serializers.BooleanField()
    line = StocktakeLineSerializer()


class SurplusInputSerializer(SchoolScopedSerializerMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    spec_model = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    quantity = serializers.CharField(max_length=20, required=False, allow_blank=True, default="1")
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    category = serializers.PrimaryKeyRelatedField(
        queryset=AssetCategory.objects.all(), required=False, allow_null=True
    )
    estimated_value = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    client_key = serializers.UUIDField(required=False, allow_null=True)
    photo = serializers.FileField(
        required=False, write_only=True, help_text="照片（multipart）；可重复 photo 字段上传多张"
    )


class EmptySerializer(serializers.Serializer):
    pass


def _call(func, **kwargs):
    try:
        return func(**kwargs)
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


# --- view sets ------------------------------------------------------------------------------------


@extend_schema(
    parameters=[
        OpenApiParameter("stocktake", int, description="只看这次盘点的位置"),
        OpenApiParameter("mine", bool, description="只看我负责盘点的位置"),
    ]
)
class StocktakeLocationViewSet(
    StocktakeLocationPlanActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet
):
    """盘点位置: a counter's locations (those who read plans see every location, ``?stocktake=`` for
    one plan), each with its progress; the detail lists the expected cards and their count state.
    POST ``count`` (a scan), ``surplus`` (an item with no card), ``finish`` and ``reopen``."""

    model = StocktakeLocation
    serializer_class = StocktakeLocationSerializer
    permission_classes = [CountingPermissions]

    def base_queryset(self):
        return StocktakeLocation.objects.with_progress().select_related("stocktake", "location", "counter")

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        user = self.request.user
        qs = _visible_places(user, qs)
        params = self.request.query_params
        if self.action == "list":
            if (stocktake_id := id_param(params, "stocktake")) is not None:
                qs = qs.filter(stocktake_id=stocktake_id)
            if params.get("mine") in ("1", "true", "True"):
                qs = qs.filter(counter=user)
            qs = qs.order_by("-stocktake__created_at", "location__path", "pk")
        elif self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch(
                    "lines",
                    queryset=StocktakeLine.objects.filter(expected=True)
                    .select_related("asset", "counted_by")
                    .order_by("asset__code"),
                    to_attr="expected_lines",
                ),
                Prefetch(
                    "found_lines",
                    queryset=StocktakeLine.objects.filter(Q(expected=False) | ~Q(place=F("found_in")))
                    .select_related("asset", "counted_by")
                    .order_by("asset__code"),
                    to_attr="misplaced_here",
                ),
                Prefetch(
                    "surpluses",
                    queryset=StocktakeSurplus.objects.filter(withdrawn=False).select_related("counted_by"),
                    to_attr="open_surpluses",
                ),
            )
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return StocktakeLocationDetailSerializer
        return super().get_serializer_class()

    def http_method_not_allowed(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.get_object()  # another school's id stays a 404
        return super().http_method_not_allowed(request, *args, **kwargs)

    def _place(self) -> StocktakeLocation:
        return self.get_object()

    def _fresh(self, place) -> Response:
        place = super().get_queryset().get(pk=place.pk)
        return Response(StocktakeLocationSerializer(place, context=self.get_serializer_context()).data)

    @extend_schema(request=CountSerializer, responses=CountResultSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def count(self, request, pk=None):
        """盘到: ``code`` (or the label's URL), ``quantity`` for batch cards, ``condition``, ``note``,
        ``client_key`` (a retry with the same key answers the same, ``repeated``: true), ``photo``."""
        place = self._place()
        body = CountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            outcome = _call(
                services.stocktake_count,
                actor=request.user,
                place=place,
                code=data["code"],
                quantity=data.get("quantity") or None,
                condition=data.get("condition") or CountCondition.GOOD,
                note=data.get("note", ""),
                client_key=data.get("client_key"),
            )
            if data.get("photo") and not outcome.repeated:
                _call(attachment_add, actor=request.user, target=outcome.line, upload=data["photo"])
        line = StocktakeLine.objects.select_related("asset", "counted_by").get(pk=outcome.line.pk)
        message = outcome.message
        return Response(
            {
                "ok": True,
                "message": message,
                "repeated": outcome.repeated,
                "misplaced": outcome.misplaced,
                "created": outcome.created,
                "line": StocktakeLineSerializer(line).data,
            }
        )

    @extend_schema(request=SurplusInputSerializer, responses={201: StocktakeSurplusSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def surplus(self, request, pk=None):
        """盘盈: an item found here with no card; ``photos`` saved with it in one transaction."""
        place = self._place()
        body = SurplusInputSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        surplus = _call(
            services.stocktake_surplus_add,
            actor=request.user,
            place=place,
            name=data["name"],
            quantity=data.get("quantity") or None,
            unit=data.get("unit", ""),
            spec_model=data.get("spec_model", ""),
            category=data.get("category"),
            estimated_value=data.get("estimated_value") or None,
            note=data.get("note", ""),
            client_key=data.get("client_key"),
            photos=request.FILES.getlist("photo") if data.get("photo") else [],
        )
        surplus = StocktakeSurplus.objects.select_related("counted_by").get(pk=surplus.pk)
        return Response(StocktakeSurplusSerializer(surplus).data, status=201)

    @extend_schema(request=None, responses=StocktakeLocationSerializer)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        """本位置盘完."""
        place = self._place()
        _call(services.stocktake_location_finish, actor=request.user, place=place)
        return self._fresh(place)

    @extend_schema(request=None, responses=StocktakeLocationSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Count a finished location again (while the plan is counting)."""
        place = self._place()
        _call(services.stocktake_location_reopen, actor=request.user, place=place)
        return self._fresh(place)


@extend_schema(
    parameters=[
        OpenApiParameter("stocktake", int, description="只看这次盘点的明细"),
        OpenApiParameter("place", int, description="只看账面在该盘点位置的明细"),
    ]
)
class StocktakeLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SchoolScopedViewSet):
    """盘点明细 (read-only): the cards of the plans the user may see; a counter sees the lines of
    their locations. POST ``uncount`` withdraws a count made by mistake."""

    model = StocktakeLine
    serializer_class = StocktakeLineSerializer
    permission_classes = [CountingPermissions]

    def base_queryset(self):
        return StocktakeLine.objects.select_related("asset", "counted_by")

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        user = self.request.user
        if not user.has_perm("stocktake.view_stocktake"):
            qs = qs.filter(Q(place__counter=user) | Q(found_in__counter=user))
        params = self.request.query_params
        for key in ("stocktake", "place"):
            if (value := id_param(params, key)) is not None:
                qs = qs.filter(**{f"{key}_id": value})
        return qs.order_by("stocktake_id", "place_id", "asset__code", "pk")

    def http_method_not_allowed(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(request=None, responses=StocktakeLineSerializer)
    @action(detail=True, methods=["post"])
    def uncount(self, request, pk=None):
        """撤销 a count: its counter, or whoever runs stocktakes."""
        line = self.get_object()
        line = _call(services.stocktake_uncount, actor=request.user, line=line)
        if line.pk is None:  # a card outside the plan loses its line
            return Response(status=204)
        line = StocktakeLine.objects.select_related("asset", "counted_by").get(pk=line.pk)
        return Response(StocktakeLineSerializer(line).data)


def register(router) -> None:
    router.register("stocktake/locations", StocktakeLocationViewSet, basename="stocktake-stocktakelocation")
    router.register("stocktake/lines", StocktakeLineViewSet, basename="stocktake-stocktakeline")
