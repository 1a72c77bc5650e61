"""Pages of transfers (调配): the list with 待我确认 / 我发起的 / 全部, start one (from the asset page's
调配 button or by searching cards), the transfer's page with exactly the buttons the user may press.
Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from houqin.core import audit
from houqin.core.http import form_page, get_for_school, school_required
from houqin.core.pagination import paginate
from houqin.core.pinyin import normalise_query

from .. import services
from ..choices import TransferStatus
from ..forms.transfers import AssetTransferFilter, AssetTransferForm, TransferRejectForm, asset_label
from ..models import Asset, AssetTransfer, AssetTransferItem
from ..permissions import can_add_transfer

TABS = ("waiting", "mine", "all")
STATUS_COLOURS = {
    TransferStatus.PENDING: "warning",
    TransferStatus.CONFIRMED: "success",
    TransferStatus.REJECTED: "danger",
    TransferStatus.CANCELLED: "secondary",
}
SEARCH_LIMIT = 20


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@school_required("assets.view_assettransfer")
def assettransfer_list(request):
    """待我确认 (the receiver), 我发起的 (the creator), 全部; filter by status, search by number or asset."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "waiting"
    base = AssetTransfer.objects.for_school(request.school)
    tabs = {
        "waiting": base.filter(to_custodian=request.user, status=TransferStatus.PENDING),
        "mine": base.filter(created_by=request.user),
        "all": base,
    }
    queryset = (
        tabs[tab]
        .select_related("to_custodian", "to_location", "to_department", "created_by")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-pk")
    )
    filterset = AssetTransferFilter(request.GET or None, queryset=queryset, school=request.school)
    page = paginate(request, filterset.qs)
    filters_open = sum(1 for key, value in request.GET.items() if value and key not in {"q", "page", "tab"})
    context = {
        "page": page,
        "filter": filterset,
        "filters_open": filters_open,
        "tab": tab,
        "colours": STATUS_COLOURS,
        "can_add": can_add_transfer(request.user),
    }
    template = "assets/assettransfer_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


@school_required("assets.add_assettransfer")
def assettransfer_create(request):
    """Start a transfer; ``?asset=<pk>`` (the asset page's 调配 button) chooses the card, more can
    be added by searching."""
    initial = {}
    chosen = [v for v in request.GET.getlist("asset") if v.isdigit()]
    if chosen:
        initial["assets"] = chosen
    form = AssetTransferForm(
        request.POST or None,
        initial=initial,
        school=request.school,
        search_url=reverse("assets:assettransfer_assetsearch"),
    )
    return form_page(
        request,
        form,
        lambda data: services.asset_transfer_create(actor=request.user, school=request.school, **data),
        success_message=_("调配单已建立，等待接收责任人确认。"),
        title=_("资产调配"),
        template="assets/assettransfer_form.html",
    )


@school_required("assets.add_assettransfer")
def assettransfer_assetsearch(request):
    """Cards that may be transferred now (in the books, not waiting in a transfer) matching ``?q=``,
    as Tom Select options: ``{"results": [{"value": pk, "text": "编号 名称 · 地点 · 责任人"}]}``."""
    q = normalise_query(request.GET.get("q", ""))
    if not q:
        return JsonResponse({"results": []})
    pending = AssetTransferItem.objects.filter(
        transfer__school=request.school, transfer__status=TransferStatus.PENDING
    ).values("asset_id")
    assets = (
        Asset.objects.for_school(request.school)
        .active()
        .search(q)
        .exclude(pk__in=pending)
        .select_related("location", "custodian")
        .order_by("code")[:SEARCH_LIMIT]
    )
    return JsonResponse({"results": [{"value": a.pk, "text": asset_label(a)} for a in assets]})


def _transfer_for(request, pk) -> AssetTransfer:
    return get_for_school(
        AssetTransfer.objects.select_related(
            "to_custodian", "to_location", "to_department", "created_by", "decided_by"
        ),
        request,
        pk=pk,
    )


@school_required("assets.view_assettransfer")
def assettransfer_detail(request, pk, *, reject_form=None, status=200):
    transfer = _transfer_for(request, pk)
    items = transfer.items.select_related(
        "asset", "asset__location", "asset__custodian", "from_location", "from_department", "from_custodian"
    ).order_by("pk")
    actions = services.transfer_available_actions(transfer, request.user)
    return TemplateResponse(
        request,
        "assets/assettransfer_detail.html",
        {
            "object": transfer,
            "items": items,
            "actions": actions,
            "reject_form": reject_form or TransferRejectForm(),
            "colours": STATUS_COLOURS,
            "timeline": audit.timeline(transfer, school=request.school)[:50],
        },
        status=status,
    )


def _act(request, transfer, call, success: str):
    try:
        call()
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您不能进行这项操作。"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, success)
    return redirect(transfer)


@school_required("assets.view_assettransfer")
@require_POST
def assettransfer_confirm(request, pk):
    """The receiving custodian confirms: the assets are now theirs, at the new place."""
    transfer = _transfer_for(request, pk)
    return _act(
        request,
        transfer,
        lambda: services.asset_transfer_confirm(actor=request.user, transfer=transfer),
        _("已确认接收，资产已转到您的名下。"),
    )


@school_required("assets.view_assettransfer")
@require_POST
def assettransfer_reject(request, pk):
    transfer = _transfer_for(request, pk)
    form = TransferRejectForm(request.POST)
    if not form.is_valid():
        return assettransfer_detail(request, pk, reject_form=form, status=400)
    try:
        services.asset_transfer_reject(actor=request.user, transfer=transfer, note=form.cleaned_data["note"])
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您不能进行这项操作。"))
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "note" in exc.error_dict:
            form.add_error("note", exc.error_dict["note"])
            return assettransfer_detail(request, pk, reject_form=form, status=400)
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已拒收，调配单已退回发起人。"))
    return redirect(transfer)


@school_required("assets.view_assettransfer")
@require_POST
def assettransfer_cancel(request, pk):
    transfer = _transfer_for(request, pk)
    return _act(
        request,
        transfer,
        lambda: services.asset_transfer_cancel(
            actor=request.user, transfer=transfer, reason=request.POST.get("reason", "")
        ),
        _("调配单已撤销。"),
    )
