"""Report queries of the asset ledger (reads only): the ledger summary "as of date X", changes in a
period (增加、减少), idle equipment per department and the utilisation of bookable equipment.

Every report runs a fixed handful of queries whatever the number of cards (DESIGN.md rule 6):

* The ledger summary aggregates in SQL. Depreciation is straight line per card, rounded to the cent
  per card (``depreciation.accumulated``); summing per-card rounded amounts is not the same as
  rounding a group's sum, so the accumulated depreciation of every card is computed inside the
  aggregate query in whole cents with integer arithmetic that mirrors ``depreciation.accumulated``
  exactly (ROUND_HALF_UP of ``value × months / life months``, the full value once the life is over,
  nothing for low-value items and lives of 0). The lives come from ``category_rules`` (the nearest
  ancestor's life), so the result equals the sum of ``asset_net_value`` over the cards to the cent
  (tested in ``test_reports_summary.py``), in one query of at most (categories × departments) rows.
* Changes, idle and utilisation lists are paginated querysets with aggregates beside them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.org.models import Department, School

from .choices import AssetClass, AssetStatus, DisposalStatus, LoanStatus
from .models import Asset, AssetCategory, AssetDisposalItem, AssetLoan

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
EQUIPMENT_CODE = "3"  # GB/T 14885-2022 top level 3 设备


def _cents(value: int | Decimal | None) -> Decimal:
    return (Decimal(int(value or 0)) * CENT).quantize(CENT)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


# --- the ledger as of a date ------------------------------------------------------------------------


def in_books_on(queryset: QuerySet, as_of: dt.date) -> QuerySet:
    """Cards in the books at the end of ``as_of``: acquired on or before it and not disposed by then.

    A disposed card without a disposal date (should not happen) counts as gone.
    """
    return queryset.filter(acquired_on__lte=as_of).filter(
        Q(disposed_on__gt=as_of) | (Q(disposed_on__isnull=True) & ~Q(status=AssetStatus.DISPOSED))
    )


@dataclass
class SummaryRow:
    key: Any
    label: str
    code: str = ""
    cards: int = 0
    quantity: int = 0
    original: Decimal = ZERO
    accumulated: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return (self.original - self.accumulated).quantize(CENT)

    def add(self, *, cards: int, quantity: int, original: Decimal, accumulated: Decimal) -> None:
        self.cards += cards
        self.quantity += quantity
        self.original += original
        self.accumulated += accumulated


@dataclass
class LedgerSummary:
    as_of: dt.date
    by_category: list[SummaryRow] = field(default_factory=list)
    by_department: list[SummaryRow] = field(default_factory=list)
    total: SummaryRow = field(default_factory=lambda: SummaryRow(None, ""))


class MonthIndex(Func):
    """``year × 12 + month`` of a date as an integer. SQLite reads it from the ISO text instead of
    calling Django's Python date function once per row (3× faster on 100,000 cards)."""

    arity = 1
    output_field = IntegerField()
    template = (
        "(CAST(EXTRACT(YEAR FROM %(expressions)s) AS integer) * 12"
        " + CAST(EXTRACT(MONTH FROM %(expressions)s) AS integer))"
    )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="(CAST(substr(%(expressions)s, 1, 4) AS integer) * 12"
            " + CAST(substr(%(expressions)s, 6, 2) AS integer))",
            **extra_context,
        )


def _accumulated_cents(school: School) -> Case:
    """Per card, in whole cents, what ``depreciation.accumulated`` gives (see ``depreciation_rows``):
    one ``CASE`` branch per life (in months) of the school's categories, so each row computes its
    months once, against a constant life."""
    from . import services

    by_months: dict[int, list[int]] = defaultdict(list)
    for category_id, rule in services.category_rules(school).items():
        if rule.life_years:
            by_months[rule.life_years * 12].append(category_id)
    whens = [When(~Q(asset_class=AssetClass.FIXED), then=Value(0))]
    for months, ids in sorted(by_months.items()):
        whens.append(
            When(
                category_id__in=sorted(ids),
                then=Case(
                    When(r_months__gte=months, then=F("r_cents")),
                    default=(F("r_cents") * F("r_months") * Value(2) + Value(months)) / Value(2 * months),
                    output_field=BigIntegerField(),
                ),
            )
        )
    return Case(*whens, default=Value(0), output_field=BigIntegerField())


def depreciation_rows(school: School, as_of: dt.date, queryset: QuerySet | None = None) -> QuerySet:
    """One row per (category, department): cards, quantity, value and accumulated depreciation in cents.

    The accumulated depreciation of each card, as ``depreciation.accumulated`` computes it:
    ``months`` = months from the acquisition month to ``as_of``'s month, both counted;
    ``life`` = life in months; nothing for low-value items and lives of 0 or none; the value once
    ``months >= life``, else ``round_half_up(value × months / life)`` =
    ``(2 × cents × months + life) // (2 × life)`` (integers, exact). Only cards in the books on
    ``as_of`` are counted, and their disposal (if any) is after ``as_of``, which ``accumulated``
    ignores.
    """
    qs = queryset if queryset is not None else Asset.objects.for_school(school)
    as_of_month = as_of.year * 12 + as_of.month
    qs = (
        in_books_on(qs, as_of)
        .annotate(
            r_cents=Cast(Round(F("total_value") * Value(100)), BigIntegerField()),
            r_months=Value(as_of_month + 1, output_field=IntegerField()) - MonthIndex("acquired_on"),
        )
        .annotate(r_acc=_accumulated_cents(school))
    )
    return (
        qs.order_by()
        .values("category_id", "department_id")
        .annotate(
            cards=Count("pk"),
            quantity=Coalesce(Sum("quantity"), 0),
            value_cents=Coalesce(Sum("r_cents"), 0, output_field=BigIntegerField()),
            acc_cents=Coalesce(Sum("r_acc"), 0, output_field=BigIntegerField()),
        )
        .order_by("category_id", "department_id")
    )


def ledger_summary(school: School, as_of: dt.date | None = None) -> LedgerSummary:
    """资产汇总表: the books on ``as_of`` by top-level category and by department (4 queries)."""
    as_of = as_of or timezone.localdate()
    summary = LedgerSummary(as_of=as_of, total=SummaryRow(None, _("合计")))
    categories = {
        c["pk"]: c
        for c in AssetCategory.objects.for_school(school).values("pk", "path", "code", "name", "depth")
    }
    top_of: dict[int, int] = {}
    for pk, c in categories.items():
        first = c["path"].strip("/").split("/")[0]
        top_of[pk] = int(first) if first.isdigit() and int(first) in categories else pk
    by_category: dict[int, SummaryRow] = {}
    by_department: dict[int | None, SummaryRow] = {}
    for row in depreciation_rows(school, as_of):
        amounts = {
            "cards": row["cards"],
            "quantity": int(row["quantity"] or 0),
            "original": _cents(row["value_cents"]),
            "accumulated": _cents(row["acc_cents"]),
        }
        top = top_of.get(row["category_id"], row["category_id"])
        if top not in by_category:
            c = categories.get(top, {"code": "", "name": "?"})
            by_category[top] = SummaryRow(top, c["name"], code=c["code"])
        by_category[top].add(**amounts)
        dept = row["department_id"]
        if dept not in by_department:
            by_department[dept] = SummaryRow(dept, _("（未指定部门）"))
        by_department[dept].add(**amounts)
        summary.total.add(**amounts)
    names = dict(
        Department.objects.for_school(school)
        .filter(pk__in=[k for k in by_department if k])
        .values_list("pk", "name")
    )
    for key, row in by_department.items():
        if key is not None:
            row.label = names.get(key, "?")
    summary.by_category = sorted(by_category.values(), key=lambda r: (_code_key(r.code), r.label))
    summary.by_department = sorted(by_department.values(), key=lambda r: (r.key is None, r.label))
    return summary


def _code_key(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in code.replace("-", ".").split("."))


# --- changes in a period (增加、减少) -----------------------------------------------------------------


@dataclass
class ChangeTotals:
    cards: int = 0
    quantity: int = 0
    value: Decimal = ZERO
    net_value: Decimal | None = None
    breakdown: list[tuple[str, str, int, Decimal]] = field(default_factory=list)  # key, label, cards, value


def additions(school: School, start: dt.date, end: dt.date) -> QuerySet:
    """Cards acquired in [start, end] (资产增加), whatever became of them later."""
    return (
        Asset.objects.for_school(school)
        .filter(acquired_on__gte=start, acquired_on__lte=end)
        .select_related("category", "department", "location")
        .order_by("acquired_on", "pk")
    )


def _approved_item(field_name: str) -> Subquery:
    return Subquery(
        AssetDisposalItem.objects.filter(asset_id=OuterRef("pk"), disposal__status=DisposalStatus.APPROVED)
        .order_by("-disposal__disposed_on", "-pk")
        .values(field_name)[:1]
    )


def reductions(school: School, start: dt.date, end: dt.date) -> QuerySet:
    """Cards that left the books in [start, end] (资产减少), with the approved disposal's kind, number
    and the net value recorded on it."""
    return (
        Asset.objects.for_school(school)
        .filter(status=AssetStatus.DISPOSED, disposed_on__gte=start, disposed_on__lte=end)
        .annotate(
            disposal_kind=_approved_item("disposal__kind"),
            disposal_number=_approved_item("disposal__number"),
            disposal_id=_approved_item("disposal_id"),
            disposal_net_value=_approved_item("net_value"),
        )
        .select_related("category", "department", "location")
        .order_by("disposed_on", "pk")
    )


def addition_totals(school: School, start: dt.date, end: dt.date) -> ChangeTotals:
    from .choices import AcquisitionWay

    rows = list(
        additions(school, start, end)
        .order_by()
        .values("acquisition_way")
        .annotate(cards=Count("pk"), quantity=Sum("quantity"), value=Sum("total_value"))
        .order_by("acquisition_way")
    )
    labels = dict(AcquisitionWay.choices)
    totals = ChangeTotals()
    for row in rows:
        value = (row["value"] or ZERO).quantize(CENT)
        totals.cards += row["cards"]
        totals.quantity += row["quantity"] or 0
        totals.value += value
        way = row["acquisition_way"]
        totals.breakdown.append((way, str(labels.get(way, way)), row["cards"], value))
    return totals


def reduction_totals(school: School, start: dt.date, end: dt.date) -> ChangeTotals:
    from .choices import DisposalKind

    rows = list(
        reductions(school, start, end)
        .order_by()
        .values("disposal_kind")
        .annotate(
            cards=Count("pk"),
            quantity=Sum("quantity"),
            value=Sum("total_value"),
            net=Sum("disposal_net_value"),
        )
        .order_by("disposal_kind")
    )
    labels = dict(DisposalKind.choices)
    totals = ChangeTotals(net_value=ZERO)
    for row in rows:
        value = (row["value"] or ZERO).quantize(CENT)
        totals.cards += row["cards"]
        totals.quantity += row["quantity"] or 0
        totals.value += value
        totals.net_value += Decimal(row["net"] or 0).quantize(CENT)
        kind = row["disposal_kind"] or ""
        totals.breakdown.append((kind, str(labels.get(kind, _("未记录处置方式"))), row["cards"], value))
    return totals


# --- use: loans and bookings (物尽其用) --------------------------------------------------------------


def loan_counts(asset_ids, *, start: dt.datetime | None = None, end: dt.datetime | None = None) -> dict:
    """``{asset_id: (loans, last start)}``: every loan and booking that was not cancelled, in one query."""
    qs = AssetLoan.objects.filter(asset_id__in=list(asset_ids)).exclude(status=LoanStatus.CANCELLED)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    return {
        row["asset_id"]: (row["n"], row["last"])
        for row in qs.order_by().values("asset_id").annotate(n=Count("pk"), last=Max("starts_at"))
    }


IDLE_SCOPES = {
    "equipment": "equipment",  # 设备 (GB/T 3) and anything bookable
    "bookable": "bookable",
    "all": "all",
}


def idle_cutoff(school: School, today: dt.date | None = None) -> dt.date:
    from . import services

    months = services.asset_settings_for(school).idle_months
    return months_before(today or timezone.localdate(), months)


def equipment_category_ids(school: School) -> list[int]:
    """The 设备 (GB/T 3) category and everything under it, in one small query."""
    top = AssetCategory.objects.for_school(school).filter(code=EQUIPMENT_CODE, parent__isnull=True).first()
    if top is None:
        return []
    return list(AssetCategory.objects.for_school(school).subtree(top).values_list("pk", flat=True))


def idle_assets(school: School, *, since: dt.date, scope: str = "equipment", department=None) -> QuerySet:
    """Active cards not used since ``since`` (``Asset.objects.idle_since``), equipment by default:
    desks and buildings are never borrowed, so they would bury the equipment that stands idle.

    Oldest first, in the order of the ``(school, acquired_on)`` index, so a page of 100,000 cards
    does not sort them all.
    """
    qs = Asset.objects.for_school(school).idle_since(since)
    if scope == "bookable":
        qs = qs.filter(is_bookable=True)
    elif scope != "all":
        qs = qs.filter(Q(category_id__in=equipment_category_ids(school)) | Q(is_bookable=True))
    if department == "none":
        qs = qs.filter(department__isnull=True)
    elif department:
        qs = qs.filter(department_id=department)
    return qs.select_related("category", "department", "location", "custodian").order_by("acquired_on", "pk")


def idle_by_department(queryset: QuerySet) -> list[dict]:
    """Idle cards per department: ``[{department_id, name, cards, quantity, value}]``, most first."""
    rows = list(
        queryset.order_by()
        .values("department_id")
        .annotate(cards=Count("pk"), quantity=Sum("quantity"), value=Sum("total_value"))
    )
    ids = [r["department_id"] for r in rows if r["department_id"]]
    names = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    result = [
        {
            "department_id": r["department_id"],
            "name": names.get(r["department_id"]) or _("（未指定部门）"),
            "cards": r["cards"],
            "quantity": r["quantity"] or 0,
            "value": (r["value"] or ZERO).quantize(CENT),
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: (-r["cards"], str(r["name"])))


def utilisation(
    school: School, *, start: dt.date, end: dt.date, limit: int = 20
) -> tuple[list[Asset], list[Asset], dict]:
    """Bookable equipment by number of loans and bookings starting in [start, end]: the most used
    and the least used (never used first), and totals.

    The loans of the period are counted per card in one query (a school has thousands of loans, and
    the ``(asset, status, starts_at)`` index), so no query groups the cards themselves; four or
    five queries in all.
    """
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    bookable = Asset.objects.for_school(school).bookable()
    used = _used(school, since, until).filter(asset__in=bookable)
    counts = dict(used.values("asset_id").annotate(n=Count("pk")).values_list("asset_id", "n"))
    related = ("category", "department", "location")

    def load(ids) -> dict[int, Asset]:
        return (
            {a.pk: a for a in Asset.objects.filter(pk__in=list(ids)).select_related(*related)} if ids else {}
        )

    top = sorted(counts, key=lambda pk: -counts[pk])[: limit * 3]
    loaded = load(top)
    most = sorted(loaded.values(), key=lambda a: (-counts[a.pk], a.code))[:limit]
    least = list(
        bookable.exclude(pk__in=used.values("asset_id")).select_related(*related).order_by("code")[:limit]
    )
    if len(least) < limit:  # every card was used: the least used of them
        fewest = sorted(counts, key=lambda pk: counts[pk])[: limit * 3]
        more = load(pk for pk in fewest if pk not in loaded) | loaded
        least += sorted((more[pk] for pk in fewest if pk in more), key=lambda a: (counts[a.pk], a.code))[
            : limit - len(least)
        ]
    for asset in most + least:
        asset.uses = counts.get(asset.pk, 0)
    assets = bookable.count()
    totals = {"assets": assets, "unused": assets - len(counts), "loans": sum(counts.values())}
    return most, least, totals


def _used(school: School, since: dt.datetime, until: dt.datetime) -> QuerySet:
    return (
        AssetLoan.objects.for_school(school)
        .filter(starts_at__gte=since, starts_at__lt=until)
        .exclude(status=LoanStatus.CANCELLED)
        .order_by()
    )


# --- Excel -----------------------------------------------------------------------------------------


def summary_workbook(summary: LedgerSummary, *, school_name: str) -> bytes:
    """The ledger summary as an .xlsx: one sheet by category, one by department, totals last."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    money = "#,##0.00"
    workbook = Workbook()
    sheets = [
        (_("按资产分类"), _("资产分类"), summary.by_category, True),
        (_("按使用部门"), _("使用部门"), summary.by_department, False),
    ]
    for index, (title, key_header, rows, with_code) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = str(title)
        sheet.append(
            [
                _("%(school)s 资产汇总表（截至 %(date)s）")
                % {"school": school_name, "date": summary.as_of.isoformat()}
            ]
        )
        sheet["A1"].font = Font(bold=True, size=13)
        headers = [
            *([_("分类代码")] if with_code else []),
            key_header,
            _("卡片数"),
            _("数量"),
            _("原值（元）"),
            _("累计折旧（元）"),
            _("净值（元）"),
        ]
        sheet.append([str(h) for h in headers])
        for cell in sheet[2]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for row in [*rows, summary.total]:
            values = [
                *([row.code] if with_code else []),
                row.label,
                row.cards,
                row.quantity,
                row.original,
                row.accumulated,
                row.net,
            ]
            sheet.append(values)
            for cell in sheet[sheet.max_row][-3:]:
                cell.number_format = money
            if row is summary.total:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        widths = [10, 24, 10, 10, 18, 18, 18] if with_code else [24, 10, 10, 18, 18, 18]
        for column, width in zip("ABCDEFG", widths, strict=False):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- export specs of the report lists (registered in wiring/reports.py) ----------------------------


def _period_from(params) -> tuple[dt.date, dt.date]:
    from .forms.reports import PeriodForm

    return PeriodForm(params).period()


def _idle_from(school: School, params) -> QuerySet:
    scope = params.get("scope") if params.get("scope") in IDLE_SCOPES else "equipment"
    department = params.get("department") or None
    if department not in (None, "none") and not str(department).isdigit():
        department = None
    return idle_assets(school, since=idle_cutoff(school), scope=scope, department=department)


def export_specs() -> list:
    from django.utils.translation import gettext_lazy

    from houqin.core.excel import ExportColumn
    from houqin.core.exports import ExportSpec

    card = [
        ExportColumn(gettext_lazy("资产编号"), "code"),
        ExportColumn(gettext_lazy("资产名称"), "name", width=24),
        ExportColumn(gettext_lazy("资产分类"), "category.name"),
        ExportColumn(gettext_lazy("规格型号"), "spec_model"),
        ExportColumn(gettext_lazy("数量"), "quantity"),
        ExportColumn(gettext_lazy("计量单位"), "unit"),
        ExportColumn(gettext_lazy("原值（元）"), "total_value"),
        ExportColumn(gettext_lazy("资产类别"), "get_asset_class_display"),
        ExportColumn(gettext_lazy("取得日期"), "acquired_on"),
        ExportColumn(gettext_lazy("使用部门"), "department.name"),
        ExportColumn(gettext_lazy("存放地点"), "location.full_name", width=30),
    ]
    return [
        ExportSpec(
            key="assets.additions",
            title=gettext_lazy("资产增加明细"),
            perm="assets.view_asset",
            columns=[*card, ExportColumn(gettext_lazy("取得方式"), "get_acquisition_way_display")],
            queryset=lambda school, user, params: additions(school, *_period_from(params)),
        ),
        ExportSpec(
            key="assets.reductions",
            title=gettext_lazy("资产减少明细"),
            perm="assets.view_asset",
            columns=[
                *card,
                ExportColumn(gettext_lazy("处置日期"), "disposed_on"),
                ExportColumn(gettext_lazy("处置方式"), _disposal_kind_label),
                ExportColumn(gettext_lazy("处置单号"), "disposal_number"),
                ExportColumn(gettext_lazy("处置时净值（元）"), "disposal_net_value"),
            ],
            queryset=lambda school, user, params: reductions(school, *_period_from(params)),
        ),
        ExportSpec(
            key="assets.idle",
            title=gettext_lazy("闲置设备"),
            perm="assets.view_asset",
            columns=[
                *card,
                ExportColumn(gettext_lazy("责任人"), "custodian"),
                ExportColumn(gettext_lazy("最近使用"), "last_used_on"),
            ],
            queryset=lambda school, user, params: _idle_from(school, params),
        ),
    ]


def _disposal_kind_label(asset: Asset) -> str:
    from .choices import DisposalKind

    kind = getattr(asset, "disposal_kind", None)
    return str(DisposalKind(kind).label) if kind in DisposalKind.values else ""


__all__ = [
    "ChangeTotals",
    "LedgerSummary",
    "SummaryRow",
    "addition_totals",
    "additions",
    "depreciation_rows",
    "equipment_category_ids",
    "export_specs",
    "idle_assets",
    "idle_by_department",
    "idle_cutoff",
    "in_books_on",
    "ledger_summary",
    "loan_counts",
    "months_before",
    "reduction_totals",
    "reductions",
    "summary_workbook",
    "utilisation",
]
