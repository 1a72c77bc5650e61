"""API of the stocktake's plans step: plans (list, read with their locations' progress, create,
change title/deadline/note, ``cancel``), and the ``assign`` action that the counting step's location
view set inherits. Every write calls the same services as the pages; ``actions`` in a plan's body
are exactly the buttons its page shows (``stocktake_actions``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.assets.api.damage import TimelineEventSerializer, timeline_data
from houqin.core.api.permissions import SchoolModelPermissions
from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet

from .. import services
from ..actions import stocktake_actions
from ..models import Stocktake, StocktakeLocation
from ..views.plans import counted_per_plan, percent

# The reconciliation and adjustments steps add their actions (close-counting, reopen, results, adjust,
# submit, ...) to the plan's view set through these mixins (plain classes with ``@action`` methods).
from .adjustments import StocktakeAdjustmentActions
from .reports import StocktakeReconcileActions

User = get_user_model()


# --- serializers ----------------------------------------------------------------------------------


class StocktakePlaceSerializer(serializers.ModelSerializer):
    """A location of a plan with its progress (the queryset is ``with_progress()``)."""

    name = serializers.CharField(source="__str__", read_only=True)
    counter = PersonSerializer(read_only=True, allow_null=True)
    counted = serializers.IntegerField(read_only=True)
    found_here = serializers.IntegerField(read_only=True)
    surplus_count = serializers.IntegerField(read_only=True)
    is_finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = StocktakeLocation
        fields = [
            "id",
            "location",
            "name",
            "counter",
            "expected_count",
            "counted",
            "found_here",
            "surplus_count",
            "is_finished",
            "finished_at",
        ]
        read_only_fields = fields


class StocktakeSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by = PersonSerializer(read_only=True, allow_null=True)
    counted = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Stocktake
        fields = [
            "id",
            "number",
            "title",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "deadline",
            "scope_location",
            "scope_department",
            "scope_category",
            "note",
            "expected_count",
            "expected_value",
            "counted",
            "created_by",
            "created_at",
            "closed_at",
            "actions",
        ]
        read_only_fields = ["number", "status", "expected_count", "expected_value", "created_at", "closed_at"]
        extra_kwargs = {
            "title": {"required": False, "allow_blank": True},
            "note": {"required": False, "allow_blank": True},
            "scope_location": {"required": False, "allow_null": True},
            "scope_department": {"required": False, "allow_null": True},
            "scope_category": {"required": False, "allow_null": True},
        }
        validators = []  # the service checks everything with the school set

    def get_counted(self, obj) -> int:
        counted = self.context.get("counted")
        if counted is None:
            counted = counted_per_plan([obj.pk])
        return counted.get(obj.pk, 0)

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return stocktake_actions(obj, request.user) if request else []


class StocktakeUpdateSerializer(serializers.ModelSerializer):
    """What may change after the snapshot: title, deadline, note."""

    class Meta:
        model = Stocktake
        fields = ["title", "deadline", "note"]
        extra_kwargs = {
            "title": {"required": False},
            "deadline": {"required": False},
            "note": {"required": False},
        }


class StocktakeDetailSerializer(StocktakeSerializer):
    percent = serializers.SerializerMethodField()
    locations = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(StocktakeSerializer.Meta):
        fields = [*StocktakeSerializer.Meta.fields, "percent", "locations", "timeline"]

    def _places(self, obj) -> list[StocktakeLocation]:
        if not hasattr(obj, "_places"):
            obj._places = list(
                StocktakeLocation.objects.for_school(obj.school_id)
                .filter(stocktake=obj)
                .with_progress()
                .select_related("location", "counter")
                .order_by("location__path", "pk")
            )
        return obj._places

    def get_counted(self, obj) -> int:
        return sum(p.counted for p in self._places(obj))

    def get_percent(self, obj) -> int:
        return percent(self.get_counted(obj), obj.expected_count)

    def get_locations(self, obj) -> list[dict]:
        return StocktakePlaceSerializer(self._places(obj), many=True).data

    def get_timeline(self, obj) -> list[dict]:
        return TimelineEventSerializer(timeline_data(obj, obj.school), many=True).data


class StocktakeCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class StocktakeLocationAssignSerializer(SchoolScopedSerializerMixin, serializers.Serializer):
    counter = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)


# --- view sets ------------------------------------------------------------------------------------


class StocktakePermissions(SchoolModelPermissions):
    """Reading is open to staff who may count (``view_stocktakelocation``): the queryset shows readers
    every plan and a counter only the plans they count in (``permissions.can_view_stocktake``).
    POST actions are checked by their services (create needs ``add_stocktake``, the rest
    ``change_stocktake``); PATCH needs ``change_stocktake``."""

    perms_map = {
        **SchoolModelPermissions.perms_map,
        "GET": ["stocktake.view_stocktakelocation"],
        "HEAD": ["stocktake.view_stocktakelocation"],
        "POST": ["stocktake.view_stocktakelocation"],
    }


class StocktakeViewSet(
    StocktakeReconcileActions,
    StocktakeAdjustmentActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    SchoolScopedViewSet,
):
    """盘点计划: list, read (with each location's progress), create (snapshots the cards in scope;
    counters are the rooms' custodians), change title/deadline/note (PATCH), ``cancel`` (作废)."""

    model = Stocktake
    serializer_class = StocktakeSerializer
    permission_classes = [StocktakePermissions]
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at", "deadline"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Stocktake.objects.select_related(
            "scope_location", "scope_department", "scope_category", "created_by"
        ).order_by("-created_at", "-pk")

    def get_queryset(self):
        qs = super().get_queryset()
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or user.has_perm("stocktake.view_stocktake"):
            return qs
        return qs.counted_by(user)

    def get_serializer_class(self):
        if self.action in {"retrieve", "cancel"}:
            return StocktakeDetailSerializer
        if self.action == "partial_update":
            return StocktakeUpdateSerializer
        return StocktakeSerializer

    def detail_response(self, stocktake: Stocktake) -> Response:
        """The plan as ``retrieve`` shows it, read again after a write (the mixins use this too)."""
        stocktake = self.get_queryset().get(pk=stocktake.pk)
        return Response(StocktakeDetailSerializer(stocktake, context=self.get_serializer_context()).data)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "counted": counted_per_plan(s.pk for s in rows)}
        data = StocktakeSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=StocktakeSerializer, responses={201: StocktakeDetailSerializer})
    def create(self, request, *args, **kwargs):
        if not request.user.has_perm("stocktake.add_stocktake"):
            raise DjangoPermissionDenied
        serializer = StocktakeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stocktake = services.stocktake_create(
            actor=request.user,
            school=self.school,
            kind=data["kind"],
            deadline=data["deadline"],
            title=data.get("title", ""),
            scope_location=data.get("scope_location"),
            scope_department=data.get("scope_department"),
            scope_category=data.get("scope_category"),
            note=data.get("note", ""),
        )
        response = self.detail_response(stocktake)
        response.status_code = 201
        return response

    @extend_schema(request=StocktakeUpdateSerializer, responses=StocktakeDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        stocktake = self.get_object()
        serializer = StocktakeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.stocktake_update(
            actor=request.user, stocktake=stocktake, data=dict(serializer.validated_data)
        )
        return self.detail_response(stocktake)

    @extend_schema(request=StocktakeCancelSerializer, responses=StocktakeDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """作废 with a reason (counting, or reconciled and not submitted)."""
        stocktake = self.get_object()
        body = StocktakeCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.stocktake_cancel(
            actor=request.user, stocktake=stocktake, reason=body.validated_data["reason"]
        )
        return self.detail_response(stocktake)


class StocktakeLocationPlanActions:
    """``assign`` for the counting step's location view set (``stocktake/locations/<id>/assign``):
    POST ``{"counter": <user id or null>}`` names who counts the location (staff of this school)."""

    @extend_schema(request=StocktakeLocationAssignSerializer, responses=StocktakePlaceSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        place = self.get_object()
        body = StocktakeLocationAssignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.stocktake_location_assign(
            actor=request.user, place=place, counter=body.validated_data.get("counter")
        )
        place = (
            StocktakeLocation.objects.for_school(place.school_id)
            .with_progress()
            .select_related("location", "counter")
            .get(pk=place.pk)
        )
        return Response(StocktakePlaceSerializer(place).data)


def register(router) -> None:
    router.register("stocktake/stocktakes", StocktakeViewSet, basename="stocktake-stocktake")
