"""API of the reconciliation and its reports: the action mixin ``StocktakeReconcileActions``, which the
plans step's ``StocktakeViewSet`` (``stocktake/stocktakes``) inherits. This module registers no view
set of its own.

    POST stocktake/stocktakes/<id>/close-counting/   结束盘点并对账 (the task runs after the commit)
    POST stocktake/stocktakes/<id>/reopen-counting/  重新盘点 (the proposals are dropped)
    GET  stocktake/stocktakes/<id>/reconcile-status/ status, done/total, percent, error
    GET  stocktake/stocktakes/<id>/results/          summary by result and category, per location

Every write calls the same services as the pages.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..permissions import can_view_stocktake


class ReconcileStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    reconciled_at = serializers.DateTimeField(allow_null=True)


class ResultFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)


class CategoryFigureSerializer(serializers.Serializer):
    category = serializers.CharField()
    expected = serializers.IntegerField()
    expected_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    missing = serializers.IntegerField()
    missing_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    misplaced = serializers.IntegerField()
    damaged = serializers.IntegerField()


class LocationFigureSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="place.pk")
    location = serializers.IntegerField(source="place.location_id", allow_null=True)
    name = serializers.CharField(source="place.__str__")
    finished = serializers.BooleanField(source="place.is_finished")
    expected = serializers.IntegerField()
    expected_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    counted = serializers.IntegerField()
    found = serializers.IntegerField()
    missing = serializers.IntegerField()
    missing_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    moved_out = serializers.IntegerField(help_text="本位置账面卡片在别处盘到")
    moved_in = serializers.IntegerField(help_text="别处账面卡片在本位置盘到")
    quantity = serializers.IntegerField(help_text="数量短缺或多出")
    damaged = serializers.IntegerField()
    damaged_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    surplus = serializers.IntegerField()
    surplus_value = serializers.DecimalField(max_digits=14, decimal_places=2)


class ResultsSerializer(serializers.Serializer):
    status = ReconcileStatusSerializer()
    results = ResultFigureSerializer(many=True)
    categories = CategoryFigureSerializer(many=True)
    locations = LocationFigureSerializer(many=True)


def reconcile_status_data(stocktake) -> dict:
    return {
        "id": stocktake.pk,
        "number": stocktake.number,
        "status": stocktake.status,
        "status_label": stocktake.get_status_display(),
        "done": stocktake.reconcile_done,
        "total": stocktake.reconcile_total,
        "percent": stocktake.reconcile_percent,
        "error": stocktake.reconcile_error,
        "reconciled_at": stocktake.reconciled_at,
    }


class StocktakeReconcileActions:
    """Actions of the reconciliation for the plans' view set (which supplies ``get_object``)."""

    def _readable_plan(self, request):
        stocktake = self.get_object()
        if not can_view_stocktake(request.user, stocktake):
            raise exceptions.PermissionDenied()
        return stocktake

    def _status_response(self, stocktake):
        stocktake.refresh_from_db()
        return Response(ReconcileStatusSerializer(reconcile_status_data(stocktake)).data)

    @extend_schema(request=None, responses=ReconcileStatusSerializer)
    @action(detail=True, methods=["post"], url_path="close-counting", url_name="close_counting")
    def close_counting(self, request, pk=None):
        """结束盘点并对账: the reconciliation runs as a task; poll ``reconcile-status``."""
        stocktake = self._readable_plan(request)
        services.stocktake_close_counting(actor=request.user, stocktake=stocktake)
        return self._status_response(stocktake)

    @extend_schema(request=None, responses=ReconcileStatusSerializer)
    @action(detail=True, methods=["post"], url_path="reopen-counting", url_name="reopen_counting")
    def reopen_counting(self, request, pk=None):
        """重新盘点: back to counting; the proposed adjustments are dropped."""
        stocktake = self._readable_plan(request)
        services.stocktake_reopen_counting(actor=request.user, stocktake=stocktake)
        return self._status_response(stocktake)

    @extend_schema(request=None, responses=ReconcileStatusSerializer)
    @action(detail=True, methods=["get"], url_path="reconcile-status", url_name="reconcile_status")
    def reconcile_status(self, request, pk=None):
        """The reconciliation task's progress: status, done/total, percent and the error if it failed."""
        stocktake = self._readable_plan(request)
        return Response(ReconcileStatusSerializer(reconcile_status_data(stocktake)).data)

    @extend_schema(request=None, responses=ResultsSerializer)
    @action(detail=True, methods=["get"], url_path="results", url_name="results")
    def results(self, request, pk=None):
        """The figures of the result report: by result (and 盘盈), by category, per location."""
        from ..views.reports import category_rows, location_figures, summary_rows

        stocktake = self._readable_plan(request)
        places, _totals = location_figures(stocktake)
        data = {
            "status": reconcile_status_data(stocktake),
            "results": summary_rows(stocktake),
            "categories": category_rows(stocktake),
            "locations": places,
        }
        return Response(ResultsSerializer(data).data)


def register(router) -> None:
    """Nothing to register: the plans step's ``StocktakeViewSet`` inherits the actions above."""
