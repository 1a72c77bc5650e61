"""Pages of the damage area (损坏, 谁损坏谁赔偿). Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from houqin.core import audit
from houqin.core.attachments import attachment_panel
from houqin.core.exports import export_response, get_spec
from houqin.core.http import add_service_errors, get_for_school, run_form, school_required
from houqin.core.pagination import paginate

from .. import permissions, services
from ..choices import DamageStatus
from ..forms.damage import (
    DamageAssessForm,
    DamageFilter,
    DamageReportForm,
    DamageSettleForm,
    DamageWaiverForm,
)
from ..models import Asset, AssetDamage

STATUS_COLOURS = {
    DamageStatus.REPORTED: "warning",
    DamageStatus.REPAIR: "info",
    DamageStatus.COMPENSATION_DUE: "danger",
    DamageStatus.WAIVER_PENDING: "warning",
    DamageStatus.COMPENSATED: "success",
    DamageStatus.WAIVED: "secondary",
}


def _colour(damage: AssetDamage) -> AssetDamage:
    damage.colour = STATUS_COLOURS.get(damage.status, "secondary")
    return damage


@school_required("assets.view_assetdamage")
def assetdamage_list(request):
    """Damage reports the user may see; filters by status and cause; one page, constant queries;
    ``?export=xlsx`` gives what the filters show as an Excel file."""
    if request.GET.get("export") == "xlsx":
        return export_response(request, get_spec("assets.assetdamage"))
    damages = permissions.damages_visible_to(request.user, request.school).select_related(
        "asset", "reported_by", "responsible_user", "responsible_class"
    )
    filterset = DamageFilter(request.GET or None, queryset=damages, school=request.school, user=request.user)
    page = paginate(request, filterset.qs)
    page.object_list = [_colour(d) for d in page.object_list]
    filters_open = sum(1 for key, value in request.GET.items() if value and key not in {"q", "page"})
    template = "assets/assetdamage_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(
        request, template, {"page": page, "filter": filterset, "filters_open": filters_open}
    )


@school_required("assets.add_assetdamage")
def assetdamage_create(request):
    """报告损坏, phone first: the asset comes from its card (``?asset=<pk>``) or is typed; photos
    from the camera."""
    asset = None
    asset_id = request.GET.get("asset") or ""
    if asset_id.isdigit():
        asset = (
            Asset.objects.for_school(request.school)
            .select_related("location", "custodian", "department")
            .filter(pk=asset_id)
            .first()
        )
    form = DamageReportForm(request.POST or None, request.FILES or None, school=request.school, asset=asset)
    damage = run_form(
        request,
        form,
        lambda data: services.asset_damage_report(
            actor=request.user,
            school=request.school,
            asset=data["asset"],
            description=data["description"],
            occurred_on=data["occurred_on"],
            photos=data["photos"],
        ),
        success_message=_("损坏报告已提交，资产管理员会尽快认定。"),
    )
    if damage:
        return redirect(damage)
    return TemplateResponse(
        request,
        "assets/assetdamage_form.html",
        {"form": form, "asset": asset, "title": _("报告损坏")},
        status=400 if request.method == "POST" else 200,
    )


def _damage_for(request, pk) -> AssetDamage:
    damage = get_for_school(
        AssetDamage.objects.select_related(
            "asset",
            "asset__location",
            "reported_by",
            "assessed_by",
            "responsible_user",
            "responsible_class",
            "responsible_class__head_teacher",
        ),
        request,
        pk=pk,
    )
    if not permissions.can_view_damage(request.user, damage):
        raise Http404
    return damage


def _detail(request, damage: AssetDamage, *, status: int = 200, **forms):
    from houqin.approvals.models import ApprovalRequest

    actions = permissions.damage_actions(damage, request.user)
    approval = (
        ApprovalRequest.objects.for_school(request.school)
        .filter(document_type=services.DAMAGE_WAIVER_DOCUMENT, target_id=damage.pk)
        .select_related("current_step")
        .first()
    )
    context = {
        "object": _colour(damage),
        "actions": actions,
        "approval": approval,
        "assess_form": forms.get("assess_form")
        or (DamageAssessForm(school=request.school) if "assess" in actions else None),
        "settle_form": forms.get("settle_form") or (DamageSettleForm() if "settle" in actions else None),
        "waiver_form": forms.get("waiver_form") or (DamageWaiverForm() if "waive" in actions else None),
        "attachments": attachment_panel(request, damage),
        "timeline": audit.timeline(damage, school=request.school)[:50],
    }
    return TemplateResponse(request, "assets/assetdamage_detail.html", context, status=status)


@school_required("assets.view_assetdamage")
def assetdamage_detail(request, pk):
    return _detail(request, _damage_for(request, pk))


def _act(request, damage, form, key: str, save, success: str):
    """A POST action of the detail page: valid → service → back to the page; errors on the form."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(damage)
    return _detail(request, damage, status=400, **{key: form})


@school_required("assets.change_assetdamage")
@require_POST
def assetdamage_assess(request, pk):
    damage = _damage_for(request, pk)
    form = DamageAssessForm(request.POST, school=request.school)
    return _act(
        request,
        damage,
        form,
        "assess_form",
        lambda data: services.asset_damage_assess(actor=request.user, damage=damage, **data),
        _("已认定损坏原因。"),
    )


@school_required("assets.change_assetdamage")
@require_POST
def assetdamage_settle(request, pk):
    damage = _damage_for(request, pk)
    form = DamageSettleForm(request.POST, request.FILES)
    return _act(
        request,
        damage,
        form,
        "settle_form",
        lambda data: services.asset_damage_settle(
            actor=request.user,
            damage=damage,
            receipt_number=data["receipt_number"],
            receipt_photo=data.get("receipt_photo"),
        ),
        _("已登记赔偿。"),
    )


@school_required("assets.view_assetdamage")
@require_POST
def assetdamage_waive(request, pk):
    """Ask for the compensation to be waived; the approval policy decides (the service checks who may ask)."""
    damage = _damage_for(request, pk)
    form = DamageWaiverForm(request.POST)
    return _act(
        request,
        damage,
        form,
        "waiver_form",
        lambda data: services.asset_damage_request_waiver(
            actor=request.user, damage=damage, reason=data["reason"]
        ),
        _("减免申请已提交审批。"),
    )
