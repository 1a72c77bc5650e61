"""Pages of the ledger: the asset list (资产台账), the card (资产卡片), its form and status change,
categories with their custom fields, and the school's asset settings. Thin: parse, call a
service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from houqin.core import audit
from houqin.core.attachments import attachment_panel
from houqin.core.exports import export_response
from houqin.core.http import form_page, get_for_school, run_form, school_required
from houqin.core.pagination import Page, paginate

from .. import depreciation, exports, services
from ..actions import asset_actions
from ..choices import ALLOWED_TRANSITIONS, STATUS_COLOURS, AssetClass
from ..filters import AssetFilter
from ..forms.ledger import (
    AssetCategoryForm,
    AssetCustomFieldForm,
    AssetForm,
    AssetSettingsForm,
    AssetStatusForm,
    CustomFieldsForm,
    parse_as_of,
    tree_order,
)
from ..models import Asset, AssetCategory, AssetCustomField
from ..permissions import can_edit_asset

LIST_SELECT = ("category", "location", "department", "custodian")


def _colour(asset: Asset) -> Asset:
    asset.status_colour = STATUS_COLOURS.get(asset.status, "secondary")
    return asset


def _filters_open(request) -> int:
    return sum(1 for key, value in request.GET.items() if value and key not in {"q", "page", "export"})


# --- the ledger -------------------------------------------------------------------------------------


@school_required("assets.view_asset")
def asset_list(request):
    """资产台账: search, filters, totals for the filter (one aggregate query), Excel export."""
    if request.GET.get("export") == "xlsx":
        return export_response(request, exports.ASSETS)
    assets = Asset.objects.for_school(request.school).select_related(*LIST_SELECT)
    filterset = AssetFilter(request.GET, queryset=assets, school=request.school)
    rows = filterset.qs
    totals = rows.order_by().aggregate(cards=Count("pk"), quantity=Sum("quantity"), value=Sum("total_value"))
    page = paginate(request, rows)
    for asset in page.object_list:
        _colour(asset)
    context = {
        "page": page,
        "filter": filterset,
        "filters_open": _filters_open(request),
        "totals": totals,
        "can_add": request.user.has_perm("assets.add_asset"),
        "fixed": AssetClass.FIXED,
    }
    template = "assets/asset_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


# --- the card ---------------------------------------------------------------------------------------


def _custom_rows(asset: Asset, fields) -> list[tuple[str, object]]:
    """(label, value) of the card's custom fields; a value of a field since removed keeps its key."""
    values = dict(asset.custom_fields or {})
    rows = [(f.label, values.pop(f.key, "")) for f in fields]
    rows += list(values.items())
    return rows


@school_required("assets.view_asset")
def asset_detail(request, pk):
    asset = get_for_school(
        Asset.objects.select_related(*LIST_SELECT, "created_by"),
        request,
        pk=pk,
    )
    as_of, as_of_ok = parse_as_of(request.GET.get("as_of"))
    rules = services.rules_for_category(asset.category)
    is_fixed = asset.asset_class == AssetClass.FIXED
    schedule = (
        depreciation.schedule(
            value=asset.total_value,
            life_years=rules.life_years,
            acquired_on=asset.acquired_on,
            disposed_on=asset.disposed_on,
        )
        if is_fixed
        else []
    )
    can_edit = can_edit_asset(request.user, asset)
    context = {
        "object": _colour(asset),
        "rules": rules,
        "is_fixed": is_fixed,
        "as_of": as_of,
        "as_of_error": not as_of_ok,
        "net_value": services.asset_net_value(asset, as_of=as_of, rules=rules),
        "schedule": schedule,
        "custom_rows": _custom_rows(asset, services.custom_fields_for(asset.category)),
        "actions": asset_actions(asset, request.user),
        "can_edit": can_edit,
        "attachments": attachment_panel(request, asset),
        "timeline": audit.timeline(asset, school=request.school)[:50],
    }
    return TemplateResponse(request, "assets/asset_detail.html", context)


def _asset_form_page(request, form, save, *, title, asset=None):
    saved = run_form(request, form, save, success_message=_("资产卡片已保存。"))
    if saved:
        if "save_add_another" in request.POST:
            return redirect(f"{reverse('assets:asset_create')}?category={saved.category_id}")
        return redirect(saved)
    return TemplateResponse(
        request, "assets/asset_form.html", {"form": form, "title": title, "object": asset}
    )


@school_required("assets.add_asset")
def asset_create(request):
    """登记造册 by hand: code blank → generated; the category's custom fields below the card."""
    initial = {}
    category = request.GET.get("category")
    if category and category.isdigit():
        initial["category"] = AssetCategory.objects.for_school(request.school).filter(pk=category).first()
    form = AssetForm(request.POST or None, initial=initial, school=request.school)
    return _asset_form_page(
        request,
        form,
        lambda data: services.asset_create(actor=request.user, school=request.school, **form.service_data()),
        title=_("登记资产"),
    )


@school_required("assets.change_asset")
def asset_update(request, pk):
    asset = get_for_school(Asset.objects.select_related("category"), request, pk=pk)
    if not can_edit_asset(request.user, asset):
        messages.error(request, _("已处置的资产不能再修改，卡片和历史保留备查。"))
        return redirect(asset)
    form = AssetForm(request.POST or None, instance=asset, school=request.school)
    return _asset_form_page(
        request,
        form,
        lambda data: services.asset_update(actor=request.user, asset=asset, data=form.service_data()),
        title=_("编辑资产卡片"),
        asset=asset,
    )


@school_required()
@require_GET
def asset_form_fields(request):
    """The custom-field block of the card form for ``?category=`` (htmx swaps it in on change).

    Authorised like the form it belongs to: registering or editing cards.
    """
    if not (request.user.has_perm("assets.add_asset") or request.user.has_perm("assets.change_asset")):
        raise PermissionDenied
    raw = request.GET.get("category", "")
    category = (
        AssetCategory.objects.for_school(request.school).filter(pk=raw).first() if raw.isdigit() else None
    )
    fields = services.custom_fields_for(category)
    # keep what was typed in the inputs the new category has too
    values = {f.key: request.GET[f"cf_{f.key}"] for f in fields if request.GET.get(f"cf_{f.key}")}
    form = CustomFieldsForm(fields=fields, values=values)
    return TemplateResponse(request, "assets/asset_form.html#custom_fields", {"form": form})


@school_required("assets.change_asset")
def asset_status(request, pk):
    """A status change by hand (闲置 ↔ 在用, 损坏, 维修中) with its reason; GET shows the form."""
    asset = get_for_school(Asset, request, pk=pk)
    if not can_edit_asset(request.user, asset) or not ALLOWED_TRANSITIONS.get(asset.status):
        messages.error(request, _("已处置的资产不能再变更状态。"))
        return redirect(asset)
    form = AssetStatusForm(request.POST or None, asset=asset)
    return form_page(
        request,
        form,
        lambda data: services.asset_set_status(
            actor=request.user, asset=asset, status=data["status"], reason=data["reason"]
        ),
        success_message=_("资产状态已变更。"),
        title=_("变更状态：%(asset)s") % {"asset": asset},
        object=asset,
    )


# --- categories -------------------------------------------------------------------------------------


def _list_page(request, rows: list, *, per_page: int) -> Page:
    """A page of a list already in memory (the category tree, sorted in Python)."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    number = min(number, max(1, -(-len(rows) // per_page)))
    params = request.GET.copy()
    params.pop("page", None)
    start = (number - 1) * per_page
    return Page(
        object_list=rows[start : start + per_page],
        number=number,
        per_page=per_page,
        count=len(rows),
        capped=False,
        has_next=start + per_page < len(rows),
        query_string=params.urlencode(),
    )


@school_required("assets.view_assetcategory")
def assetcategory_list(request):
    """The category tree, indented by depth, with the effective life and the cards in each."""
    school = request.school
    categories = AssetCategory.objects.for_school(school)
    q = request.GET.get("q", "")
    if q:
        categories = categories.search(q)
    # One school has at most a few thousand categories: read them all (one query) to show the tree
    # in order, then show a page of it.
    page = _list_page(request, tree_order(categories), per_page=200)
    rules = services.category_rules(school)
    ids = [c.pk for c in page.object_list]
    counts = dict(
        Asset.objects.for_school(school)
        .active()
        .filter(category_id__in=ids)
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for category in page.object_list:
        category.rules = rules.get(category.pk)
        category.asset_count = counts.get(category.pk, 0)
        category.indent = f"{1 + category.depth * 1.25:.2f}rem"  # the tree, by depth
    context = {"page": page, "q": q, "can_add": request.user.has_perm("assets.add_assetcategory")}
    template = "assets/assetcategory_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


@school_required("assets.view_assetcategory")
def assetcategory_detail(request, pk):
    category = get_for_school(AssetCategory.objects.select_related("parent"), request, pk=pk)
    ancestor_ids = [int(p) for p in category.path.strip("/").split("/")[:-1] if p.isdigit()]
    ancestors = AssetCategory.objects.for_school(request.school).filter(pk__in=ancestor_ids).order_by("depth")
    own_fields = AssetCustomField.objects.for_school(request.school).filter(category=category)
    inherited = (
        AssetCustomField.objects.for_school(request.school)
        .filter(category_id__in=ancestor_ids, is_active=True)
        .select_related("category")
    )
    return TemplateResponse(
        request,
        "assets/assetcategory_detail.html",
        {
            "object": category,
            "ancestors": ancestors,
            "children": category.children.order_by("code"),
            "rules": services.rules_for_category(category),
            "own_fields": own_fields,
            "inherited_fields": inherited,
            "asset_count": Asset.objects.for_school(request.school).active().in_category(category).count(),
            "can_change": request.user.has_perm("assets.change_assetcategory"),
            "can_add": request.user.has_perm("assets.add_assetcategory"),
            "can_add_field": request.user.has_perm("assets.add_assetcustomfield"),
            "can_change_field": request.user.has_perm("assets.change_assetcustomfield"),
            "timeline": audit.timeline(category, school=request.school)[:50],
        },
    )


@school_required("assets.add_assetcategory")
def assetcategory_create(request):
    initial = {}
    parent = request.GET.get("parent", "")
    if parent.isdigit():
        initial["parent"] = AssetCategory.objects.for_school(request.school).filter(pk=parent).first()
    form = AssetCategoryForm(request.POST or None, initial=initial, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.asset_category_create(
            actor=request.user,
            school=request.school,
            parent=data.get("parent"),
            code=data["code"],
            name=data["name"],
            useful_life_years=data.get("useful_life_years"),
            is_special_equipment=data.get("is_special_equipment", False),
            fixed_regardless_of_value=data.get("fixed_regardless_of_value", False),
        ),
        success_message=_("资产分类已添加。"),
        title=_("添加资产分类"),
    )


@school_required("assets.change_assetcategory")
def assetcategory_update(request, pk):
    category = get_for_school(AssetCategory, request, pk=pk)
    form = AssetCategoryForm(request.POST or None, instance=category, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.asset_category_update(actor=request.user, category=category, data=dict(data)),
        success_message=_("资产分类已保存。"),
        title=_("编辑资产分类"),
        object=category,
    )


@school_required("assets.add_assetcustomfield")
def assetcustomfield_create(request):
    """A custom field for ``?category=`` (and its sub-categories)."""
    initial = {}
    raw = request.GET.get("category", "")
    category = (
        AssetCategory.objects.for_school(request.school).filter(pk=raw).first() if raw.isdigit() else None
    )
    if category is not None:
        initial["category"] = category
    form = AssetCustomFieldForm(request.POST or None, initial=initial, school=request.school)

    def save(data):
        data = dict(data)
        return services.asset_custom_field_create(
            actor=request.user, school=request.school, **data, is_active=True
        )

    saved = run_form(request, form, save, success_message=_("自定义字段已添加。"))
    if saved:
        return redirect(saved.get_absolute_url())
    return TemplateResponse(
        request,
        "core/object_form.html",
        {"form": form, "title": _("添加自定义字段"), "object": category},
    )


@school_required("assets.change_assetcustomfield")
def assetcustomfield_update(request, pk):
    field = get_for_school(AssetCustomField.objects.select_related("category"), request, pk=pk)
    form = AssetCustomFieldForm(request.POST or None, instance=field, school=request.school)

    def save(data):
        data = {k: v for k, v in data.items() if k not in {"category", "key"}}
        return services.asset_custom_field_update(actor=request.user, field=field, data=data)

    return form_page(
        request,
        form,
        save,
        success_message=_("自定义字段已保存。"),
        title=_("编辑自定义字段：%(label)s") % {"label": field.label},
        object=field,
    )


# --- settings ---------------------------------------------------------------------------------------


@school_required("assets.change_assetsettings")
def assetsettings_update(request):
    """资产设置: fixed-asset thresholds (1000 / 1500 yuan), code prefix, idle months, loan days."""
    settings = services.asset_settings_for(request.school)
    form = AssetSettingsForm(request.POST or None, instance=settings, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.asset_settings_update(actor=request.user, school=request.school, data=data),
        success_message=_("资产设置已保存。"),
        title=_("资产设置"),
        redirect_to="assets:assetsettings_update",
        template="assets/assetsettings_form.html",
    )
