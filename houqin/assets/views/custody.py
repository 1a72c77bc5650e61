"""Pages of custodianship (承包管理): the list, draw up a sheet, correct its lines, the head teacher's
signature on a phone, the term-end check, and the printable 班级财产承包责任书. Thin: parse, call a
service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.attachments import attachment_panel
from houqin.core.http import add_service_errors, form_page, get_for_school, school_required
from houqin.core.models import Attachment, AttachmentKind
from houqin.core.pagination import paginate
from houqin.core.printing import print_context
from houqin.org.models import SchoolClass

from .. import permissions, services
from ..choices import Condition, CustodyHolder, CustodyStatus
from ..forms.custody import (
    AssetCustodyFilter,
    AssetCustodyForm,
    CustodyItemFormSet,
    CustodyReturnForm,
    CustodySignForm,
    item_initial,
)
from ..models import AssetCustody
from ..services.custody import holder_name

TABS = ("mine", "all")
STATUS_COLOURS = {
    CustodyStatus.DRAFT: "warning",
    CustodyStatus.SIGNED: "success",
    CustodyStatus.RETURNED: "secondary",
}
CONDITION_COLOURS = {
    Condition.GOOD: "success",
    Condition.WORN: "info",
    Condition.DAMAGED: "danger",
    Condition.MISSING: "dark",
}
BAD = {Condition.DAMAGED, Condition.MISSING}


@school_required("assets.view_assetcustody")
def assetcustody_list(request):
    """我的 (sheets I sign or signed) and 全部; filter by status, holder, term; search."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "all"
    base = AssetCustody.objects.for_school(request.school)
    if tab == "mine":
        base = base.filter(responsible=request.user)
    queryset = (
        base.select_related("school_class", "department", "location", "responsible")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-pk")
    )
    filterset = AssetCustodyFilter(request.GET or None, queryset=queryset, school=request.school)
    page = paginate(request, filterset.qs)
    filters_open = sum(1 for key, value in request.GET.items() if value and key not in {"q", "page", "tab"})
    context = {
        "page": page,
        "filter": filterset,
        "filters_open": filters_open,
        "tab": tab,
        "colours": STATUS_COLOURS,
        "can_add": permissions.can_add_custody(request.user),
    }
    template = "assets/assetcustody_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


@school_required("assets.add_assetcustody")
def assetcustody_create(request):
    initial = {"term": services.current_term(), "holder_kind": CustodyHolder.SCHOOL_CLASS}
    own_class = (
        SchoolClass.objects.for_school(request.school).active().filter(head_teacher=request.user).first()
    )
    if own_class is not None:  # a head teacher draws up their own class's sheet
        initial["school_class"] = own_class
    form = AssetCustodyForm(request.POST or None, initial=initial, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.asset_custody_create(actor=request.user, school=request.school, **data),
        success_message=_("承包清单已生成：请核对物品和状况，再请责任人签字。"),
        title=_("新建财产承包清单"),
        template="assets/assetcustody_form.html",
    )


def _custody_for(request, pk) -> AssetCustody:
    return get_for_school(
        AssetCustody.objects.select_related(
            "school_class", "department", "location", "responsible", "created_by", "return_checked_by"
        ),
        request,
        pk=pk,
    )


def _items(custody):
    return list(custody.items.select_related("asset").order_by("sort_order", "pk"))


def _signature(custody, school):
    return (
        Attachment.objects.for_school(school)
        .for_target(custody)
        .active()
        .filter(kind=AttachmentKind.SIGNATURE, signer_id=custody.responsible_id)
        .select_related("signer")
        .order_by("-signed_at", "-pk")
        .first()
    )


@school_required("assets.view_assetcustody")
def assetcustody_detail(request, pk):
    custody = _custody_for(request, pk)
    items = _items(custody)
    return TemplateResponse(
        request,
        "assets/assetcustody_detail.html",
        {
            "object": custody,
            "items": items,
            "bad_items": [i for i in items if i.condition_back in BAD],
            "holder": holder_name(custody),
            "actions": services.custody_available_actions(custody, request.user),
            "colours": STATUS_COLOURS,
            "condition_colours": CONDITION_COLOURS,
            "attachments": attachment_panel(request, custody),
            "can_report_damage": request.user.has_perm("assets.add_assetdamage"),
            "timeline": audit.timeline(custody, school=request.school)[:50],
        },
    )


@school_required("assets.view_assetcustody")
def assetcustody_update(request, pk):
    """Correct the lines before the signature: edit, delete (tick), add in the blank rows."""
    custody = _custody_for(request, pk)
    if not permissions.can_edit_custody_items(request.user, custody):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    formset = CustodyItemFormSet(data, initial=item_initial(custody), school=request.school, prefix="items")
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.asset_custody_update_items(actor=request.user, custody=custody, items=formset.items())
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("清单已保存。"))
            if "save_more" in request.POST:
                return redirect("assets:assetcustody_update", pk=custody.pk)
            return redirect(custody)
    return TemplateResponse(
        request,
        "assets/assetcustody_form_items.html",
        {
            "object": custody,
            "formset": formset,
            "errors": errors,
            "holder": holder_name(custody),
            "title": _("编辑承包清单"),
        },
        status=400 if request.method == "POST" else 200,
    )


@school_required("assets.view_assetcustody")
def assetcustody_sign(request, pk):
    """The responsible person reads the list and signs by hand (phone: finger on the screen)."""
    custody = _custody_for(request, pk)
    if not permissions.can_sign_custody(request.user, custody):
        raise PermissionDenied
    form = CustodySignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_custody_sign(
                actor=request.user, custody=custody, signature_data_url=form.cleaned_data["data_url"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("已签字，本学期由%(holder)s承包保管。") % {"holder": holder_name(custody)}
            )
            return redirect(custody)
    return TemplateResponse(
        request,
        "assets/assetcustody_sign.html",
        {
            "object": custody,
            "items": _items(custody),
            "holder": holder_name(custody),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@school_required("assets.change_assetcustody")
def assetcustody_return(request, pk):
    """期末交回: the clerk checks each line (完好 / 有磨损 / 损坏 / 缺失)."""
    custody = _custody_for(request, pk)
    if not permissions.can_return_custody(request.user, custody):
        messages.error(request, _("这份承包单当前不能验收交回。"))
        return redirect(custody)
    items = _items(custody)
    form = CustodyReturnForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_custody_return(
                actor=request.user,
                custody=custody,
                conditions=form.conditions(),
                notes=form.notes(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已验收交回。损坏或缺失的物品已列在承包单上，可逐项登记损坏。"))
            return redirect(custody)
    return TemplateResponse(
        request,
        "assets/assetcustody_return.html",
        {
            "object": custody,
            "form": form,
            "holder": holder_name(custody),
            "title": _("期末交回验收"),
        },
        status=400 if request.method == "POST" else 200,
    )


@school_required("assets.view_assetcustody")
def assetcustody_print(request, pk):
    """班级财产承包责任书 / 办公室财产承包责任书 on A4, with the lines, conditions and signature."""
    custody = _custody_for(request, pk)
    title = (
        _("班级财产承包责任书")
        if custody.holder_kind == CustodyHolder.SCHOOL_CLASS
        else _("办公室财产承包责任书")
    )
    return TemplateResponse(
        request,
        "print/assetcustody_sheet.html",
        {
            **print_context(request, title=title, document_number=custody.number),
            "object": custody,
            "items": _items(custody),
            "holder": holder_name(custody),
            "signature": _signature(custody, request.school),
            "back_url": custody.get_absolute_url(),
        },
    )
