"""Pages of the plans step (盘点计划): the list, make a plan, the plan's page with its live progress per
location, change or void it, name a location's counter, and 我的盘点 (the locations I count).
Thin: parse, call a service, render; what a user may press comes from ``stocktake_actions``."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import audit
from houqin.core.exports import export_response, get_spec
from houqin.core.http import form_page, get_for_school, run_form, school_required
from houqin.core.pagination import paginate

from .. import permissions, services
from ..actions import stocktake_actions
from ..choices import StocktakeStatus
from ..forms.plans import (
    StocktakeCancelForm,
    StocktakeFilter,
    StocktakeForm,
    StocktakeLocationAssignForm,
    StocktakeUpdateForm,
)
from ..models import Stocktake, StocktakeLine, StocktakeLocation

EXPORT_KEY = "stocktake.stocktake"
STATUS_COLOURS = {
    StocktakeStatus.COUNTING: "primary",
    StocktakeStatus.RECONCILING: "info",
    StocktakeStatus.RECONCILED: "warning",
    StocktakeStatus.SUBMITTED: "warning",
    StocktakeStatus.CLOSED: "success",
    StocktakeStatus.CANCELLED: "secondary",
}
POLL_SECONDS = 10  # the plan page refreshes its progress this often while counting


def percent(done: int, total: int) -> int:
    return min(100, int(done * 100 / total)) if total else 100


def _colour(stocktake: Stocktake) -> Stocktake:
    stocktake.colour = STATUS_COLOURS.get(stocktake.status, "secondary")
    return stocktake


def plan_queryset(school):
    """Plans of ``school`` with what their rows show (the list and its Excel export)."""
    return (
        Stocktake.objects.for_school(school)
        .select_related("scope_location", "scope_department", "scope_category", "created_by")
        .order_by("-created_at", "-pk")
    )


def counted_per_plan(ids) -> dict[int, int]:
    """Expected cards counted, per plan, for a page of plans: one aggregate query."""
    rows = (
        StocktakeLine.objects.filter(stocktake_id__in=list(ids), expected=True, counted_at__isnull=False)
        .values("stocktake_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["stocktake_id"]: row["n"] for row in rows}


@school_required("stocktake.view_stocktake")
def stocktake_list(request):
    """盘点: every plan, newest first; filter by status and kind; progress of each (counted/expected)."""
    if request.GET.get("export") == "xlsx":
        return export_response(request, get_spec(EXPORT_KEY))
    filterset = StocktakeFilter(
        request.GET or None, queryset=plan_queryset(request.school), school=request.school
    )
    page = paginate(request, filterset.qs)
    counted = counted_per_plan(s.pk for s in page.object_list)
    for stocktake in page.object_list:
        _colour(stocktake)
        stocktake.counted = counted.get(stocktake.pk, 0)
        stocktake.percent = percent(stocktake.counted, stocktake.expected_count)
    filters_open = sum(1 for key, value in request.GET.items() if value and key not in {"q", "page"})
    template = "stocktake/stocktake_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "page": page,
            "filter": filterset,
            "filters_open": filters_open,
            "can_add": request.user.has_perm("stocktake.add_stocktake"),
        },
    )


@school_required("stocktake.add_stocktake")
def stocktake_create(request):
    form = StocktakeForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.stocktake_create(actor=request.user, school=request.school, **data),
        title=_("新建盘点"),
        success_message=_("盘点计划已建立，已通知各位置的盘点人。"),
        template="stocktake/stocktake_form.html",
    )


def _stocktake_for(request, pk) -> Stocktake:
    """The plan, if the user may see it (readers, and counters for the plans they count in)."""
    stocktake = get_for_school(
        Stocktake.objects.select_related(
            "scope_location", "scope_department", "scope_category", "created_by"
        ),
        request,
        pk=pk,
    )
    if not permissions.can_view_stocktake(request.user, stocktake):
        raise Http404
    return stocktake


def progress_context(request, stocktake: Stocktake, actions: list[str]) -> dict:
    """Overall and per-location progress: the locations with their counts in one query."""
    places = list(
        StocktakeLocation.objects.for_school(request.school)
        .filter(stocktake=stocktake)
        .with_progress()
        .select_related("location", "counter")
        .order_by("location__path", "pk")
    )
    user = request.user
    for place in places:
        place.percent = percent(place.counted, place.expected_count)
        place.mine = place.counter_id == user.pk
        place.can_open = bool(permissions.can_view_location(user, place))
    counted = sum(p.counted for p in places)
    return {
        "stocktake": stocktake,
        "places": places,
        "counted": counted,
        "expected": stocktake.expected_count,
        "percent": percent(counted, stocktake.expected_count),
        "finished_places": sum(1 for p in places if p.is_finished),
        "surplus_total": sum(p.surplus_count for p in places),
        "unassigned": sum(1 for p in places if p.counter_id is None),
        "can_assign": "assign" in actions,
        "polling": stocktake.is_counting,
        "poll_seconds": POLL_SECONDS,
    }


@school_required("stocktake.view_stocktakelocation")
def stocktake_detail(request, pk):
    stocktake = _colour(_stocktake_for(request, pk))
    actions = stocktake_actions(stocktake, request.user)
    context = progress_context(request, stocktake, actions)
    context.update(
        {
            "object": stocktake,
            "actions": actions,
            "cancel_form": StocktakeCancelForm(),
            "timeline": audit.timeline(stocktake, school=request.school)[:50],
        }
    )
    return TemplateResponse(request, "stocktake/stocktake_detail.html", context)


@school_required("stocktake.view_stocktakelocation")
def stocktake_progress(request, pk):
    """The live progress (htmx, polled while counting): authorised like the plan page."""
    stocktake = _stocktake_for(request, pk)
    actions = stocktake_actions(stocktake, request.user)
    return TemplateResponse(
        request, "stocktake/_stocktake_progress.html", progress_context(request, stocktake, actions)
    )


def _refuse(request, stocktake: Stocktake, message: str):
    """The plan changed since the page was opened (or the step is not open now): say so, show it."""
    messages.error(request, message)
    return redirect(stocktake)


STATE_MESSAGES = {
    "update": gettext_lazy("这次盘点%(status)s，不能再编辑。"),
    "cancel": gettext_lazy("这次盘点%(status)s，不能作废。"),
    "assign": gettext_lazy("这次盘点%(status)s，不能再安排盘点人。"),
}


def _state_message(stocktake: Stocktake, action: str) -> str:
    """A whole sentence per action (fragments do not translate)."""
    return STATE_MESSAGES[action] % {"status": stocktake.get_status_display()}


@school_required("stocktake.change_stocktake")
def stocktake_update(request, pk):
    stocktake = _stocktake_for(request, pk)
    if "update" not in stocktake_actions(stocktake, request.user):
        return _refuse(request, stocktake, _state_message(stocktake, "update"))
    initial = {f: getattr(stocktake, f) for f in ("title", "deadline", "note")}
    form = StocktakeUpdateForm(request.POST or None, initial=initial, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.stocktake_update(actor=request.user, stocktake=stocktake, data=data),
        title=_("修改盘点 %(number)s") % {"number": stocktake.number},
        success_message=_("盘点已修改。"),
        template="stocktake/stocktake_form.html",
        object=stocktake,
    )


@school_required("stocktake.change_stocktake")
def stocktake_cancel(request, pk):
    """作废 with a reason: what was counted stays on record; the books are not touched."""
    stocktake = _stocktake_for(request, pk)
    if "cancel" not in stocktake_actions(stocktake, request.user):
        return _refuse(request, stocktake, _state_message(stocktake, "cancel"))
    form = StocktakeCancelForm(request.POST or None)
    saved = run_form(
        request,
        form,
        lambda data: services.stocktake_cancel(
            actor=request.user, stocktake=stocktake, reason=data["reason"]
        ),
        success_message=_("盘点已作废。"),
    )
    if saved:
        return redirect(saved)
    return TemplateResponse(
        request,
        "stocktake/stocktake_cancel.html",
        {"object": stocktake, "stocktake": stocktake, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@school_required("stocktake.change_stocktake")
def stocktakelocation_assign(request, pk):
    """Name (or change) who counts one location of a plan; the new counter is told."""
    place = get_for_school(
        StocktakeLocation.objects.select_related("stocktake", "location", "counter"), request, pk=pk
    )
    stocktake = place.stocktake
    if "assign" not in stocktake_actions(stocktake, request.user):
        return _refuse(request, stocktake, _state_message(stocktake, "assign"))
    form = StocktakeLocationAssignForm(
        request.POST or None, initial={"counter": place.counter_id}, school=request.school
    )
    saved = run_form(
        request,
        form,
        lambda data: services.stocktake_location_assign(
            actor=request.user, place=place, counter=data.get("counter")
        ),
        success_message=_("盘点人已安排。"),
    )
    if saved:
        return redirect(stocktake.get_absolute_url() + f"#place-{place.pk}")
    return TemplateResponse(
        request,
        "stocktake/stocktakelocation_assign.html",
        {"object": place, "place": place, "stocktake": stocktake, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@school_required("stocktake.view_stocktakelocation")
def stocktakelocation_mine(request):
    """我的盘点: the locations I count in plans still counting, unfinished first, soonest deadline first."""
    places = (
        StocktakeLocation.objects.for_school(request.school)
        .filter(counter=request.user, stocktake__status=StocktakeStatus.COUNTING)
        .with_progress()
        .select_related("stocktake", "location")
        .order_by(F("finished_at").asc(nulls_first=True), "stocktake__deadline", "location__path", "pk")
    )
    page = paginate(request, places)
    for place in page.object_list:
        place.percent = percent(place.counted, place.expected_count)
    return TemplateResponse(request, "stocktake/stocktakelocation_mine.html", {"page": page})
