"""Start-up registrations of the stocktake's plans step: the plan list's Excel export, the counters'
to-do (N 个位置待盘点) and the deadline reminder (a due-date source for notify's reminder rules,
seeded for every new school: the counters two days before the deadline, every day until it and
after it; the asset clerk once a plan is a day late)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

EXPORT_KEY = "stocktake.stocktake"
DUE_SOURCE = "stocktake.counting_due"
REMIND_DAYS_BEFORE = 2
ESCALATE_AFTER_DAYS = 1
ESCALATE_TO_ROLE = "asset_clerk"


# --- to-do ------------------------------------------------------------------------------------------


def todo_locations_to_count(request):
    """For a counter: the locations assigned to me, not yet marked counted, in plans still counting.
    One query."""
    from django.db.models import Count, Min

    from ..choices import StocktakeStatus
    from ..models import StocktakeLocation

    if not request.user.has_perm("stocktake.view_stocktakelocation"):
        return []
    row = (
        StocktakeLocation.objects.for_school(request.school)
        .filter(counter=request.user, finished_at__isnull=True, stocktake__status=StocktakeStatus.COUNTING)
        .aggregate(n=Count("pk"), due=Min("stocktake__deadline"))
    )
    count = row["n"]
    if not count:
        return []
    from houqin.core.registry import TodoItem

    today = timezone.localdate()
    due = row["due"]
    if due < today:
        level = "danger"
    elif due <= today + dt.timedelta(days=REMIND_DAYS_BEFORE):
        level = "warning"
    else:
        level = "info"
    return [
        TodoItem(
            title=ngettext("%(count)d 个位置待盘点", "%(count)d 个位置待盘点", count) % {"count": count},
            url=reverse("stocktake:stocktakelocation_mine"),
            count=count,
            due=due,
            level=level,
            area=_("盘点"),
        )
    ]


# --- reminders (notify's due-date providers) ---------------------------------------------------------


def due_unfinished_counts(school, on_date: dt.date):
    """Plans still counting with a deadline on or before ``on_date`` and locations not yet marked
    counted: the counters of those locations are responsible (one item per plan). One query."""
    from houqin.notify.registry import DueItem

    from ..choices import StocktakeStatus
    from ..models import StocktakeLocation

    places = (
        StocktakeLocation.objects.for_school(school)
        .filter(
            stocktake__status=StocktakeStatus.COUNTING,
            stocktake__deadline__lte=on_date,
            finished_at__isnull=True,
            counter__isnull=False,
        )
        .select_related("stocktake", "counter")
        .order_by("stocktake__deadline", "stocktake_id", "pk")
    )
    plans: dict[int, tuple] = {}
    for place in places:
        stocktake, counters, count = plans.get(place.stocktake_id, (place.stocktake, {}, 0))
        counters.setdefault(place.counter_id, place.counter)
        plans[place.stocktake_id] = (stocktake, counters, count + 1)
    for stocktake, counters, count in plans.values():
        yield DueItem(
            title=ngettext(
                "盘点“%(title)s”（%(number)s）还有 %(count)d 个位置未盘完",
                "盘点“%(title)s”（%(number)s）还有 %(count)d 个位置未盘完",
                count,
            )
            % {"title": stocktake.title, "number": stocktake.number, "count": count},
            url=stocktake.get_absolute_url(),
            due_date=stocktake.deadline,
            target=stocktake,
            responsible_users=list(counters.values()),
        )


def seed_counting_reminder(school, *, actor=None) -> None:
    """Every school starts with a reminder rule for unfinished counts; the school admin may change it."""
    from houqin.notify.models import ReminderRule
    from houqin.notify.services import reminder_rule_create

    if ReminderRule.objects.for_school(school).filter(source=DUE_SOURCE).exists():
        return
    reminder_rule_create(
        actor=actor,
        school=school,
        name=_("盘点截止提醒"),
        source=DUE_SOURCE,
        days_before=REMIND_DAYS_BEFORE,
        escalate_after_days=ESCALATE_AFTER_DAYS,
        escalate_to_role=ESCALATE_TO_ROLE,
    )


# --- Excel export of the plan list ------------------------------------------------------------------


def _export_rows(school, user, params):
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from ..forms.plans import StocktakeFilter
    from ..models import StocktakeLine
    from ..views.plans import plan_queryset

    counted = (
        StocktakeLine.objects.filter(stocktake=OuterRef("pk"), expected=True, counted_at__isnull=False)
        .order_by()
        .values("stocktake")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = plan_queryset(school).annotate(
        counted=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )
    return StocktakeFilter(params or None, queryset=queryset, school=school).qs


def _scope(stocktake) -> str:
    parts = [
        stocktake.scope_location.full_name if stocktake.scope_location_id else "",
        str(stocktake.scope_department) if stocktake.scope_department_id else "",
        str(stocktake.scope_category) if stocktake.scope_category_id else "",
    ]
    return " / ".join(p for p in parts if p) or _("全校")


def _export_spec():
    from houqin.core.excel import ExportColumn
    from houqin.core.exports import ExportSpec

    return ExportSpec(
        key=EXPORT_KEY,
        title=gettext_lazy("盘点"),
        perm="stocktake.view_stocktake",
        columns=[
            ExportColumn(gettext_lazy("盘点单号"), "number"),
            ExportColumn(gettext_lazy("名称"), "title", width=30),
            ExportColumn(gettext_lazy("盘点类型"), "get_kind_display"),
            ExportColumn(gettext_lazy("状态"), "get_status_display"),
            ExportColumn(gettext_lazy("盘点范围"), _scope, width=30),
            ExportColumn(gettext_lazy("截止日期"), "deadline"),
            ExportColumn(gettext_lazy("应盘卡片数"), "expected_count"),
            ExportColumn(gettext_lazy("已盘卡片数"), "counted"),
            ExportColumn(gettext_lazy("应盘原值（元）"), "expected_value"),
            ExportColumn(gettext_lazy("建立人"), "created_by"),
            ExportColumn(gettext_lazy("建立时间"), "created_at"),
            ExportColumn(gettext_lazy("结账时间"), "closed_at"),
        ],
        queryset=_export_rows,
    )


def ready() -> None:
    from houqin.core import registry as core_registry
    from houqin.core.exports import register_export
    from houqin.notify.registry import register_due_provider

    register_export(_export_spec())
    core_registry.register_todo(todo_locations_to_count)
    register_due_provider(
        DUE_SOURCE,
        gettext_lazy("盘点截止未盘完"),
        due_unfinished_counts,
        responsible_label=gettext_lazy("盘点人"),
    )
    core_registry.register_school_setup(seed_counting_reminder)
