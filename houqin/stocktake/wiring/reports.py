"""Start-up registrations of the stocktake's reconciliation and reports: the Excel export of a plan's
lines with their results (``stocktake.stocktakeline``), answered by the results page's ``?export=xlsx``
with the page's filters and the plan's id (``stocktake``) in the parameters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

EXPORT_KEY = "stocktake.stocktakeline"


def _export_rows(school, user, params):
    from ..forms.reports import ResultsFilter
    from ..models import Stocktake, StocktakeLine
    from ..permissions import can_view_stocktake

    pk = str(params.get("stocktake") or "")
    stocktake = Stocktake.objects.for_school(school).filter(pk=pk).first() if pk.isdigit() else None
    if stocktake is None or not can_view_stocktake(user, stocktake):
        return StocktakeLine.objects.none()
    return ResultsFilter(params or None, stocktake=stocktake).lines()


def _place(line) -> str:
    return str(line.place) if line.place_id else str(gettext_lazy("（盘点范围外）"))


def _found_in(line) -> str:
    return str(line.found_in) if line.found_in_id else ""


def _export_spec():
    from houqin.core.excel import ExportColumn
    from houqin.core.exports import ExportSpec

    return ExportSpec(
        key=EXPORT_KEY,
        title=gettext_lazy("盘点结果"),
        perm="stocktake.view_stocktake",
        columns=[
            ExportColumn(gettext_lazy("盘点单号"), "stocktake.number"),
            ExportColumn(gettext_lazy("资产编号"), "asset.code"),
            ExportColumn(gettext_lazy("资产名称"), "asset.name", width=24),
            ExportColumn(gettext_lazy("资产分类"), "asset.category.name"),
            ExportColumn(gettext_lazy("规格型号"), "asset.spec_model"),
            ExportColumn(gettext_lazy("账面位置"), _place, width=30),
            ExportColumn(gettext_lazy("实盘位置"), _found_in, width=30),
            ExportColumn(gettext_lazy("账面数量"), "expected_quantity"),
            ExportColumn(gettext_lazy("实盘数量"), "counted_quantity"),
            ExportColumn(gettext_lazy("账面原值（元）"), "book_value"),
            ExportColumn(gettext_lazy("状况"), "get_condition_display"),
            ExportColumn(gettext_lazy("盘点结果"), "get_result_display"),
            ExportColumn(gettext_lazy("盘点人"), "counted_by"),
            ExportColumn(gettext_lazy("盘点时间"), "counted_at"),
            ExportColumn(gettext_lazy("备注"), "note", width=30),
        ],
        queryset=_export_rows,
    )


def ready() -> None:
    from houqin.core.exports import register_export

    register_export(_export_spec())
