"""API of the asset reports: the ledger summary as of a date and the changes in a period.

Read-only, list-level routes only (``/api/v1/asset-reports/summary/``, ``.../changes/``), so the
tenancy sweep has no object id to try; both answer for the current school and need
``assets.view_asset``, as the report pages do.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from houqin.core.api.views import SchoolScopedViewSet

from .. import reports
from ..models import Asset

MONEY = {"max_digits": 16, "decimal_places": 2}


class AsOfQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("截至日期，默认今天"))

    def validate_as_of(self, value):
        from ..forms.reports import EARLIEST, LATEST

        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(_("日期应在 1900 年到 2999 年之间。"))
        return value


class PeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("开始日期，默认本年 1 月 1 日"))
    end = serializers.DateField(required=False, help_text=_("结束日期，默认本年 12 月 31 日"))

    def validate(self, attrs):
        from ..forms.reports import EARLIEST, LATEST, MAX_PERIOD_DAYS

        today = timezone.localdate()
        start = attrs.get("start") or today.replace(month=1, day=1)
        end = attrs.get("end") or max(today.replace(month=12, day=31), start)
        for name, value in (("start", start), ("end", end)):
            if not EARLIEST <= value <= LATEST:
                raise serializers.ValidationError({name: [_("日期应在 1900 年到 2999 年之间。")]})
        if start > end:
            raise serializers.ValidationError({"end": [_("结束日期不能早于开始日期。")]})
        if (end - start).days > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"end": [_("统计期间最长 10 年。")]})
        return {"start": start, "end": end}


class SummaryRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text=_("分类或部门的 id；未指定部门为 null"))
    label = serializers.CharField()
    code = serializers.CharField(help_text=_("分类代码（按部门汇总时为空）"))
    cards = serializers.IntegerField(help_text=_("卡片数"))
    quantity = serializers.IntegerField(help_text=_("数量"))
    original = serializers.DecimalField(**MONEY, help_text=_("原值（元）"))
    accumulated = serializers.DecimalField(**MONEY, help_text=_("累计折旧（元）"))
    net = serializers.DecimalField(**MONEY, help_text=_("净值（元）"))


class SummarySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    by_category = SummaryRowSerializer(many=True, help_text=_("按一级资产分类"))
    by_department = SummaryRowSerializer(many=True, help_text=_("按使用部门"))
    total = SummaryRowSerializer()


class BreakdownSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("取得方式或处置方式的代码"))
    label = serializers.CharField()
    cards = serializers.IntegerField()
    value = serializers.DecimalField(**MONEY)


class ChangeTotalsSerializer(serializers.Serializer):
    cards = serializers.IntegerField()
    quantity = serializers.IntegerField()
    value = serializers.DecimalField(**MONEY, help_text=_("原值合计（元）"))
    net_value = serializers.DecimalField(
        **MONEY, allow_null=True, help_text=_("减少：处置时净值合计（元）；增加：null")
    )
    breakdown = BreakdownSerializer(many=True)


class ChangesSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    additions = ChangeTotalsSerializer(help_text=_("本期增加（按取得方式）"))
    reductions = ChangeTotalsSerializer(help_text=_("本期减少（按处置方式）"))


def _totals(totals: reports.ChangeTotals) -> dict:
    return {
        "cards": totals.cards,
        "quantity": totals.quantity,
        "value": totals.value,
        "net_value": totals.net_value,
        "breakdown": [
            {"key": key, "label": label, "cards": cards, "value": value}
            for key, label, cards, value in totals.breakdown
        ],
    }


class AssetReportViewSet(SchoolScopedViewSet):
    """资产报表: the same figures as the report pages."""

    model = Asset
    serializer_class = SummarySerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[AsOfQuerySerializer],
        responses=SummarySerializer,
        summary=str(_("资产汇总表：截至某日按分类和部门的卡片数、原值、累计折旧、净值")),
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        params = AsOfQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        summary = reports.ledger_summary(self.school, params.validated_data.get("as_of"))

        def row(r):
            return {
                "key": r.key,
                "label": str(r.label),
                "code": r.code,
                "cards": r.cards,
                "quantity": r.quantity,
                "original": r.original,
                "accumulated": r.accumulated,
                "net": r.net,
            }

        data = {
            "as_of": summary.as_of,
            "by_category": [row(r) for r in summary.by_category],
            "by_department": [row(r) for r in summary.by_department],
            "total": row(summary.total),
        }
        return Response(SummarySerializer(data).data)

    @extend_schema(
        parameters=[PeriodQuerySerializer],
        responses=ChangesSerializer,
        summary=str(_("资产增减表：期间内增加（按取得方式）和减少（按处置方式）")),
    )
    @action(detail=False, methods=["get"])
    def changes(self, request):
        params = PeriodQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["start"], params.validated_data["end"]
        data = {
            "start": start,
            "end": end,
            "additions": _totals(reports.addition_totals(self.school, start, end)),
            "reductions": _totals(reports.reduction_totals(self.school, start, end)),
        }
        return Response(ChangesSerializer(data).data)


def register(router) -> None:
    router.register("asset-reports", AssetReportViewSet, basename="assets-report")
