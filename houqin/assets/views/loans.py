"""Pages of borrowing (借用): the loan list with its tabs, booking, a loan's page with its buttons
(lend, return, cancel), the list of bookable equipment and an asset's booking calendar.
Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from houqin.core import audit
from houqin.core.excel import ExportColumn
from houqin.core.exports import ExportSpec, export_response, register_export
from houqin.core.http import add_service_errors, get_for_school, run_form, school_required
from houqin.core.pagination import paginate

from .. import permissions
from ..choices import Condition, LoanStatus
from ..forms.loans import (
    AssetLoanFilter,
    AssetLoanForm,
    BookableAssetFilter,
    LoanCancelForm,
    LoanLendForm,
    LoanReturnForm,
)
from ..models import Asset, AssetLoan
from ..services import loans as services
from ..services.categories import asset_settings_for

STATUS_COLOURS = {
    LoanStatus.RESERVED: "primary",
    LoanStatus.OUT: "info",
    LoanStatus.RETURNED: "success",
    LoanStatus.CANCELLED: "secondary",
}
TABS = ("mine", "to_lend", "out", "overdue", "all")
TAB_LABELS = {
    "mine": gettext_lazy("我的借用"),
    "to_lend": gettext_lazy("今日待借出"),
    "out": gettext_lazy("借出中"),
    "overdue": gettext_lazy("逾期未还"),
    "all": gettext_lazy("全部"),
}


def _url_or_empty(name: str, *args) -> str:
    """A page of another area that may not be installed yet (damage reports, the asset card)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _tab_querysets(school, user):
    base = AssetLoan.objects.for_school(school)
    tomorrow = _day_start(timezone.localdate() + dt.timedelta(days=1))
    return {
        "mine": base.filter(borrower=user),
        "to_lend": base.filter(status=LoanStatus.RESERVED, starts_at__lt=tomorrow).order_by(
            "starts_at", "pk"
        ),
        "out": base.filter(status=LoanStatus.OUT).order_by("due_at", "pk"),
        "overdue": base.overdue().order_by("due_at", "pk"),
        "all": base,
    }


def loan_rows(school, user, params):
    """The loans a list (or its Excel export) shows: the tab, then the filters."""
    from django.http import QueryDict

    sees_all = permissions.sees_all_loans(user)
    tab = params.get("tab") if params.get("tab") in TABS else ("to_lend" if sees_all else "mine")
    if not sees_all:
        tab = "mine"
    qs = _tab_querysets(school, user)[tab].select_related("asset", "borrower")
    filterset = AssetLoanFilter(params or QueryDict(), queryset=qs, school=school)
    return tab, filterset


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


LOANS = register_export(
    ExportSpec(
        key="assets.assetloan",
        title=gettext_lazy("借用登记"),
        perm="assets.view_assetloan",
        columns=[
            ExportColumn(gettext_lazy("单号"), "number"),
            ExportColumn(gettext_lazy("资产编号"), "asset.code"),
            ExportColumn(gettext_lazy("资产名称"), "asset.name", width=24),
            ExportColumn(gettext_lazy("数量"), "quantity"),
            ExportColumn(gettext_lazy("借用人"), "borrower"),
            ExportColumn(gettext_lazy("用途"), "purpose", width=24),
            ExportColumn(gettext_lazy("借用开始"), lambda loan: _local(loan.starts_at), width=18),
            ExportColumn(gettext_lazy("应还时间"), lambda loan: _local(loan.due_at), width=18),
            ExportColumn(gettext_lazy("状态"), "get_status_display"),
            ExportColumn(gettext_lazy("借出时间"), lambda loan: _local(loan.lent_at), width=18),
            ExportColumn(gettext_lazy("借出时状况"), "get_condition_out_display"),
            ExportColumn(gettext_lazy("归还时间"), lambda loan: _local(loan.returned_at), width=18),
            ExportColumn(gettext_lazy("归还时状况"), "get_condition_in_display"),
            ExportColumn(gettext_lazy("备注"), "note", width=24),
        ],
        queryset=lambda school, user, params: loan_rows(school, user, params)[1].qs,
    )
)


# --- the list -------------------------------------------------------------------------------------


@school_required("assets.view_assetloan")
def assetloan_list(request):
    if request.GET.get("export") == "xlsx":
        return export_response(request, LOANS)
    tab, filterset = loan_rows(request.school, request.user, request.GET)
    sees_all = permissions.sees_all_loans(request.user)
    page = paginate(request, filterset.qs)
    counts = {}
    if sees_all:
        querysets = _tab_querysets(request.school, request.user)
        counts = {t: querysets[t].count() for t in ("to_lend", "overdue")}
    tabs = [(t, TAB_LABELS[t], counts.get(t)) for t in (TABS if sees_all else ("mine",))]
    filters_open = sum(1 for k, v in request.GET.items() if v and k not in {"q", "page", "tab"})
    context = {
        "page": page,
        "filter": filterset,
        "filters_open": filters_open,
        "tab": tab,
        "tabs": tabs,
        "colours": STATUS_COLOURS,
        "now": timezone.now(),
        "can_book": permissions.can_book(request.user),
    }
    template = "assets/assetloan_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


# --- one loan -------------------------------------------------------------------------------------


def _loan_for(request, pk) -> AssetLoan:
    loan = get_for_school(
        AssetLoan.objects.select_related("asset", "asset__location", "borrower", "lent_by", "received_by"),
        request,
        pk=pk,
    )
    if not permissions.can_view_loan(request.user, loan):
        raise Http404
    return loan


@school_required("assets.view_assetloan")
def assetloan_detail(request, pk, *, forms=None, status=200):
    loan = _loan_for(request, pk)
    actions = services.asset_loan_available_actions(loan, request.user)
    forms = forms or {}
    damaged = loan.status == LoanStatus.RETURNED and loan.condition_in in {
        Condition.DAMAGED,
        Condition.MISSING,
    }
    damage_url = ""
    if damaged and request.user.has_perm("assets.add_assetdamage"):
        damage_url = _url_or_empty("assets:assetdamage_create")
        damage_url = f"{damage_url}?asset={loan.asset_id}" if damage_url else ""
    context = {
        "object": loan,
        "asset_url": _url_or_empty("assets:asset_detail", loan.asset_id),
        "actions": actions,
        "lend_form": forms.get("lend") or LoanLendForm(),
        "return_form": forms.get("return") or LoanReturnForm(),
        "cancel_form": forms.get("cancel") or LoanCancelForm(),
        "is_overdue": loan.status == LoanStatus.OUT and loan.due_at < timezone.now(),
        "damaged_on_return": damaged,
        "damage_url": damage_url,
        "colours": STATUS_COLOURS,
        "timeline": audit.timeline(loan, school=request.school)[:50],
    }
    return TemplateResponse(request, "assets/assetloan_detail.html", context, status=status)


def _act(request, pk, *, key: str, form_class, call, done: str):
    """A POST button on the loan page: on a form or service error the page comes back with the
    error shown (400); a refusal or a stale tab comes back with a message."""
    loan = _loan_for(request, pk)
    form = form_class(request.POST)
    if key not in services.asset_loan_available_actions(loan, request.user):
        allowed = (
            permissions.can_cancel_loan if key == services.LoanAction.CANCEL else permissions.can_lend_loan
        )
        if not allowed(request.user, loan):
            raise PermissionDenied
        messages.error(request, _("这张借用单在您打开页面后已有变化，请看最新状态。"))
        return redirect(loan)
    if not form.is_valid():
        return assetloan_detail(request, pk, forms={key: form}, status=400)
    try:
        call(loan, form.cleaned_data)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        add_service_errors(form, exc)
        return assetloan_detail(request, pk, forms={key: form}, status=400)
    messages.success(request, done)
    return redirect(loan)


@require_POST
@school_required("assets.view_assetloan")
def assetloan_lend(request, pk):
    return _act(
        request,
        pk,
        key=services.LoanAction.LEND,
        form_class=LoanLendForm,
        call=lambda loan, data: services.asset_loan_lend(actor=request.user, loan=loan, **data),
        done=_("已借出。"),
    )


@require_POST
@school_required("assets.view_assetloan")
def assetloan_return(request, pk):
    def call(loan, data):
        services.asset_loan_return(actor=request.user, loan=loan, **data)
        if data["condition_in"] in {Condition.DAMAGED, Condition.MISSING}:
            messages.warning(request, _("归还时有损坏或缺失，请报告损坏，按“谁损坏谁赔偿”处理。"))

    return _act(
        request, pk, key=services.LoanAction.RETURN, form_class=LoanReturnForm, call=call, done=_("已归还。")
    )


@require_POST
@school_required("assets.view_assetloan")
def assetloan_cancel(request, pk):
    return _act(
        request,
        pk,
        key=services.LoanAction.CANCEL,
        form_class=LoanCancelForm,
        call=lambda loan, data: services.asset_loan_cancel(actor=request.user, loan=loan, **data),
        done=_("预约已取消。"),
    )


# --- booking --------------------------------------------------------------------------------------


def _asset_from_query(request) -> Asset | None:
    value = request.GET.get("asset", "")
    if not value.isdigit():
        return None
    return Asset.objects.for_school(request.school).select_related("location").filter(pk=value).first()


def _default_period(request) -> tuple[dt.datetime, dt.datetime]:
    """A day picked on the calendar (``?date=``): 08:00–17:00 that day. Otherwise from the next half
    hour for the school's default number of loan days (设置: 默认借用天数)."""
    now = timezone.localtime()
    value = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        day = None
    start = (now + dt.timedelta(minutes=30 - now.minute % 30)).replace(second=0, microsecond=0)
    if day is not None and day >= now.date():
        if day > now.date():
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
        end = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 0)))
        if end > start:
            return start, end
        return start, start + dt.timedelta(hours=2)
    days = asset_settings_for(request.school).loan_days or 1
    return start, start + dt.timedelta(days=days)


@school_required("assets.add_assetloan")
def assetloan_create(request):
    asset = _asset_from_query(request)
    if asset is None:  # choose the equipment first: the bookable list, with its "book" buttons
        return assetloan_bookable(request)
    manager = bool(permissions.can_manage_loans(request.user))
    if not permissions.can_book(request.user) or not (asset.is_bookable or manager):
        raise PermissionDenied
    start, due = _default_period(request)
    form = AssetLoanForm(
        request.POST or None,
        school=request.school,
        asset=asset,
        manager=manager,
        initial={"starts_at": start, "due_at": due, "quantity": 1},
    )

    def save(data):
        if manager and data.get("lend_now"):
            return services.asset_loan_create_and_lend(
                actor=request.user,
                school=request.school,
                asset=asset,
                borrower=data.get("borrower") or request.user,
                due_at=data["due_at"],
                quantity=data["quantity"],
                purpose=data.get("purpose", ""),
                condition_out=data.get("condition_out") or Condition.GOOD,
            )
        return services.asset_loan_reserve(
            actor=request.user,
            school=request.school,
            asset=asset,
            starts_at=data["starts_at"],
            due_at=data["due_at"],
            quantity=data["quantity"],
            purpose=data.get("purpose", ""),
            borrower=data.get("borrower") or None,
        )

    loan = run_form(request, form, save)
    if loan:
        if loan.status == LoanStatus.OUT:
            messages.success(request, _("已登记并借出：%(number)s。") % {"number": loan.number})
        else:
            messages.success(
                request, _("预约成功：%(number)s。请按时到资产管理员处领取。") % {"number": loan.number}
            )
        return redirect(loan)
    now = timezone.now()
    upcoming = services.asset_loan_busy(asset, now, now + dt.timedelta(days=14))
    return TemplateResponse(
        request,
        "assets/assetloan_form.html",
        {
            "form": form,
            "asset": asset,
            "asset_url": _url_or_empty("assets:asset_detail", asset.pk),
            "manager": manager,
            "upcoming": [
                (loan, timezone.localtime(loan.starts_at), timezone.localtime(loan.due_at))
                for loan in upcoming
            ],
            "unusable": asset.status in services.NOT_LENDABLE,
            "title": _("借用登记") if manager else _("预约借用"),
        },
    )


# --- bookable equipment and the calendar -----------------------------------------------------------


@school_required("assets.view_assetloan", "assets.view_asset")
def assetloan_bookable(request):
    """可预约设备: what can be booked, with today's availability; search by name, code or pinyin."""
    assets = (
        Asset.objects.for_school(request.school)
        .bookable()
        .select_related("location", "category")
        .order_by("category__path", "name", "pk")
    )
    filterset = BookableAssetFilter(request.GET or None, queryset=assets, school=request.school)
    page = paginate(request, filterset.qs)
    rows = services.asset_loan_today(page.object_list)
    filters_open = sum(1 for k, v in request.GET.items() if v and k not in {"q", "page"})
    context = {
        "page": page,
        "rows": rows,
        "filter": filterset,
        "filters_open": filters_open,
        "can_book": permissions.can_book(request.user),
        "unusable": services.NOT_LENDABLE,
    }
    template = "assets/assetloan_bookable.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


def _month(request) -> tuple[int, int]:
    value = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in value.split("-", 1))
        dt.date(year, month, 1)
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        today = timezone.localdate()
        return today.year, today.month
    return year, month


@school_required("assets.view_assetloan", "assets.view_asset")
def asset_calendar(request, pk):
    """预约日历: a month of one card's bookings and loans, day by day (a list: fits a phone)."""
    asset = get_for_school(Asset.objects.select_related("location"), request, pk=pk)
    year, month = _month(request)
    days = services.asset_loan_month(asset, year, month)
    first = dt.date(year, month, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    can_book = permissions.can_book_asset(request.user, asset)
    return TemplateResponse(
        request,
        "assets/asset_calendar.html",
        {
            "asset": asset,
            "asset_url": _url_or_empty("assets:asset_detail", asset.pk),
            "days": days,
            "month": first,
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "this_month": f"{timezone.localdate():%Y-%m}",
            "can_book": can_book,
            "book_url": reverse("assets:assetloan_create") + f"?asset={asset.pk}",
            "sees_all": permissions.sees_all_loans(request.user),
        },
    )
