"""Pages of the reconciliation and its reports: 结束盘点并对账 (with a confirmation page), 重新盘点,
the task's progress (an htmx partial polled by the plan page), the results page (by result, by
location, by category, with a chart and the Excel export) and the printed result report (A4).

Thin: look the plan up in the school, check the rule, call a service or read, render. The read
helpers (``location_figures``, ``summary_rows``, ``category_rows``) are shared with the API.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from houqin.core.attachments import photos_of_many
from houqin.core.exports import export_response, get_spec
from houqin.core.http import get_for_school, school_required
from houqin.core.models import Attachment
from houqin.core.pagination import paginate
from houqin.core.printing import print_context

from .. import services
from ..actions import stocktake_actions
from ..choices import CONDITION_PROBLEMS, LINE_PROBLEMS, LineResult, StocktakeStatus
from ..forms.reports import RESULT_TABS, SURPLUS, ResultsFilter
from ..models import Stocktake, StocktakeLine, StocktakeLocation, StocktakeSurplus
from ..permissions import can_view_stocktake

EXPORT_KEY = "stocktake.stocktakeline"
MANAGE = "stocktake.change_stocktake"
ZERO = Decimal("0.00")
UNFINISHED_SHOWN = 30
SUMMARY_ORDER = (
    LineResult.FOUND,
    LineResult.MISSING,
    LineResult.MISPLACED,
    LineResult.SHORT,
    LineResult.OVER,
    LineResult.DAMAGED,
)
RESULT_COLOURS = {
    LineResult.FOUND: "success",
    LineResult.MISSING: "danger",
    LineResult.MISPLACED: "warning",
    LineResult.SHORT: "warning",
    LineResult.OVER: "info",
    LineResult.DAMAGED: "secondary",
    LineResult.PENDING: "light",
}


# --- reads shared with the API ------------------------------------------------------------------------


def summary_rows(stocktake: Stocktake) -> list[dict]:
    """相符/盘亏/位置不符/数量短缺/数量多出/损坏待修 then 盘盈: count and book value, from the summary
    the reconciliation stored (no query)."""
    results = (stocktake.summary or {}).get("results", {})
    rows = [
        {
            "key": str(key),
            "label": key.label,
            "count": results.get(key, {}).get("count", 0),
            "value": Decimal(results.get(key, {}).get("value", "0.00")),
            "colour": RESULT_COLOURS[key],
        }
        for key in SUMMARY_ORDER
    ]
    surplus = (stocktake.summary or {}).get("surplus", {})
    rows.append(
        {
            "key": SURPLUS,
            "label": _("盘盈"),
            "count": surplus.get("count", 0),
            "value": Decimal(surplus.get("value", "0.00")),
            "colour": "primary",
        }
    )
    return rows


def category_rows(stocktake: Stocktake) -> list[dict]:
    return [
        {
            **row,
            "category": row.get("category") or _("（未分类）"),
            "expected_value": Decimal(row.get("expected_value", "0.00")),
            "missing_value": Decimal(row.get("missing_value", "0.00")),
        }
        for row in (stocktake.summary or {}).get("categories", [])
    ]


def location_figures(stocktake: Stocktake) -> tuple[list[dict], dict]:
    """Per location of the plan: expected, 相符, 盘亏, cards of this place found elsewhere, cards of
    elsewhere found here, quantity differences, damaged, 盘盈, with values. Four queries whatever
    the number of locations and lines."""
    places = list(
        StocktakeLocation.objects.filter(stocktake=stocktake)
        .select_related("location", "counter")
        .order_by("location__path", "pk")
    )
    lines = StocktakeLine.objects.filter(stocktake=stocktake).order_by()
    # annotation names must not shadow the fields the filters read (``expected``)
    by_place = {
        row["place_id"]: row
        for row in lines.filter(place__isnull=False)
        .values("place_id")
        .annotate(
            n_expected=Count("pk", filter=Q(expected=True)),
            v_expected=Coalesce(Sum("book_value", filter=Q(expected=True)), ZERO),
            n_found=Count("pk", filter=Q(result=LineResult.FOUND)),
            n_missing=Count("pk", filter=Q(result=LineResult.MISSING)),
            v_missing=Coalesce(Sum("book_value", filter=Q(result=LineResult.MISSING)), ZERO),
            n_moved_out=Count("pk", filter=Q(result=LineResult.MISPLACED)),
            n_quantity=Count("pk", filter=Q(result__in=[LineResult.SHORT, LineResult.OVER])),
            n_counted=Count("pk", filter=Q(expected=True, counted_at__isnull=False)),
        )
    }
    by_found = {
        row["found_in_id"]: row
        for row in lines.filter(found_in__isnull=False)
        .values("found_in_id")
        .annotate(
            n_moved_in=Count("pk", filter=Q(result=LineResult.MISPLACED)),
            v_moved_in=Coalesce(Sum("book_value", filter=Q(result=LineResult.MISPLACED)), ZERO),
            n_damaged=Count("pk", filter=Q(condition__in=CONDITION_PROBLEMS)),
            v_damaged=Coalesce(Sum("book_value", filter=Q(condition__in=CONDITION_PROBLEMS)), ZERO),
        )
    }
    by_surplus = {
        row["place_id"]: row
        for row in StocktakeSurplus.objects.filter(stocktake=stocktake, withdrawn=False)
        .order_by()
        .values("place_id")
        .annotate(n_surplus=Count("pk"), v_surplus=Coalesce(Sum("estimated_value"), ZERO))
    }
    keys = {
        "expected": ("n_expected", by_place),
        "expected_value": ("v_expected", by_place),
        "counted": ("n_counted", by_place),
        "found": ("n_found", by_place),
        "missing": ("n_missing", by_place),
        "missing_value": ("v_missing", by_place),
        "moved_out": ("n_moved_out", by_place),
        "quantity": ("n_quantity", by_place),
        "moved_in": ("n_moved_in", by_found),
        "moved_in_value": ("v_moved_in", by_found),
        "damaged": ("n_damaged", by_found),
        "damaged_value": ("v_damaged", by_found),
        "surplus": ("n_surplus", by_surplus),
        "surplus_value": ("v_surplus", by_surplus),
    }
    rows = []
    totals = {key: (ZERO if key.endswith("value") else 0) for key in keys}
    for place in places:
        row = {"place": place}
        for key, (name, source) in keys.items():
            value = source.get(place.pk, {}).get(name, ZERO if key.endswith("value") else 0)
            row[key] = value
            totals[key] += value
        row["problems"] = (
            row["missing"]
            + row["moved_out"]
            + row["moved_in"]
            + row["quantity"]
            + row["damaged"]
            + row["surplus"]
        )
        rows.append(row)
    return rows, totals


def _chart(categories: list[dict]) -> dict:
    """Data for ``static/js/assets-reports.js``: book value expected and missing by category."""
    return {
        "labels": [str(row["category"]) for row in categories],
        "series": [
            {"name": str(_("应盘原值")), "data": [float(row["expected_value"]) for row in categories]},
            {"name": str(_("盘亏原值")), "data": [float(row["missing_value"]) for row in categories]},
        ],
    }


# --- pages --------------------------------------------------------------------------------------------


def _stocktake_for(request, pk) -> Stocktake:
    stocktake = get_for_school(Stocktake, request, pk=pk)
    if not can_view_stocktake(request.user, stocktake):
        raise PermissionDenied
    return stocktake


def _back(stocktake: Stocktake):
    return redirect(stocktake.get_absolute_url())


@school_required(MANAGE)
def stocktake_close(request, pk):
    """结束盘点并对账: GET shows what is still uncounted and which locations are not finished; POST
    closes the counting and queues the reconciliation (it runs after the commit)."""
    stocktake = _stocktake_for(request, pk)
    if request.method == "POST":
        try:
            services.stocktake_close_counting(actor=request.user, stocktake=stocktake)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("盘点已结束，正在对账，完成后本页会自动刷新。"))
        return _back(stocktake)
    lines = StocktakeLine.objects.filter(stocktake=stocktake)
    progress = lines.progress()
    unfinished = (
        StocktakeLocation.objects.for_school(request.school)
        .filter(stocktake=stocktake)
        .unfinished()
        .with_progress()
        .select_related("location", "counter")
        .order_by("location__path", "pk")
    )
    unfinished_count = unfinished.count()
    return TemplateResponse(
        request,
        "stocktake/stocktake_close.html",
        {
            "stocktake": stocktake,
            "actions": stocktake_actions(stocktake, request.user),
            "progress": progress,
            "uncounted": progress["expected"] - progress["counted"],
            "unfinished": list(unfinished[:UNFINISHED_SHOWN]),
            "unfinished_count": unfinished_count,
            "unfinished_more": max(0, unfinished_count - UNFINISHED_SHOWN),
        },
    )


@school_required(MANAGE)
@require_POST
def stocktake_reopen(request, pk):
    """重新盘点: back to counting; the proposed adjustments are dropped."""
    stocktake = _stocktake_for(request, pk)
    try:
        services.stocktake_reopen_counting(actor=request.user, stocktake=stocktake)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已重新打开盘点，可继续录入；结束后请重新对账。"))
    return _back(stocktake)


@school_required()
def stocktake_reconcilestatus(request, pk):
    """The reconciliation task's progress, polled by the plan page every 2 s; once it is done (or
    failed) htmx reloads the page."""
    stocktake = _stocktake_for(request, pk)
    if request.htmx and stocktake.status != StocktakeStatus.RECONCILING:
        return HttpResponseClientRefresh()
    return TemplateResponse(request, "stocktake/_reconcile_status.html", {"stocktake": stocktake})


def _photos(surpluses: list[StocktakeSurplus], school) -> dict[int, list[Attachment]]:
    """Photos of these unknown items, one query."""
    return photos_of_many(StocktakeSurplus, [s.pk for s in surpluses], school)


def _mark(line: StocktakeLine) -> StocktakeLine:
    line.colour = RESULT_COLOURS.get(line.result, "light")
    line.damaged = line.condition in CONDITION_PROBLEMS
    return line


@school_required()
def stocktake_results(request, pk):
    """盘点结果: the figures by result, by location and by category (with a chart), and the cards
    with their result, filtered by result (tabs) and location; ``?export=xlsx`` exports them."""
    stocktake = _stocktake_for(request, pk)
    if request.GET.get("export") == "xlsx":
        spec = get_spec(EXPORT_KEY)
        if not request.user.has_perm(spec.perm):
            raise PermissionDenied
        request.GET = request.GET.copy()
        request.GET["stocktake"] = str(stocktake.pk)  # the spec's rows are this plan's
        return export_response(request, spec)
    filterset = ResultsFilter(request.GET or None, stocktake=stocktake)
    result = filterset.chosen_result
    if result == SURPLUS:
        page = paginate(request, filterset.surpluses())
        photos = _photos(page.object_list, request.school)
        for surplus in page.object_list:
            surplus.photos = photos.get(surplus.pk, [])
    else:
        page = paginate(request, filterset.lines())
        page.object_list = [_mark(line) for line in page.object_list]
    template = "stocktake/stocktake_results.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
        return TemplateResponse(
            request,
            template,
            {"stocktake": stocktake, "page": page, "filter": filterset, "surplus_tab": result == SURPLUS},
        )
    places, totals = location_figures(stocktake)
    categories = category_rows(stocktake)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("result", None)
    return TemplateResponse(
        request,
        template,
        {
            "stocktake": stocktake,
            "page": page,
            "filter": filterset,
            "result": result,
            "surplus_tab": result == SURPLUS,
            "tabs": [(key, label) for key, label in RESULT_TABS],
            "tab_query": params.urlencode(),
            "summary": summary_rows(stocktake),
            "places": places,
            "totals": totals,
            "categories": categories,
            "chart": _chart(categories),
            "reconciled": stocktake.reconciled_at is not None,
            "can_export": request.user.has_perm("stocktake.view_stocktake"),
        },
    )


def _differences(stocktake: Stocktake) -> list[dict]:
    """Every difference grouped by location: a misplaced card under the place it was found, the
    rest under their book place. One query for the lines, one for the unknown items."""
    lines = (
        StocktakeLine.objects.filter(stocktake=stocktake)
        .filter(Q(result__in=LINE_PROBLEMS) | Q(condition__in=CONDITION_PROBLEMS))
        .select_related("asset", "asset__category", "place__location", "found_in__location")
        .order_by("asset__code", "pk")
    )
    surpluses = (
        StocktakeSurplus.objects.filter(stocktake=stocktake, withdrawn=False)
        .select_related("place__location", "category")
        .order_by("pk")
    )
    groups: dict[int, dict] = {}

    def group(place: StocktakeLocation) -> dict:
        if place.pk not in groups:
            groups[place.pk] = {"place": place, "lines": [], "surpluses": []}
        return groups[place.pk]

    for line in lines:
        where = line.found_in if line.result == LineResult.MISPLACED else (line.place or line.found_in)
        group(where)["lines"].append(_mark(line))
    for surplus in surpluses:
        group(surplus.place)["surpluses"].append(surplus)
    return sorted(
        groups.values(),
        key=lambda g: (g["place"].location is None, g["place"].location.path if g["place"].location else ""),
    )


@school_required()
def stocktake_report(request, pk):
    """盘点结果报告 on A4: the summary by result and by category, every difference grouped by
    location, and the signature lines (盘点负责人/资产管理员/总务主任)."""
    stocktake = _stocktake_for(request, pk)
    context = print_context(request, title=_("盘点结果报告"), document_number=stocktake.number)
    places, totals = location_figures(stocktake)
    context.update(
        {
            "stocktake": stocktake,
            "summary": summary_rows(stocktake),
            "categories": category_rows(stocktake),
            "places": places,
            "totals": totals,
            "groups": _differences(stocktake),
            "reconciled": stocktake.reconciled_at is not None,
            "back_url": reverse("stocktake:stocktake_results", args=[stocktake.pk]),
        }
    )
    return TemplateResponse(request, "stocktake/stocktake_report.html", context)
