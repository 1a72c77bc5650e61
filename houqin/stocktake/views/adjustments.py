"""Pages of the adjustments step (调账): the proposals grouped by kind, each one's include toggle and
small form (htmx), the summary on the plan page, and 提交差异审批 / 结账. Thin: parse, call a
service, render; what a user may press comes from ``stocktake_actions``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from houqin.core.attachments import photos_of_many
from houqin.core.http import get_for_school, school_required
from houqin.core.models import Attachment
from houqin.core.pagination import paginate

from .. import services
from ..actions import stocktake_actions
from ..choices import AdjustmentKind, StocktakeStatus
from ..forms.adjustments import AdjustmentChoices, AdjustmentForm
from ..models import Stocktake, StocktakeAdjustment, StocktakeSurplus

PAGE_TEMPLATE = "stocktake/stocktake_adjustments.html"
SUMMARY_TEMPLATE = "stocktake/_detail_adjustments.html"
SHOWN = (StocktakeStatus.RECONCILED, StocktakeStatus.SUBMITTED, StocktakeStatus.CLOSED)
# the kinds in the order of ``AdjustmentKind`` (盘亏核销 first), as the summary lists them
KIND_ORDER = Case(
    *(When(kind=kind, then=Value(i)) for i, kind in enumerate(AdjustmentKind.values)),
    default=Value(99),
    output_field=IntegerField(),
)


def _stocktake_for(request, pk) -> Stocktake:
    return get_for_school(Stocktake.objects.all(), request, pk=pk)


def _adjustment_for(request, pk) -> StocktakeAdjustment:
    return get_for_school(
        StocktakeAdjustment.objects.select_related(
            "stocktake",
            "asset",
            "asset__location",
            "surplus",
            "surplus__category",
            "surplus__place__location",
            "surplus__asset",
            "to_location",
        ),
        request,
        pk=pk,
    )


def _approval_of(school, stocktake: Stocktake):
    from houqin.approvals.models import ApprovalRequest

    return (
        ApprovalRequest.objects.for_school(school)
        .filter(
            document_type=services.ADJUSTMENT_DOCUMENT,
            target_type=ContentType.objects.get_for_model(Stocktake),
            target_id=stocktake.pk,
        )
        .select_related("current_step")
        .first()
    )


def _photos(school, adjustments) -> dict[int, Attachment]:
    """The first photo of each surplus item on the page, one query."""
    found = photos_of_many(StocktakeSurplus, {a.surplus_id for a in adjustments if a.surplus_id}, school)
    return {pk: photos[0] for pk, photos in found.items()}


def _links(school, adjustments) -> dict[str, str]:
    """The page of what each applied proposal led to (a disposal, a damage report), one query each."""
    from houqin.assets.models import AssetDamage, AssetDisposal

    numbers = {
        kind: [a.reference for a in adjustments if a.kind == kind and a.reference]
        for kind in (AdjustmentKind.WRITE_OFF, AdjustmentKind.REPAIR)
    }
    links: dict[str, str] = {}
    if numbers[AdjustmentKind.WRITE_OFF]:
        for pk, number in (
            AssetDisposal.objects.for_school(school)
            .filter(number__in=set(numbers[AdjustmentKind.WRITE_OFF]))
            .values_list("pk", "number")
        ):
            links[number] = reverse("assets:assetdisposal_detail", args=[pk])
    if numbers[AdjustmentKind.REPAIR]:
        for pk, number in (
            AssetDamage.objects.for_school(school)
            .filter(number__in=set(numbers[AdjustmentKind.REPAIR]))
            .values_list("pk", "number")
        ):
            links[number] = reverse("assets:assetdamage_detail", args=[pk])
    return links


def _decorate(request, adjustments, *, editable: bool, choices: AdjustmentChoices | None = None):
    """Per row: its form (while editable), its surplus photo and the link of its result."""
    adjustments = list(adjustments)
    photos = _photos(request.school, adjustments)
    links = _links(request.school, adjustments)
    for a in adjustments:
        a.photo = photos.get(a.surplus_id)
        if a.reference:
            if a.kind in (AdjustmentKind.WRITE_OFF, AdjustmentKind.REPAIR):
                a.reference_url = links.get(a.reference, "")
            elif a.asset_id:
                a.reference_url = reverse("assets:asset_detail", args=[a.asset_id])
        if editable and choices is not None:
            a.form = AdjustmentForm(adjustment=a, choices=choices)
    return adjustments


def _bar(stocktake: Stocktake) -> dict:
    """The figures above the list: per kind, the losses (the approval's amount), how many are in."""
    totals = services.stocktake_adjustment_totals(stocktake)
    return {
        "totals": totals,
        "included": sum(row["included"] for row in totals),
        "loss_amount": services.stocktake_loss_amount(
            stocktake.adjustments.filter(include=True, amount__lt=0).only("kind", "amount")
        ),
    }


def _row(request, adjustment: StocktakeAdjustment, *, form=None):
    """The htmx answer of a toggle or an edit: the row again (with the form's errors if any), and
    the figures above the list swapped out of band."""
    stocktake = Stocktake.objects.get(pk=adjustment.stocktake_id)
    actions = stocktake_actions(stocktake, request.user)
    editable = "adjust" in actions
    choices = AdjustmentChoices(request.school)
    (adjustment,) = _decorate(request, [adjustment], editable=editable, choices=choices)
    if form is not None:
        adjustment.form = form
    current = urlparse(request.htmx.current_url or "") if request.htmx else None
    kind = parse_qs(current.query).get("kind", [""])[0] if current else ""
    context = {
        "a": adjustment,
        "stocktake": stocktake,
        "actions": actions,
        "editable": editable,
        "kind": kind,
        "oob": True,
        **_bar(stocktake),
    }
    return TemplateResponse(request, PAGE_TEMPLATE + "#rowupdate", context)


@school_required("stocktake.view_stocktakeadjustment")
def stocktake_adjustments(request, pk):
    """The proposals of a plan, grouped by kind (``?kind=`` shows one kind), paginated; while the
    plan waits for its adjustments each row has its include toggle and its small form."""
    stocktake = _stocktake_for(request, pk)
    actions = stocktake_actions(stocktake, request.user)
    editable = "adjust" in actions
    kind = request.GET.get("kind", "")
    rows = (
        StocktakeAdjustment.objects.for_school(request.school)
        .filter(stocktake=stocktake)
        .select_related(
            "asset",
            "asset__location",
            "surplus",
            "surplus__category",
            "surplus__place__location",
            "to_location",
        )
        .annotate(kind_order=KIND_ORDER)
        .order_by("kind_order", "pk")
    )
    if kind in AdjustmentKind.values:
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    page = paginate(request, rows)
    page.object_list = _decorate(
        request, page.object_list, editable=editable, choices=AdjustmentChoices(request.school)
    )
    context = {
        "stocktake": stocktake,
        "actions": actions,
        "editable": editable,
        "page": page,
        "kind": kind,
        **_bar(stocktake),
        "approval": _approval_of(request.school, stocktake)
        if stocktake.status in (StocktakeStatus.SUBMITTED, StocktakeStatus.CLOSED)
        else None,
        "kinds": AdjustmentKind.choices,
    }
    template = PAGE_TEMPLATE
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


@school_required("stocktake.view_stocktakeadjustment")
def stocktake_adjustmentsummary(request, pk):
    """The summary on the plan page (htmx, loaded once the page is shown): the proposals by kind,
    the approval while it runs; authorised like the adjustments page."""
    stocktake = _stocktake_for(request, pk)
    actions = stocktake_actions(stocktake, request.user)
    totals = services.stocktake_adjustment_totals(stocktake) if stocktake.status in SHOWN else []
    context = {
        "stocktake": stocktake,
        "actions": actions,
        "totals": totals,
        "included": sum(row["included"] for row in totals),
        "approval": _approval_of(request.school, stocktake)
        if stocktake.status in (StocktakeStatus.SUBMITTED, StocktakeStatus.CLOSED)
        else None,
    }
    return TemplateResponse(request, SUMMARY_TEMPLATE + "#summary", context)


def _done(request, adjustment: StocktakeAdjustment):
    if request.htmx:
        return _row(request, _adjustment_for(request, adjustment.pk))
    return redirect("stocktake:stocktake_adjustments", pk=adjustment.stocktake_id)


def _refused(request, adjustment: StocktakeAdjustment, exc: ValidationError, form=None):
    if request.htmx:
        response = _row(request, _adjustment_for(request, adjustment.pk), form=form)
        response.context_data["errors"] = exc.messages
        return response
    for message in exc.messages:
        messages.error(request, message)
    return redirect("stocktake:stocktake_adjustments", pk=adjustment.stocktake_id)


@school_required("stocktake.change_stocktake")
@require_POST
def stocktakeadjustment_toggle(request, pk):
    """纳入 / 不纳入调整 (htmx): the button says which (``include`` = 1 or 0), so a double tap or a
    second tab lands on the same state instead of flipping it back."""
    adjustment = _adjustment_for(request, pk)
    include = request.POST.get("include", "").lower() in {"1", "true", "on", "yes"}
    try:
        services.stocktake_adjustment_update(actor=request.user, adjustment=adjustment, include=include)
    except ValidationError as exc:
        return _refused(request, adjustment, exc)
    return _done(request, adjustment)


@school_required("stocktake.change_stocktake")
@require_POST
def stocktakeadjustment_update(request, pk):
    """The row's small form (htmx): note, the place, the counted quantity or the new card's category."""
    adjustment = _adjustment_for(request, pk)
    form = AdjustmentForm(request.POST, adjustment=adjustment, choices=AdjustmentChoices(request.school))
    if not form.is_valid():
        errors = [
            f"{form.fields[f].label}：{e}" for f, es in form.errors.items() if f in form.fields for e in es
        ]
        return _refused(request, adjustment, ValidationError(errors), form=form)
    try:
        services.stocktake_adjustment_update(
            actor=request.user, adjustment=adjustment, **form.service_kwargs()
        )
    except ValidationError as exc:
        return _refused(request, adjustment, exc, form=form)
    if not request.htmx:
        messages.success(request, _("已保存。"))
    return _done(request, adjustment)


@school_required("stocktake.change_stocktake")
@require_POST
def stocktake_submit(request, pk):
    """提交差异审批, or 结账（帐物相符） when nothing is included."""
    stocktake = _stocktake_for(request, pk)
    try:
        stocktake = services.stocktake_submit(actor=request.user, stocktake=stocktake)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("stocktake:stocktake_adjustments", pk=stocktake.pk)
    if stocktake.status == StocktakeStatus.CLOSED:
        messages.success(request, _("没有需要调整的差异，盘点已结账（帐物相符）。"))
    else:
        messages.success(request, _("差异调整已提交审批，批准后自动调账并结账。"))
    return redirect("stocktake:stocktake_detail", pk=stocktake.pk)
