"""Reconciliation (对账): what the books expected against what was counted, every difference in
one pass, and the adjustments it proposes.

    stocktake_close_counting   盘点中 → 对账中; every location is locked first, so no scan lands
                               after the line-up; the task ``run_reconcile`` is queued on commit
    stocktake_reconcile        sets each line's result and proposes adjustments → 待处理差异
    stocktake_reopen_counting  待处理差异 → 盘点中 (count again; the proposals are dropped)

A line's result is the first that applies: 盘亏 (expected, not counted), 位置不符 (counted in
another location, or outside the plan's scope), 数量短缺 / 数量多出 (batch cards), 损坏待修,
相符. Proposals come from the facts, not only the result: a card found in the wrong room *and*
damaged gets a transfer and a repair.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from houqin.assets.choices import AssetStatus
from houqin.core import audit
from houqin.core.excel import in_chunks

from ..choices import CONDITION_PROBLEMS, AdjustmentKind, LineResult, StocktakeStatus
from ..models import Stocktake, StocktakeAdjustment, StocktakeLine, StocktakeLocation, StocktakeSurplus
from .common import check_transition, lock, require_manager, user_or_none

__all__ = [
    "run_reconcile",
    "stocktake_close_counting",
    "stocktake_reconcile",
    "stocktake_reopen_counting",
]

CHUNK = 1000
ZERO = Decimal("0.00")


@transaction.atomic
def stocktake_close_counting(*, actor, stocktake: Stocktake) -> Stocktake:
    """结束盘点: no more counting; reconciliation runs as a task with progress on the plan page."""
    require_manager(actor, _("没有结束盘点的权限。"))
    stocktake = lock(stocktake)
    check_transition(stocktake, StocktakeStatus.RECONCILING)
    # a scan holds its location's row lock until it commits: wait for them all, then close
    list(
        StocktakeLocation.objects.select_for_update().filter(stocktake=stocktake).order_by("pk").values("pk")
    )
    old = stocktake.status
    stocktake.status = StocktakeStatus.RECONCILING
    stocktake.counting_closed_at = timezone.now()
    stocktake.reconcile_total = stocktake.lines.count() + stocktake.surpluses.count()
    stocktake.reconcile_done = 0
    stocktake.reconcile_error = ""
    stocktake.updated_by = user_or_none(actor)
    stocktake.save()
    audit.record(actor=actor, verb="updated", target=stocktake, changes={"status": [old, stocktake.status]})
    pk = stocktake.pk
    transaction.on_commit(lambda: run_reconcile.enqueue(pk))
    return stocktake


@task()
def run_reconcile(stocktake_id: int) -> None:
    """The task: reconcile, or put the plan back to counting with the error shown on its page."""
    stocktake = Stocktake.objects.get(pk=stocktake_id)
    if stocktake.status != StocktakeStatus.RECONCILING:
        return
    try:
        stocktake_reconcile(stocktake=stocktake)
    except Exception as exc:  # the page shows it; the plan can be counted and closed again
        with transaction.atomic():
            failed = Stocktake.objects.filter(pk=stocktake_id, status=StocktakeStatus.RECONCILING).update(
                status=StocktakeStatus.COUNTING, reconcile_error=str(exc)[:500]
            )
            if failed:  # the steps already committed are undone: no half-made proposals stay
                StocktakeAdjustment.objects.filter(
                    stocktake_id=stocktake_id, applied_at__isnull=True
                ).delete()
                StocktakeLine.objects.filter(stocktake_id=stocktake_id).update(result=LineResult.PENDING)
        raise


def _set_results(lines) -> None:
    """Each line's result, the first that applies, in one UPDATE (one pass over the rows: a
    20,000-card plan takes about a second where one statement per result took three)."""
    lines.update(
        result=Case(
            When(expected=True, counted_at__isnull=True, then=Value(LineResult.MISSING)),
            When(
                Q(counted_at__isnull=False) & (Q(expected=False) | ~Q(found_in_id=F("place_id"))),
                then=Value(LineResult.MISPLACED),
            ),
            When(counted_quantity__lt=F("expected_quantity"), then=Value(LineResult.SHORT)),
            When(counted_quantity__gt=F("expected_quantity"), then=Value(LineResult.OVER)),
            When(condition__in=CONDITION_PROBLEMS, then=Value(LineResult.DAMAGED)),
            default=Value(LineResult.FOUND),
        )
    )


def _line_adjustments(stocktake: Stocktake, rows) -> list[StocktakeAdjustment]:
    made = []
    for row in rows:
        if row["asset__status"] == AssetStatus.DISPOSED:
            continue  # disposed of since the snapshot: nothing left to adjust
        base = {
            "school_id": stocktake.school_id,
            "stocktake": stocktake,
            "line_id": row["pk"],
            "asset_id": row["asset_id"],
        }
        if row["counted_at"] is None:
            made.append(StocktakeAdjustment(kind=AdjustmentKind.WRITE_OFF, amount=-row["book_value"], **base))
            continue
        found_location = row["found_in__location_id"]
        if found_location is not None and found_location != row["asset__location_id"]:
            made.append(
                StocktakeAdjustment(kind=AdjustmentKind.TRANSFER, to_location_id=found_location, **base)
            )
        if row["counted_quantity"] != row["asset__quantity"]:
            unit_price = row["asset__unit_price"] or ZERO
            made.append(
                StocktakeAdjustment(
                    kind=AdjustmentKind.QUANTITY,
                    new_quantity=row["counted_quantity"],
                    amount=(unit_price * (row["counted_quantity"] - row["asset__quantity"])).quantize(
                        Decimal("0.01")
                    ),
                    **base,
                )
            )
        if row["condition"] in CONDITION_PROBLEMS:
            made.append(StocktakeAdjustment(kind=AdjustmentKind.REPAIR, note=row["note"], **base))
    return made


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def _summary(stocktake: Stocktake) -> dict:
    """Counts and book values by result, surplus, and by category (the report's figures)."""
    lines = StocktakeLine.objects.filter(stocktake=stocktake)
    by_result = {
        row["result"]: {"count": row["count"], "value": _money(row["value"])}
        for row in lines.order_by()
        .values("result")
        .annotate(count=Count("pk"), value=Coalesce(Sum("book_value"), ZERO))
    }
    surplus = (
        StocktakeSurplus.objects.filter(stocktake=stocktake, withdrawn=False)
        .order_by()
        .aggregate(
            count=Count("pk"),
            quantity=Coalesce(Sum("quantity"), 0),
            value=Coalesce(Sum("estimated_value"), ZERO),
        )
    )
    categories = [
        {
            "category": row["asset__category__name"],
            "expected": row["n_expected"],
            "expected_value": _money(row["v_expected"]),
            "missing": row["n_missing"],
            "missing_value": _money(row["v_missing"]),
            "misplaced": row["n_misplaced"],
            "damaged": row["n_damaged"],
        }
        for row in lines.values("asset__category__path", "asset__category__name")
        .annotate(
            # annotation names must not shadow the fields the filters read (``expected``)
            n_expected=Count("pk", filter=Q(expected=True)),
            v_expected=Coalesce(Sum("book_value", filter=Q(expected=True)), ZERO),
            n_missing=Count("pk", filter=Q(result=LineResult.MISSING)),
            v_missing=Coalesce(Sum("book_value", filter=Q(result=LineResult.MISSING)), ZERO),
            n_misplaced=Count("pk", filter=Q(result=LineResult.MISPLACED)),
            n_damaged=Count("pk", filter=Q(condition__in=CONDITION_PROBLEMS)),
        )
        .order_by("asset__category__path")
    ]
    return {
        "results": by_result,
        "surplus": {**surplus, "value": _money(surplus["value"])},
        "categories": categories,
    }


def stocktake_reconcile(*, stocktake: Stocktake, progress: Callable[[int], None] | None = None) -> Stocktake:
    """Every line's result and every proposed adjustment, in one pass (the task calls this).

    Three steps, each in its own transaction, so the plan page polling ``reconcile_done`` sees the
    progress move (DESIGN.md rule 6): the results (and the old proposals dropped), the proposals in
    chunks, then the unknown items, the summary and the status. Counting is closed throughout (对账中:
    no scan, reopen or cancel is accepted), so nothing else writes these rows meanwhile; if a step
    fails, ``run_reconcile`` undoes the earlier ones and puts the plan back to counting.
    """
    done = 0

    def advance(step: int) -> None:
        nonlocal done
        done += step
        Stocktake.objects.filter(pk=stocktake.pk).update(reconcile_done=done)
        if progress:
            progress(done)

    with transaction.atomic():
        stocktake = lock(stocktake)
        check_transition(stocktake, StocktakeStatus.RECONCILED)
        lines = StocktakeLine.objects.filter(stocktake=stocktake)
        _set_results(lines)
        StocktakeAdjustment.objects.filter(stocktake=stocktake, applied_at__isnull=True).delete()
        problem_ids = list(
            lines.filter(
                Q(counted_at__isnull=True)
                | ~Q(found_in__location_id=F("asset__location_id"))
                | Q(found_in__location__isnull=False, asset__location__isnull=True)
                | ~Q(counted_quantity=F("asset__quantity"))
                | Q(condition__in=CONDITION_PROBLEMS)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        advance(lines.count() - len(problem_ids))
    for chunk in in_chunks(problem_ids, CHUNK):
        with transaction.atomic():
            rows = (
                lines.filter(pk__in=chunk)
                .order_by("pk")
                .values(
                    "pk",
                    "asset_id",
                    "counted_at",
                    "counted_quantity",
                    "condition",
                    "note",
                    "book_value",
                    "found_in__location_id",
                    "asset__location_id",
                    "asset__quantity",
                    "asset__unit_price",
                    "asset__status",
                )
            )
            StocktakeAdjustment.objects.bulk_create(_line_adjustments(stocktake, rows))
            advance(len(chunk))
    with transaction.atomic():
        stocktake = lock(stocktake)
        check_transition(stocktake, StocktakeStatus.RECONCILED)
        surpluses = list(
            StocktakeSurplus.objects.filter(stocktake=stocktake, withdrawn=False)
            .select_related("place")
            .order_by("pk")
        )
        StocktakeAdjustment.objects.bulk_create(
            [
                StocktakeAdjustment(
                    school_id=stocktake.school_id,
                    stocktake=stocktake,
                    kind=AdjustmentKind.NEW_CARD,
                    surplus=s,
                    to_location_id=s.place.location_id,
                    amount=s.estimated_value or ZERO,
                )
                for s in surpluses
            ]
        )
        old = stocktake.status
        stocktake.summary = _summary(stocktake)
        stocktake.status = StocktakeStatus.RECONCILED
        stocktake.reconciled_at = timezone.now()
        stocktake.reconcile_done = stocktake.reconcile_total
        stocktake.reconcile_error = ""
        stocktake.save()
        results = stocktake.summary["results"]
        audit.record(
            actor=None,
            verb="reconciled",
            target=stocktake,
            changes={
                "status": [old, stocktake.status],
                "missing": [None, results.get(LineResult.MISSING, {}).get("count", 0)],
                "misplaced": [None, results.get(LineResult.MISPLACED, {}).get("count", 0)],
                "surplus": [None, len(surpluses)],
            },
        )
    return stocktake


@transaction.atomic
def stocktake_reopen_counting(*, actor, stocktake: Stocktake) -> Stocktake:
    """Back to counting after a reconciliation (a missing cupboard turned up): the proposals are
    dropped and made again at the next reconciliation."""
    require_manager(actor, _("没有重新打开盘点的权限。"))
    stocktake = lock(stocktake)
    check_transition(stocktake, StocktakeStatus.COUNTING)
    if stocktake.status == StocktakeStatus.RECONCILING:
        raise ValidationError(_("对账进行中，请稍候。"), code="reconciling")
    StocktakeAdjustment.objects.filter(stocktake=stocktake, applied_at__isnull=True).delete()
    StocktakeLine.objects.filter(stocktake=stocktake).update(result=LineResult.PENDING)
    old = stocktake.status
    stocktake.status = StocktakeStatus.COUNTING
    stocktake.reconciled_at = None
    stocktake.summary = {}
    stocktake.updated_by = user_or_none(actor)
    stocktake.save()
    audit.record(actor=actor, verb="updated", target=stocktake, changes={"status": [old, stocktake.status]})
    return stocktake
