"""API of the ledger: asset cards (same filters and search as the ledger page), categories and
custom fields. Every write calls the same services as the pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core.api.permissions import SchoolModelPermissions
from houqin.core.api.views import SchoolReadWriteViewSet

from .. import services
from ..filters import AssetFilter
from ..forms.ledger import parse_as_of
from ..models import Asset, AssetCategory, AssetCustomField
from . import serializers_ledger as serializers

FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="code, serial number, name, pinyin initials or full pinyin"),
    OpenApiParameter("category", int, description="category id (with its sub-categories)"),
    OpenApiParameter("location", int, description="location id (with the places under it)"),
    OpenApiParameter("department", int),
    OpenApiParameter("custodian", int, description="user id of the custodian (责任人)"),
    OpenApiParameter(
        "status", str, description="a status, or 'all'; without it the active ledger (disposed hidden)"
    ),
    OpenApiParameter("asset_class", str, enum=["fixed", "low_value"]),
    OpenApiParameter("value_min", float),
    OpenApiParameter("value_max", float),
    OpenApiParameter("year", int, description="acquisition year"),
]


class AssetPermissions(SchoolModelPermissions):
    """Changing a card's status is an edit (change_asset), though sent as POST."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "set_status":
            return bool(
                request.user
                and request.user.is_authenticated
                and getattr(request._request, "school", None) is not None
                and request.user.has_perm("assets.change_asset")
            )
        return super().has_permission(request, view)


@extend_schema(parameters=FILTER_PARAMETERS)
class AssetViewSet(SchoolReadWriteViewSet):
    """资产卡片. The list takes the ledger page's filters; the detail adds the net value
    (``?as_of=YYYY-MM-DD``), custom field values, the actions the user may take and the timeline."""

    model = Asset
    serializer_class = serializers.AssetSerializer
    permission_classes = [AssetPermissions]
    filterset_class = None
    ordering_fields = ["code", "acquired_on", "total_value", "name"]

    def base_queryset(self):
        return Asset.objects.select_related("category", "location", "department", "custodian")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.AssetDetailSerializer
        if self.action == "set_status":
            return serializers.AssetStatusSerializer
        return super().get_serializer_class()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and self.action == "retrieve":
            as_of, ok = parse_as_of(self.request.query_params.get("as_of"))
            if not ok:
                raise exceptions.ValidationError({"as_of": [_("日期格式应为 YYYY-MM-DD。")]})
            context["as_of"] = as_of
        return context

    def filter_queryset(self, queryset):
        if self.action == "list":
            filterset = AssetFilter(self.request.query_params, queryset=queryset, school=self.school)
            if not filterset.is_valid():
                raise exceptions.ValidationError(filterset.errors)
            queryset = filterset.qs
        return super().filter_queryset(queryset)

    def perform_service_create(self, data):
        return services.asset_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        data.pop("code", None)
        return services.asset_update(actor=self.request.user, asset=instance, data=data)

    @extend_schema(request=serializers.AssetStatusSerializer, responses=serializers.AssetSerializer)
    @action(detail=True, methods=["post"], url_path="set-status", url_name="set_status")
    def set_status(self, request, pk=None):
        """A status change by hand (闲置 ↔ 在用, 损坏, 维修中) with its reason."""
        asset = self.get_object()
        serializer = serializers.AssetStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            asset = services.asset_set_status(actor=request.user, asset=asset, **serializer.validated_data)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc
        asset = self.base_queryset().get(pk=asset.pk)
        return Response(serializers.AssetSerializer(asset, context=self.get_serializer_context()).data)


class AssetCategoryViewSet(SchoolReadWriteViewSet):
    """资产分类 (a tree: ``parent``, ``depth``). ``useful_life_years`` null inherits, 0 means none."""

    model = AssetCategory
    serializer_class = serializers.AssetCategorySerializer
    filterset_fields = ["parent", "is_active"]
    ordering_fields = ["code", "name"]

    def base_queryset(self):
        return AssetCategory.objects.order_by("path")

    def perform_service_create(self, data):
        data.pop("is_active", None)
        return services.asset_category_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        return services.asset_category_update(actor=self.request.user, category=instance, data=data)


class AssetCustomFieldViewSet(SchoolReadWriteViewSet):
    """自定义字段 of a category (shown on the cards of it and its sub-categories)."""

    model = AssetCustomField
    serializer_class = serializers.AssetCustomFieldSerializer
    filterset_fields = ["category", "is_active"]

    def base_queryset(self):
        return AssetCustomField.objects.select_related("category")

    def perform_service_create(self, data):
        return services.asset_custom_field_create(actor=self.request.user, school=self.school, **data)

    def perform_service_update(self, instance, data):
        data.pop("category", None)
        data.pop("key", None)
        return services.asset_custom_field_update(actor=self.request.user, field=instance, data=data)


def register(router) -> None:
    router.register("assets", AssetViewSet, basename="assets-asset")
    router.register("asset-categories", AssetCategoryViewSet, basename="assets-assetcategory")
    router.register("asset-custom-fields", AssetCustomFieldViewSet, basename="assets-assetcustomfield")
