"""API of the asset disposal area: create and change drafts, read, and the POST action ``submit``.

Deciding is done on the approval (``/api/v1/approvals/<id>/approve``), which calls the disposal's
``on_decision``; every write here calls the same services as the pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolReadWriteViewSet

from .. import permissions, services
from ..models import Asset, AssetDisposal, AssetDisposalItem
from .damage import TimelineEventSerializer, timeline_data


class AssetDisposalItemSerializer(serializers.ModelSerializer):
    asset_code = serializers.CharField(source="asset.code", read_only=True)
    asset_name = serializers.CharField(source="asset.name", read_only=True)

    class Meta:
        model = AssetDisposalItem
        fields = ["asset", "asset_code", "asset_name", "total_value", "net_value"]


class AssetDisposalSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    assets = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(), many=True, write_only=True, required=False
    )
    items = AssetDisposalItemSerializer(many=True, read_only=True)
    requested_by = PersonSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    approval = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = AssetDisposal
        fields = [
            "id",
            "number",
            "kind",
            "reason",
            "counterparty",
            "proceeds",
            "status",
            "status_label",
            "requested_by",
            "total_value",
            "net_value",
            "submitted_at",
            "disposed_on",
            "assets",
            "items",
            "approval",
            "actions",
        ]
        read_only_fields = ["number", "status", "total_value", "net_value", "submitted_at", "disposed_on"]
        extra_kwargs = {"counterparty": {"required": False}, "proceeds": {"required": False}}
        validators = []  # the service checks the number and the cards, with the school set

    def get_approval(self, obj) -> dict | None:
        approvals = self.context.get("approvals")
        approval = approvals.get(obj.pk) if approvals is not None else _approval(obj)
        if approval is None:
            return None
        step = approval.current_step
        return {
            "id": approval.pk,
            "status": approval.status,
            "current_step": step.name if step else None,
        }

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return permissions.disposal_actions(obj, request.user) if request else []


class AssetDisposalDetailSerializer(AssetDisposalSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(AssetDisposalSerializer.Meta):
        fields = [*AssetDisposalSerializer.Meta.fields, "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineEventSerializer(timeline_data(obj, obj.school), many=True).data


def _approvals(school, ids) -> dict:
    from houqin.approvals.models import ApprovalRequest

    rows = (
        ApprovalRequest.objects.for_school(school)
        .filter(document_type=services.DISPOSAL_DOCUMENT, target_id__in=list(ids))
        .select_related("current_step")
    )
    return {a.target_id: a for a in rows}


def _approval(disposal):
    return _approvals(disposal.school, [disposal.pk]).get(disposal.pk)


class DisposalCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class AssetDisposalViewSet(SchoolReadWriteViewSet):
    """资产处置: create a draft with ``assets`` (ids), change it while a draft or back for changes,
    ``submit`` it for approval (the policy by value; a collective decision from 50,000 yuan)."""

    model = AssetDisposal
    serializer_class = AssetDisposalSerializer
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at"]

    def base_queryset(self):
        return AssetDisposal.objects.select_related("requested_by").prefetch_related("items__asset")

    def get_serializer_class(self):
        if self.action in {"retrieve", "submit"}:
            return AssetDisposalDetailSerializer
        return AssetDisposalSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        context = {
            **self.get_serializer_context(),
            "approvals": _approvals(self.school, [d.pk for d in rows]),
        }
        data = AssetDisposalSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def perform_service_create(self, data):
        return services.asset_disposal_create(
            actor=self.request.user,
            school=self.school,
            kind=data.get("kind"),
            reason=data.get("reason", ""),
            assets=data.get("assets", []),
            counterparty=data.get("counterparty", ""),
            proceeds=data.get("proceeds"),
        )

    def perform_service_update(self, instance, data):
        if not permissions.can_edit_disposal(self.request.user, instance):
            raise exceptions.PermissionDenied()
        return services.asset_disposal_update(actor=self.request.user, disposal=instance, data=dict(data))

    @extend_schema(request=None, responses=AssetDisposalDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        disposal = self.get_object()
        try:
            services.asset_disposal_submit(actor=request.user, disposal=disposal)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc
        disposal = self.get_queryset().get(pk=disposal.pk)
        return Response(AssetDisposalDetailSerializer(disposal, context=self.get_serializer_context()).data)

    @extend_schema(request=DisposalCancelSerializer, responses=AssetDisposalDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        disposal = self.get_object()
        body = DisposalCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.asset_disposal_cancel(
                actor=request.user, disposal=disposal, reason=body.validated_data["reason"]
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from exc
        disposal = self.get_queryset().get(pk=disposal.pk)
        return Response(AssetDisposalDetailSerializer(disposal, context=self.get_serializer_context()).data)


def register(router) -> None:
    router.register("asset-disposals", AssetDisposalViewSet, basename="assets-assetdisposal")
