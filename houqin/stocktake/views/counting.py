"""Counting pages: the phone count page of one location, its POST endpoints (a scan, an unknown
item, undo, finished / reopened) and the printable count sheet. Thin: parse, call a service, render.

A scan answers JSON to the page's script (``stocktake-count.js`` keeps a queue of scans in the
phone and retries lost requests with the same ``client_key``), and a redirect with a message to a
plain form post (the page works without JavaScript).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from houqin.core.attachments import attachment_add
from houqin.core.http import get_for_school, school_required
from houqin.core.pagination import paginate
from houqin.core.printing import print_context

from .. import permissions, services
from ..choices import CountCondition, StocktakeStatus
from ..forms.counting import CountForm, SurplusForm
from ..models import StocktakeLine, StocktakeLocation, StocktakeSurplus

TEMPLATE = "stocktake/stocktakelocation_detail.html"
LINES_PER_PAGE = 100
PERM = "stocktake.view_stocktakelocation"  # every member has it; the object rules decide


# --- lookups and rights ----------------------------------------------------------------------------


def _place_for(request, pk) -> StocktakeLocation:
    place = get_for_school(
        StocktakeLocation.objects.select_related("stocktake", "location", "counter", "finished_by"),
        request,
        pk=pk,
    )
    if not permissions.can_view_location(request.user, place):
        raise PermissionDenied
    return place


def _may_count(user, place: StocktakeLocation) -> bool:
    return place.stocktake.status == StocktakeStatus.COUNTING and permissions.can_count_location(user, place)


def _may_undo(user, line: StocktakeLine, *, counting: bool) -> bool:
    return (
        counting
        and line.is_counted
        and (line.counted_by_id == user.pk or user.has_perm("stocktake.change_stocktake"))
    )


def _url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a step not installed yet
        return None


def _wants_json(request) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json"
    )


def _first_error(exc: ValidationError) -> str:
    return str(exc.messages[0]) if exc.messages else _("提交的数据有误。")


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(m) for e in errors for m in e.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


# --- the count page ---------------------------------------------------------------------------------


def _status(line: StocktakeLine, place: StocktakeLocation) -> tuple[str, str, str]:
    """(key, label, colour) of an expected card on its own location's page."""
    if not line.is_counted:
        return "pending", _("未盘"), "secondary"
    if line.found_in_id != place.pk:
        return "elsewhere", _("盘于他处"), "warning"
    return "counted", _("已盘"), "success"


def _lines(request, place: StocktakeLocation, *, counting: bool):
    """The expected cards of this location, searched (code, name, pinyin) and filtered by state."""
    lines = place.lines.filter(expected=True).select_related("asset", "counted_by", "found_in__location")
    query = request.GET.get("q", "").strip()
    if query:
        from houqin.assets.models import Asset

        lines = lines.filter(asset__in=Asset.objects.for_school(request.school).search(query))
    state = request.GET.get("state", "")
    if state == "pending":
        lines = lines.filter(counted_at__isnull=True)
    elif state == "counted":
        lines = lines.filter(counted_at__isnull=False)
    page = paginate(request, lines.order_by("counted_at", "asset__code", "pk"), per_page=LINES_PER_PAGE)
    for line in page.object_list:
        line.state, line.state_label, line.state_colour = _status(line, place)
        line.is_batch = line.expected_quantity > 1
        line.can_count = counting and not line.is_counted
        line.can_undo = _may_undo(request.user, line, counting=counting)
    return page, query, state


def _detail_context(request, place: StocktakeLocation, *, count_form=None, surplus_form=None) -> dict:
    stocktake = place.stocktake
    counting = _may_count(request.user, place)
    page, query, state = _lines(request, place, counting=counting)
    progress = place.lines.progress()
    found_here = list(
        place.found_lines.exclude(place=place)
        .select_related("asset", "place__location", "counted_by")
        .order_by("-counted_at")[:200]
    )
    for line in found_here:
        line.book_place = line.place if line.expected else _("盘点范围外")
        line.can_undo = _may_undo(request.user, line, counting=counting)
    surpluses = list(
        place.surpluses.filter(withdrawn=False).select_related("counted_by", "category").order_by("-pk")
    )
    manager = request.user.has_perm("stocktake.change_stocktake")
    for surplus in surpluses:
        surplus.can_withdraw = counting and (surplus.counted_by_id == request.user.pk or manager)
    return {
        "place": place,
        "stocktake": stocktake,
        "progress": progress,
        "page": page,
        "q": query,
        "state": state,
        "found_here": found_here,
        "surpluses": surpluses,
        "can_count": counting,
        "can_finish": counting and not place.is_finished,
        "can_reopen": counting and place.is_finished,
        "is_counting": stocktake.status == StocktakeStatus.COUNTING,
        "count_form": count_form or CountForm(initial={"code": request.GET.get("code", "")}),
        "surplus_form": surplus_form or SurplusForm(school=request.school),
        "conditions": CountCondition.choices,
        "problem_conditions": [CountCondition.DAMAGED, CountCondition.NEEDS_REPAIR],
        "plan_url": (
            _url_or_none("stocktake:stocktake_detail", stocktake.pk)
            if permissions.can_view_stocktake(request.user, stocktake)
            else None
        ),
        "mine_url": _url_or_none("stocktake:stocktakelocation_mine"),
        "overdue": stocktake.deadline < timezone.localdate(),
    }


@school_required(PERM)
def stocktakelocation_detail(request, pk):
    """The phone count page (盘点): scan or type a code, the expected cards with their state, the
    unknown items, 本位置盘完."""
    place = _place_for(request, pk)
    context = _detail_context(request, place)
    template = TEMPLATE
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


def _line_json(line: StocktakeLine) -> dict:
    return {
        "id": line.pk,
        "asset": line.asset_id,
        "code": line.asset.code,
        "name": line.asset.name,
        "expected": line.expected,
        "place": line.place_id,
        "found_in": line.found_in_id,
        "expected_quantity": line.expected_quantity,
        "counted_quantity": line.counted_quantity,
        "condition": line.condition,
        "condition_label": line.get_condition_display(),
        "note": line.note,
        "counted_at": line.counted_at.isoformat() if line.counted_at else None,
    }


@require_POST
@school_required(PERM)
def stocktakelocation_count(request, pk):
    """盘到: one scan. JSON in and out for the page's queue (a retry with the same ``client_key``
    answers the same and counts nothing twice); a plain form post redirects with a message."""
    place = _place_for(request, pk)
    as_json = _wants_json(request)
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return JsonResponse(
                {"ok": False, "errors": {"non_field_errors": [_("请求格式不正确。")]}}, status=400
            )
        form = CountForm({k: "" if v is None else str(v) for k, v in payload.items()})
    else:
        form = CountForm(request.POST, request.FILES)
    if not form.is_valid():
        if as_json:
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            return JsonResponse({"ok": False, "errors": errors, "message": _first_of(errors)}, status=400)
        return _page_with_errors(request, place, count_form=form)
    data = form.cleaned_data
    photo = data.get("photo")
    try:
        with transaction.atomic():  # the count and its photo are saved together, or neither
            outcome = services.stocktake_count(
                actor=request.user,
                place=place,
                code=data["code"],
                quantity=data.get("quantity") or None,
                condition=data["condition"],
                note=data.get("note", ""),
                client_key=data.get("client_key") or None,
            )
            if photo and not outcome.repeated:
                attachment_add(actor=request.user, target=outcome.line, upload=photo)
    except ValidationError as exc:
        if as_json:
            return JsonResponse(
                {"ok": False, "errors": _errors(exc), "message": _first_error(exc)}, status=400
            )
        for field, errs in _errors(exc).items():
            for error in errs:
                form.add_error(field if field in form.fields else None, error)
        return _page_with_errors(request, place, count_form=form)
    except PermissionDenied as exc:
        if as_json:
            return JsonResponse({"ok": False, "message": str(exc) or _("没有权限。")}, status=403)
        raise
    message = outcome.message
    if outcome.repeated:
        message = _("%(message)s（重复提交，只记一次）") % {"message": message}
    if as_json:
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "line": _line_json(outcome.line),
                "misplaced": outcome.misplaced,
                "repeated": outcome.repeated,
                "created": outcome.created,
            }
        )
    (messages.warning if outcome.misplaced else messages.success)(request, message)
    return redirect(place)


def _first_of(errors: dict) -> str:
    for errs in errors.values():
        if errs:
            return errs[0]
    return _("提交的数据有误。")


def _page_with_errors(request, place, **forms):
    return TemplateResponse(request, TEMPLATE, _detail_context(request, place, **forms), status=400)


@require_POST
@school_required(PERM)
def stocktakelocation_surplus(request, pk):
    """盘盈: an item here with no card, with its photo (saved together; a resubmitted form carries
    the same key and saves one item)."""
    place = _place_for(request, pk)
    form = SurplusForm(request.POST, request.FILES, school=request.school)
    if form.is_valid():
        data = form.cleaned_data
        try:
            surplus = services.stocktake_surplus_add(
                actor=request.user,
                place=place,
                name=data["name"],
                quantity=data.get("quantity") or None,
                unit=data.get("unit", ""),
                spec_model=data.get("spec_model", ""),
                category=data.get("category"),
                estimated_value=data.get("estimated_value") or None,
                note=data.get("note", ""),
                client_key=data.get("client_key") or None,
                photos=[data["photo"]] if data.get("photo") else [],
            )
        except ValidationError as exc:
            for field, errs in _errors(exc).items():
                for error in errs:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("已登记盘盈物品“%(item)s”。") % {"item": surplus})
            return redirect(place)
    return _page_with_errors(request, place, surplus_form=form)


@require_POST
@school_required(PERM)
def stocktakelocation_finish(request, pk):
    """本位置盘完."""
    place = _place_for(request, pk)
    try:
        services.stocktake_location_finish(actor=request.user, place=place)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("已确认“%(place)s”盘点完成。") % {"place": place})
    return redirect(place)


@require_POST
@school_required(PERM)
def stocktakelocation_reopen(request, pk):
    """重新盘点 a location marked finished (while the plan is counting)."""
    place = _place_for(request, pk)
    try:
        services.stocktake_location_reopen(actor=request.user, place=place)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("“%(place)s”已重新打开，可以继续盘点。") % {"place": place})
    return redirect(place)


@require_POST
@school_required(PERM)
def stocktakeline_uncount(request, pk):
    """撤销 a count: its counter, or whoever runs stocktakes. Back to the page it came from."""
    line = get_for_school(StocktakeLine.objects.select_related("asset", "found_in", "place"), request, pk=pk)
    place = line.found_in or line.place
    if place is None or not permissions.can_view_location(request.user, place):
        raise PermissionDenied
    back = place
    if request.POST.get("back") and str(request.POST["back"]).isdigit():
        back = (
            StocktakeLocation.objects.for_school(request.school)
            .filter(pk=int(request.POST["back"]))
            .filter(Q(pk=line.place_id) | Q(pk=line.found_in_id))
            .first()
            or place
        )
    try:
        services.stocktake_uncount(actor=request.user, line=line)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("已撤销“%(asset)s”的盘点结果。") % {"asset": line.asset})
    return redirect(back)


@require_POST
@school_required(PERM)
def stocktakesurplus_withdraw(request, pk):
    """撤销 an unknown item recorded by mistake."""
    surplus = get_for_school(StocktakeSurplus.objects.select_related("place", "stocktake"), request, pk=pk)
    if not permissions.can_view_location(request.user, surplus.place):
        raise PermissionDenied
    try:
        services.stocktake_surplus_withdraw(actor=request.user, surplus=surplus)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("已撤销盘盈物品“%(item)s”。") % {"item": surplus})
    return redirect(surplus.place)


# --- the paper count sheet --------------------------------------------------------------------------


@school_required(PERM)
def stocktakelocation_print(request, pk):
    """盘点表 on A4 for offices that count on paper: the expected cards with empty columns for the
    counted quantity, condition and note, and the signature lines."""
    place = _place_for(request, pk)
    lines = (
        place.lines.filter(expected=True)
        .select_related("asset__location", "asset__custodian")
        .order_by("asset__code", "pk")
    )
    context = print_context(request, title=_("资产盘点表"), document_number=place.stocktake.number)
    context.update(
        {
            "place": place,
            "stocktake": place.stocktake,
            "lines": lines,
            "blank_rows": range(5),
            "back_url": reverse("stocktake:stocktakelocation_detail", args=[place.pk]),
        }
    )
    return TemplateResponse(request, "stocktake/stocktakelocation_print.html", context)
