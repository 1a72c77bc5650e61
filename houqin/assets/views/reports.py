"""Report pages of the asset ledger: summary as of a date, changes in a period, idle equipment,
utilisation. Every staff member may read them (``assets.view_asset``), district supervisors too."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.excel import xlsx_response
from houqin.core.exports import export_response, get_spec
from houqin.core.http import school_required
from houqin.core.pagination import paginate
from houqin.org.models import Department

from .. import reports, services
from ..choices import DisposalKind
from ..forms.reports import AsOfForm, PeriodForm, period_presets


def _chart(labels, series) -> dict:
    """Data for ``static/js/assets-reports.js`` (read from a ``json_script`` block)."""
    return {
        "labels": [str(label) for label in labels],
        "series": [{"name": str(name), "data": [float(v) for v in values]} for name, values in series],
    }


def _results(request, template: str) -> str:
    return template + "#results" if request.htmx and request.htmx.target == "results" else template


@school_required("assets.view_asset")
def asset_summary(request):
    """资产汇总表: the books on a date by top-level category and by department, with a chart."""
    form = AsOfForm(request.GET)
    as_of = form.date()
    summary = reports.ledger_summary(request.school, as_of)
    if request.GET.get("export") == "xlsx":
        audit.record(
            actor=request.user,
            verb="exported",
            school=request.school,
            changes={"export": "assets.summary", "filters": f"as_of={as_of.isoformat()}"},
        )
        content = reports.summary_workbook(summary, school_name=request.school.name)
        return xlsx_response(content, f"{_('资产汇总表')}-{as_of:%Y%m%d}.xlsx")
    rows = [r for r in summary.by_category if r.cards]
    chart = _chart(
        [r.label for r in rows],
        [(_("净值（元）"), [r.net for r in rows]), (_("累计折旧（元）"), [r.accumulated for r in rows])],
    )
    return TemplateResponse(
        request,
        "assets/report_summary.html",
        {
            "form": form,
            "summary": summary,
            "as_of": as_of,
            "chart": chart,
            "is_today": as_of == timezone.localdate(),
        },
    )


@school_required("assets.view_asset")
def asset_changes(request):
    """资产增减表: cards acquired (增加) and disposed (减少) in a period, with the list of either."""
    form = PeriodForm(request.GET)
    start, end = form.period()
    show = "reductions" if request.GET.get("show") == "reductions" else "additions"
    if request.GET.get("export") == "xlsx":
        return export_response(request, get_spec(f"assets.{show}"))
    rows = (reports.reductions if show == "reductions" else reports.additions)(request.school, start, end)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "show": show,
        "page": paginate(request, rows),
        "presets": period_presets(),
        "kinds": DisposalKind.choices,
    }
    if not (request.htmx and request.htmx.target == "results"):
        context["added"] = reports.addition_totals(request.school, start, end)
        context["removed"] = reports.reduction_totals(request.school, start, end)
    return TemplateResponse(request, _results(request, "assets/report_changes.html"), context)


@school_required("assets.view_asset")
def asset_idle(request):
    """闲置设备: equipment nobody used (borrowed or booked) for the school's idle months, per department."""
    months = services.asset_settings_for(request.school).idle_months
    since = reports.months_before(timezone.localdate(), months)
    scope = request.GET.get("scope") if request.GET.get("scope") in reports.IDLE_SCOPES else "equipment"
    department = request.GET.get("department") or ""
    if department not in ("", "none") and not department.isdigit():
        department = ""
    if request.GET.get("export") == "xlsx":
        return export_response(request, get_spec("assets.idle"))
    everywhere = reports.idle_assets(request.school, since=since, scope=scope)
    rows = reports.idle_assets(request.school, since=since, scope=scope, department=department or None)
    page = paginate(request, rows)
    counts = reports.loan_counts(a.pk for a in page.object_list)
    for asset in page.object_list:
        asset.loan_count, asset.last_loan = counts.get(asset.pk, (0, None))
    context = {
        "page": page,
        "since": since,
        "scope": scope,
        "department": department,
        "scopes": [
            ("equipment", _("设备类及可借用物品")),
            ("bookable", _("仅可借用物品")),
            ("all", _("全部在账资产")),
        ],
        "idle_months": months,
    }
    if not (request.htmx and request.htmx.target == "results"):
        context["by_department"] = reports.idle_by_department(everywhere)
        context["departments"] = Department.objects.for_school(request.school).filter(is_active=True)
    return TemplateResponse(request, _results(request, "assets/report_idle.html"), context)


@school_required("assets.view_asset")
def asset_utilisation(request):
    """使用率: bookable equipment by loans and bookings in a period, the most and the least used."""
    today = timezone.localdate()
    form = PeriodForm(request.GET, default=(reports.months_before(today, 12), today))
    start, end = form.period()
    most, least, totals = reports.utilisation(request.school, start=start, end=end)
    chart = _chart([f"{a.code} {a.name}" for a in most[:10]], [(_("借用次数"), [a.uses for a in most[:10]])])
    return TemplateResponse(
        request,
        "assets/report_utilisation.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "most": most,
            "least": least,
            "totals": totals,
            "chart": chart,
            "presets": period_presets(),
        },
    )
