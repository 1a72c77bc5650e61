"""API of borrowing (借用): ``/api/v1/asset-loans/`` — list, read, book (create), and the POST
actions lend / return / cancel calling the same services as the pages; ``busy`` gives an asset's
bookings in a period (the calendar)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core.api.serializers import PersonSerializer, SchoolScopedSerializerMixin
from houqin.core.api.views import SchoolScopedViewSet

from .. import permissions
from ..choices import Condition, LoanStatus
from ..models import Asset, AssetLoan
from ..services import loans as services

User = get_user_model()


# --- serializers ----------------------------------------------------------------------------------


class LoanAssetSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)


class AssetLoanSerializer(SchoolScopedSerializerMixin, serializers.ModelSerializer):
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all())
    asset_detail = LoanAssetSerializer(source="asset", read_only=True)
    borrower = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text=gettext_lazy("默认为自己")
    )
    borrower_detail = PersonSerializer(source="borrower", read_only=True)
    # blank until lent / returned: plain strings in the schema (an enum would not allow "")
    condition_out = serializers.CharField(
        read_only=True, help_text="good / worn / damaged / missing, or blank"
    )
    condition_in = serializers.CharField(
        read_only=True, help_text="good / worn / damaged / missing, or blank"
    )
    is_overdue = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = AssetLoan
        fields = [
            "id",
            "number",
            "asset",
            "asset_detail",
            "borrower",
            "borrower_detail",
            "quantity",
            "purpose",
            "starts_at",
            "due_at",
            "status",
            "is_overdue",
            "lent_at",
            "lent_by",
            "condition_out",
            "returned_at",
            "received_by",
            "condition_in",
            "note",
            "actions",
        ]
        read_only_fields = [
            "number",
            "status",
            "lent_at",
            "lent_by",
            "condition_out",
            "returned_at",
            "received_by",
            "condition_in",
        ]
        validators = []  # the service checks the period (due after start) with a readable message

    def get_is_overdue(self, obj) -> bool:
        return obj.status == LoanStatus.OUT and obj.due_at < timezone.now()

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return services.asset_loan_available_actions(obj, request.user) if request else []


class LoanLendSerializer(serializers.Serializer):
    condition_out = serializers.ChoiceField(choices=Condition.choices, default=Condition.GOOD)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LoanReturnSerializer(serializers.Serializer):
    condition_in = serializers.ChoiceField(choices=Condition.choices, default=Condition.GOOD)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LoanCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LoanBusySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    quantity = serializers.IntegerField()
    status = serializers.CharField()
    borrower = serializers.CharField()


# --- view set -------------------------------------------------------------------------------------


def _moment(value: str | None, *, end: bool = False) -> dt.datetime | None:
    """``2026-11-05`` (the day's start, or the next day's for ``end``) or an ISO date-time."""
    if not value:
        return None
    try:
        day = parse_date(value) if len(value) == 10 else None
        moment = parse_datetime(value) if day is None else None
    except ValueError:
        day = moment = None
    if day is not None:
        moment = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time.min)
    if moment is None:
        raise exceptions.ValidationError({"to" if end else "from": [_("日期格式应为 2026-11-05。")]})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


LIST_PARAMETERS = [
    OpenApiParameter("tab", str, enum=["mine", "to_lend", "out", "overdue"], description="as on the page"),
    OpenApiParameter("asset", int, description="loans of one asset card"),
    OpenApiParameter("from", str, description="period overlapping from (date or date-time)"),
    OpenApiParameter("to", str, description="period overlapping until (date: that whole day)"),
]


@extend_schema(parameters=LIST_PARAMETERS)
class AssetLoanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, SchoolScopedViewSet
):
    """借用: the loans the user may see (the asset clerk and overseers: all; others: their own).
    POST books (预约) through the same service as the page; lend / return / cancel are actions."""

    model = AssetLoan
    serializer_class = AssetLoanSerializer
    filterset_fields = ["status", "borrower"]
    ordering_fields = ["starts_at", "due_at"]

    def base_queryset(self):
        return AssetLoan.objects.select_related("asset", "borrower")

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs
        user = self.request.user
        if not permissions.sees_all_loans(user):
            qs = qs.filter(borrower=user)
        if self.action != "list":
            return qs
        params = self.request.query_params
        tab = params.get("tab")
        tomorrow = timezone.make_aware(
            dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time.min)
        )
        if tab == "mine":
            qs = qs.filter(borrower=user)
        elif tab == "to_lend":
            qs = qs.filter(status=LoanStatus.RESERVED, starts_at__lt=tomorrow)
        elif tab == "out":
            qs = qs.filter(status=LoanStatus.OUT)
        elif tab == "overdue":
            qs = qs.overdue()
        asset = params.get("asset")
        if asset:
            if not asset.isdigit():
                raise exceptions.ValidationError({"asset": [_("应为资产的 id。")]})
            qs = qs.filter(asset_id=int(asset))
        start, end = _moment(params.get("from")), _moment(params.get("to"), end=True)
        if start is not None:
            qs = qs.filter(due_at__gt=start)
        if end is not None:
            qs = qs.filter(starts_at__lt=end)
        return qs

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.asset_loan_reserve(
            actor=self.request.user,
            school=self.school,
            asset=data["asset"],
            starts_at=data["starts_at"],
            due_at=data["due_at"],
            quantity=data.get("quantity", 1),
            purpose=data.get("purpose", ""),
            borrower=data.get("borrower"),
            note=data.get("note", ""),
        )

    def _act(self, request, serializer_class, call):
        loan = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        call(loan, serializer.validated_data)
        loan.refresh_from_db()
        return Response(AssetLoanSerializer(loan, context=self.get_serializer_context()).data)

    @extend_schema(request=LoanLendSerializer, responses=AssetLoanSerializer)
    @action(detail=True, methods=["post"])
    def lend(self, request, pk=None):
        return self._act(
            request,
            LoanLendSerializer,
            lambda loan, data: services.asset_loan_lend(actor=request.user, loan=loan, **data),
        )

    @extend_schema(request=LoanReturnSerializer, responses=AssetLoanSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._act(
            request,
            LoanReturnSerializer,
            lambda loan, data: services.asset_loan_return(actor=request.user, loan=loan, **data),
        )

    @extend_schema(request=LoanCancelSerializer, responses=AssetLoanSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(
            request,
            LoanCancelSerializer,
            lambda loan, data: services.asset_loan_cancel(actor=request.user, loan=loan, **data),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("asset", int, required=True),
            OpenApiParameter("from", str, required=True, description="date or date-time"),
            OpenApiParameter("to", str, required=True, description="date (that whole day) or date-time"),
        ],
        responses=LoanBusySerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def busy(self, request):
        """预约日历: an asset's bookings and loans overlapping [from, to), for anyone who may book.
        At most 92 days at a time."""
        params = request.query_params
        asset_id = params.get("asset", "")
        start, end = _moment(params.get("from")), _moment(params.get("to"), end=True)
        errors = {}
        if not asset_id.isdigit():
            errors["asset"] = [_("请给出资产的 id。")]
        if start is None or end is None:
            errors["from"] = [_("请给出起止日期 from 和 to。")]
        elif end <= start or end - start > dt.timedelta(days=92):
            errors["to"] = [_("结束须晚于开始，且最长 92 天。")]
        if errors:
            raise exceptions.ValidationError(errors)
        asset = Asset.objects.for_school(self.school).filter(pk=int(asset_id)).first()
        if asset is None:
            raise exceptions.NotFound()
        loans = services.asset_loan_busy(asset, start, end)
        rows = [
            {
                "id": loan.pk,
                "starts_at": loan.starts_at,
                "due_at": loan.due_at,
                "quantity": loan.quantity,
                "status": loan.status,
                "borrower": str(loan.borrower),
            }
            for loan in loans
        ]
        return Response(LoanBusySerializer(rows, many=True).data)


def register(router) -> None:
    router.register("asset-loans", AssetLoanViewSet, basename="assets-assetloan")
