"""Pages of the disposal area (处置 through approval by value). Thin: parse, call a service, render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from houqin.core import audit
from houqin.core.exports import export_response, get_spec
from houqin.core.http import get_for_school, run_form, school_required
from houqin.core.pagination import paginate
from houqin.core.printing import print_context

from .. import permissions, services
from ..choices import DisposalStatus
from ..forms.disposal import DisposalFilter, DisposalForm
from ..models import Asset, AssetDisposal, AssetDisposalItem

STATUS_COLOURS = {
    DisposalStatus.DRAFT: "secondary",
    DisposalStatus.SUBMITTED: "warning",
    DisposalStatus.RETURNED: "info",
    DisposalStatus.APPROVED: "success",
    DisposalStatus.REJECTED: "danger",
    DisposalStatus.WITHDRAWN: "light",
}
PICKER_LIMIT = 20
FORM_TEMPLATE = "assets/assetdisposal_form.html"


def _colour(disposal: AssetDisposal) -> AssetDisposal:
    disposal.colour = STATUS_COLOURS.get(disposal.status, "secondary")
    return disposal


@school_required("assets.view_assetdisposal")
def assetdisposal_list(request):
    if request.GET.get("export") == "xlsx":
        return export_response(request, get_spec("assets.assetdisposal"))
    disposals = (
        AssetDisposal.objects.for_school(request.school)
        .select_related("requested_by")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-pk")  # an aggregate drops Meta.ordering
    )
    filterset = DisposalFilter(request.GET or None, queryset=disposals, school=request.school)
    page = paginate(request, filterset.qs)
    page.object_list = [_colour(d) for d in page.object_list]
    filters_open = sum(1 for key, value in request.GET.items() if value and key not in {"q", "page"})
    template = "assets/assetdisposal_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "page": page,
            "filter": filterset,
            "filters_open": filters_open,
            "can_add": request.user.has_perm("assets.add_assetdisposal"),
        },
    )


# --- picking the cards ------------------------------------------------------------------------------


def _ids(values) -> list[int]:
    """``["1,2", "3"]`` → ``[1, 2, 3]`` in order, without repeats or junk."""
    out: list[int] = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit() and int(part) not in out:
                out.append(int(part))
    return out


def _selected(school, ids: list[int]) -> list[Asset]:
    if not ids:
        return []
    found = {a.pk: a for a in Asset.objects.for_school(school).filter(pk__in=ids).select_related("location")}
    return [found[i] for i in ids if i in found]


def _picker(request, disposal: AssetDisposal | None):
    """The htmx parts of the form: search results (``#asset-results``) and the picked cards
    (``#selected-assets``, whose hidden inputs carry the choice into the form)."""
    target = request.htmx.target if request.htmx else None
    ids = _ids(request.GET.getlist("assets"))
    if target == "selected-assets":
        ids = [
            i
            for i in ids + _ids([request.GET.get("add", "")])
            if i not in _ids([request.GET.get("remove", "")])
        ]
        return TemplateResponse(request, FORM_TEMPLATE + "#selected-assets", _selection_context(request, ids))
    if target == "asset-results":
        query = request.GET.get("asset_q", "")
        busy = AssetDisposalItem.objects.filter(
            disposal__school=request.school, disposal__status__in=services.DISPOSAL_OPEN
        )
        if disposal is not None:
            busy = busy.exclude(disposal=disposal)
        results = []
        if query.strip():
            results = list(
                Asset.objects.for_school(request.school)
                .active()
                .search(query)
                .exclude(pk__in=ids)
                .exclude(pk__in=busy.values("asset_id"))
                .select_related("location")
                .order_by("code")[:PICKER_LIMIT]
            )
        return TemplateResponse(
            request,
            FORM_TEMPLATE + "#asset-results",
            {"results": results, "asset_q": query, "limit": PICKER_LIMIT},
        )
    return None


def _selection_context(request, ids: list[int], errors=()) -> dict:
    assets = _selected(request.school, ids)
    return {
        "selected_assets": assets,
        "selected_total": sum((a.total_value for a in assets), Decimal("0.00")),
        "asset_errors": list(errors),
    }


def _form_page(request, form, save, *, title, disposal: AssetDisposal | None, initial_ids: list[int]):
    obj = run_form(request, form, save, success_message=_("处置单已保存为草稿，确认无误后请提交审批。"))
    if obj:
        return redirect(obj)
    ids = _ids(request.POST.getlist("assets")) if request.method == "POST" else initial_ids
    context = {
        "form": form,
        "title": title,
        "object": disposal,
        **_selection_context(request, ids, form.errors.get("assets", ())),
    }
    return TemplateResponse(request, FORM_TEMPLATE, context, status=400 if request.method == "POST" else 200)


@school_required("assets.add_assetdisposal")
def assetdisposal_create(request):
    """A disposal draft; ``?assets=1,2,3`` (from the ledger) or ``?asset=<pk>`` (from a card) preselect."""
    if (partial := _picker(request, None)) is not None:
        return partial
    form = DisposalForm(request.POST or None, school=request.school)
    return _form_page(
        request,
        form,
        lambda data: services.asset_disposal_create(actor=request.user, school=request.school, **data),
        title=_("资产处置申请"),
        disposal=None,
        initial_ids=_ids([request.GET.get("assets", ""), request.GET.get("asset", "")]),
    )


def _disposal_for(request, pk) -> AssetDisposal:
    return get_for_school(AssetDisposal.objects.select_related("requested_by"), request, pk=pk)


@school_required("assets.add_assetdisposal")
def assetdisposal_update(request, pk):
    disposal = _disposal_for(request, pk)
    if not permissions.can_edit_disposal(request.user, disposal):
        raise PermissionDenied
    if (partial := _picker(request, disposal)) is not None:
        return partial
    initial = {f: getattr(disposal, f) for f in ("kind", "reason", "counterparty", "proceeds")}
    form = DisposalForm(request.POST or None, initial=initial, school=request.school)
    return _form_page(
        request,
        form,
        lambda data: services.asset_disposal_update(actor=request.user, disposal=disposal, data=data),
        title=_("修改处置单 %(number)s") % {"number": disposal.number},
        disposal=disposal,
        initial_ids=list(disposal.items.order_by("pk").values_list("asset_id", flat=True)),
    )


def _approval_of(request, disposal: AssetDisposal):
    from houqin.approvals.models import ApprovalRequest, ApprovalTask

    approval = (
        ApprovalRequest.objects.for_school(request.school)
        .filter(document_type=services.DISPOSAL_DOCUMENT, target_id=disposal.pk)
        .select_related("current_step")
        .first()
    )
    if approval is None:
        return None, []
    steps = (
        approval.steps.filter(round=approval.round)
        .order_by("order")
        .prefetch_related(
            Prefetch(
                "tasks", queryset=ApprovalTask.objects.select_related("approver", "acted_by").order_by("id")
            )
        )
    )
    return approval, list(steps)


def _items(disposal: AssetDisposal):
    return disposal.items.select_related("asset", "asset__category", "asset__location").order_by(
        "asset__code", "pk"
    )


@school_required("assets.view_assetdisposal")
def assetdisposal_detail(request, pk):
    disposal = _disposal_for(request, pk)
    approval, steps = _approval_of(request, disposal)
    return TemplateResponse(
        request,
        "assets/assetdisposal_detail.html",
        {
            "object": _colour(disposal),
            "items": _items(disposal),
            "approval": approval,
            "steps": steps,
            "actions": permissions.disposal_actions(disposal, request.user),
            "timeline": audit.timeline(disposal, school=request.school)[:50],
        },
    )


@school_required("assets.add_assetdisposal")
@require_POST
def assetdisposal_submit(request, pk):
    disposal = _disposal_for(request, pk)
    if not permissions.can_submit_disposal(request.user, disposal):
        raise PermissionDenied
    try:
        services.asset_disposal_submit(actor=request.user, disposal=disposal)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("处置单已提交审批。"))
    return redirect(disposal)


@school_required("assets.add_assetdisposal")
@require_POST
def assetdisposal_cancel(request, pk):
    """作废 with a reason: the cards are free for another disposal; the record stays."""
    disposal = _disposal_for(request, pk)
    if not permissions.can_edit_disposal(request.user, disposal):
        raise PermissionDenied
    try:
        services.asset_disposal_cancel(
            actor=request.user, disposal=disposal, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("处置单已作废。"))
    return redirect(disposal)


@school_required("assets.view_assetdisposal")
def assetdisposal_print(request, pk):
    """资产处置清单 on A4: items with original and net value, kind, reason, the approval steps and
    signature lines, for the record."""
    disposal = _disposal_for(request, pk)
    approval, steps = _approval_of(request, disposal)
    context = print_context(request, title=_("资产处置清单"), document_number=disposal.number)
    context.update(
        {
            "object": disposal,
            "items": _items(disposal),
            "approval": approval,
            "steps": steps,
            "back_url": reverse("assets:assetdisposal_detail", args=[disposal.pk]),
        }
    )
    return TemplateResponse(request, "print/assetdisposal_list.html", context)
