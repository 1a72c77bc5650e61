"""Reconciliation (issue 5: "Reconciliation: found, missing (盘亏), surplus (盘盈), misplaced, damaged"):
every case in a plan over two rooms, the adjustment each proposes, reopening, the close's rules and
the task path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.assets import services as asset_services
from houqin.assets.choices import AssetStatus
from houqin.assets.models import Asset, AssetCategory
from houqin.org import services as org_services
from houqin.org.choices import LocationKind
from houqin.stocktake import services
from houqin.stocktake.choices import AdjustmentKind, LineResult, StocktakeStatus
from houqin.stocktake.models import Stocktake, StocktakeAdjustment, StocktakeLine

from .helpers import member, plan, reconcile

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def room(world, name: str):
    return org_services.location_create(
        actor=None,
        school=world.school,
        campus=world.campus,
        name=f"{name}{world.school.code}",
        parent=world.floor,
    )


def card(world, code: str, *, location, price: str = "1000.00", quantity: int = 1, category: str = "301"):
    return asset_services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=AssetCategory.objects.get(school=world.school, code=category),
        quantity=quantity,
        unit="台",
        unit_price=Decimal(price),
        acquired_on=dt.date(2022, 9, 1),
        location=location,
        department=world.department,
    )


@pytest.fixture
def counted(school_a):
    return counted_plan(school_a)


def counted_plan(world):
    """A plan over the floor (rooms A = world.room and B), counted with one card of every case."""
    room_b = room(world, "B室")
    outside = org_services.location_create(
        actor=None, school=world.school, campus=world.campus, name="仓库楼", kind=LocationKind.BUILDING
    )
    cards = {
        "found": card(world, "T-FOUND", location=world.room),
        "missing": card(world, "T-MISS", location=world.room, price="2500.00"),
        "moved": card(world, "T-MOVED", location=room_b),
        "short": card(world, "T-SHORT", location=world.room, price="100.00", quantity=10, category="601"),
        "over": card(world, "T-OVER", location=world.room, price="100.00", quantity=5, category="601"),
        "damaged": card(world, "T-DAMAGED", location=world.room),
        "moved_damaged": card(world, "T-MOVDMG", location=room_b),
        "gone": card(world, "T-GONE", location=world.room),
    }
    out_of_scope = card(world, "T-OUTSIDE", location=outside)
    stocktake = plan(world, scope_location=world.floor)
    place_a = stocktake.locations.get(location=world.room)
    place_b = stocktake.locations.get(location=room_b)
    clerk = member(world, "asset_clerk")

    def count(code, place=place_a, **kwargs):
        return services.stocktake_count(actor=clerk, place=place, code=code, **kwargs)

    count(world.asset.code)
    count("T-FOUND")
    count("T-MOVED")  # book: room B, found in room A
    count(out_of_scope.code)  # outside the plan's scope
    count("T-SHORT", quantity=8)
    count("T-OVER", quantity=7)
    count("T-DAMAGED", condition="damaged")
    count("T-MOVDMG", condition="needs_repair")
    surplus = services.stocktake_surplus_add(
        actor=clerk, place=place_b, name="无卡书柜", quantity=1, estimated_value="800"
    )
    # disposed of after the snapshot, not found: no adjustment is left to make
    Asset.objects.filter(pk=cards["gone"].pk).update(status=AssetStatus.DISPOSED)
    cards["outside"] = out_of_scope
    return world, stocktake, cards, {"a": place_a, "b": place_b, "room_b": room_b}, surplus


def result_of(stocktake, asset) -> str:
    return StocktakeLine.objects.get(stocktake=stocktake, asset=asset).result


def adjustments_of(stocktake, asset) -> dict[str, StocktakeAdjustment]:
    return {a.kind: a for a in StocktakeAdjustment.objects.filter(stocktake=stocktake, asset=asset)}


def test_each_case_gets_its_result(counted):
    """Reconciliation: found, missing, misplaced (another room of the plan, and a card from outside
    the scope), batch short and over, damaged; a card found elsewhere and damaged is 位置不符."""
    world, stocktake, cards, places, _ = counted
    stocktake = reconcile(world, stocktake)
    assert stocktake.status == StocktakeStatus.RECONCILED
    assert result_of(stocktake, cards["found"]) == LineResult.FOUND
    assert result_of(stocktake, cards["missing"]) == LineResult.MISSING
    assert result_of(stocktake, cards["moved"]) == LineResult.MISPLACED
    assert result_of(stocktake, cards["outside"]) == LineResult.MISPLACED
    assert result_of(stocktake, cards["short"]) == LineResult.SHORT
    assert result_of(stocktake, cards["over"]) == LineResult.OVER
    assert result_of(stocktake, cards["damaged"]) == LineResult.DAMAGED
    assert result_of(stocktake, cards["moved_damaged"]) == LineResult.MISPLACED
    assert result_of(stocktake, cards["gone"]) == LineResult.MISSING
    outside_line = StocktakeLine.objects.get(stocktake=stocktake, asset=cards["outside"])
    assert outside_line.expected is False and outside_line.found_in == places["a"]


def test_each_difference_proposes_its_adjustment(counted):
    """Adjustments: 盘亏核销 (minus the book value), 调整存放地点 to where it was found, 调整数量 at the
    unit price, 送修, 盘盈入账; a card misplaced and damaged gets a transfer and a repair."""
    world, stocktake, cards, places, surplus = counted
    stocktake = reconcile(world, stocktake)
    missing = adjustments_of(stocktake, cards["missing"])
    assert set(missing) == {AdjustmentKind.WRITE_OFF}
    assert missing[AdjustmentKind.WRITE_OFF].amount == Decimal("-2500.00")
    moved = adjustments_of(stocktake, cards["moved"])
    assert (
        set(moved) == {AdjustmentKind.TRANSFER} and moved[AdjustmentKind.TRANSFER].to_location == world.room
    )
    assert set(adjustments_of(stocktake, cards["outside"])) == {AdjustmentKind.TRANSFER}
    short = adjustments_of(stocktake, cards["short"])[AdjustmentKind.QUANTITY]
    assert (short.new_quantity, short.amount) == (8, Decimal("-200.00"))
    over = adjustments_of(stocktake, cards["over"])[AdjustmentKind.QUANTITY]
    assert (over.new_quantity, over.amount) == (7, Decimal("200.00"))
    assert set(adjustments_of(stocktake, cards["damaged"])) == {AdjustmentKind.REPAIR}
    assert set(adjustments_of(stocktake, cards["moved_damaged"])) == {
        AdjustmentKind.TRANSFER,
        AdjustmentKind.REPAIR,
    }
    assert adjustments_of(stocktake, cards["found"]) == {}
    new_card = StocktakeAdjustment.objects.get(stocktake=stocktake, surplus=surplus)
    assert new_card.kind == AdjustmentKind.NEW_CARD
    assert (new_card.amount, new_card.to_location) == (Decimal("800.00"), places["room_b"])


def test_a_card_disposed_since_the_snapshot_gets_no_adjustment(counted):
    """The snapshot is what the books said that day: a card disposed of since then is 盘亏 in the
    report but nothing is left to write off."""
    world, stocktake, cards, _, _ = counted
    stocktake = reconcile(world, stocktake)
    assert result_of(stocktake, cards["gone"]) == LineResult.MISSING
    assert not StocktakeAdjustment.objects.filter(stocktake=stocktake, asset=cards["gone"]).exists()


def test_summary_by_result_and_category(counted):
    """A summary by category and value: counts and book values per result, 盘盈 with its estimate."""
    world, stocktake, _cards, _, _ = counted
    stocktake = reconcile(world, stocktake)
    results = stocktake.summary["results"]
    uncounted = stocktake.lines.filter(expected=True, counted_at__isnull=True)
    assert results[LineResult.MISSING]["count"] == uncounted.count() >= 2
    assert Decimal(results[LineResult.MISSING]["value"]) == sum(line.book_value for line in uncounted)
    assert results[LineResult.MISPLACED]["count"] == 3
    assert stocktake.summary["surplus"] == {"count": 1, "quantity": 1, "value": "800.00"}
    by_category = {row["category"]: row for row in stocktake.summary["categories"]}
    furniture = AssetCategory.objects.get(school=world.school, code="601").name
    assert by_category[furniture]["expected"] >= 2
    assert sum(row["missing"] for row in by_category.values()) == uncounted.count()
    assert stocktake.reconcile_done == stocktake.reconcile_total > 0


def test_reopen_drops_the_proposals_and_counting_goes_on(counted):
    """重新盘点: the proposals are dropped, results go back to pending, and a found card counts."""
    world, stocktake, cards, places, _ = counted
    stocktake = reconcile(world, stocktake)
    assert stocktake.adjustments.exists()
    stocktake = services.stocktake_reopen_counting(actor=member(world, "asset_clerk"), stocktake=stocktake)
    assert stocktake.status == StocktakeStatus.COUNTING and stocktake.summary == {}
    assert not stocktake.adjustments.exists()
    assert not stocktake.lines.exclude(result=LineResult.PENDING).exists()
    services.stocktake_count(actor=member(world, "asset_clerk"), place=places["a"], code="T-MISS")
    stocktake = reconcile(world, stocktake)
    assert result_of(stocktake, cards["missing"]) == LineResult.FOUND


@pytest.mark.parametrize("role", ["teacher", "principal", "finance"])
def test_close_is_refused_to_those_who_do_not_run_stocktakes(counted, role):
    """Only the asset clerk and the logistics director end a count (permissions.py)."""
    world, stocktake, *_ = counted
    with pytest.raises(PermissionDenied):
        services.stocktake_close_counting(actor=member(world, role), stocktake=stocktake)
    assert Stocktake.objects.get(pk=stocktake.pk).status == StocktakeStatus.COUNTING


def test_close_and_reopen_on_the_wrong_status_are_refused(counted):
    """STOCKTAKE_TRANSITIONS: a reconciled plan cannot be closed again, a counting one not reopened."""
    world, stocktake, *_ = counted
    clerk = member(world, "asset_clerk")
    with pytest.raises(ValidationError):
        services.stocktake_reopen_counting(actor=clerk, stocktake=stocktake)
    stocktake = reconcile(world, stocktake)
    with pytest.raises(ValidationError):
        services.stocktake_close_counting(actor=clerk, stocktake=stocktake)


def test_a_scan_after_the_close_is_refused(counted):
    """结束盘点: no more counting; the scan is told the count is closed."""
    world, stocktake, _cards, places, _ = counted
    clerk = member(world, "asset_clerk")
    services.stocktake_close_counting(actor=clerk, stocktake=stocktake)
    with pytest.raises(ValidationError) as exc:
        services.stocktake_count(actor=clerk, place=places["a"], code="T-MISS")
    assert exc.value.code == "not_counting" or "not_counting" in str(exc.value.error_list[0].code)


def test_the_task_reconciles_after_the_commit(counted, settings, django_capture_on_commit_callbacks):
    """Reconciliation runs as a task queued on commit (run_reconcile), with its progress recorded."""
    settings.TASKS = IMMEDIATE
    world, stocktake, *_ = counted
    with django_capture_on_commit_callbacks(execute=True):
        services.stocktake_close_counting(actor=member(world, "asset_clerk"), stocktake=stocktake)
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.RECONCILED
    assert stocktake.reconcile_percent == 100 and stocktake.reconcile_error == ""


def test_a_failed_task_returns_the_plan_to_counting_with_the_error(
    counted, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """A failing reconciliation is shown on the plan page and the plan can be closed again."""
    from houqin.stocktake.services import reconcile as module

    settings.TASKS = IMMEDIATE
    world, stocktake, *_ = counted

    def boom(stocktake):
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(module, "_summary", boom)
    with django_capture_on_commit_callbacks(execute=True):
        services.stocktake_close_counting(actor=member(world, "asset_clerk"), stocktake=stocktake)
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.COUNTING
    assert "数据库连接中断" in stocktake.reconcile_error
    assert not stocktake.adjustments.exists()
    assert not stocktake.lines.exclude(result=LineResult.PENDING).exists()


def _plan_with(world, n: int, tag: str):
    location = room(world, f"批量{tag}")
    category = AssetCategory.objects.get(school=world.school, code="301")
    Asset.objects.bulk_create(
        [
            Asset(
                school=world.school,
                code=f"Q{tag}-{i:04d}",
                name=f"椅子{i}",
                category=category,
                quantity=1,
                unit="把",
                unit_price=Decimal("50.00"),
                total_value=Decimal("50.00"),
                acquired_on=dt.date(2022, 9, 1),
                location=location,
                status=AssetStatus.IN_USE,
            )
            for i in range(n)
        ]
    )
    stocktake = plan(world, scope_location=location)
    place = stocktake.locations.get()
    clerk = member(world, "asset_clerk")
    for i in range(0, n, 3):  # a third found, one in ten of them damaged
        services.stocktake_count(
            actor=clerk, place=place, code=f"Q{tag}-{i:04d}", condition="damaged" if i % 10 == 0 else "good"
        )
    services.stocktake_close_counting(actor=clerk, stocktake=stocktake)
    return stocktake


def test_reconcile_query_count_does_not_grow_with_lines(school_a):
    """Performance: one pass in a constant number of statements (30 lines vs 300)."""
    small = _plan_with(school_a, 30, "s")
    big = _plan_with(school_a, 300, "b")
    with CaptureQueriesContext(connection) as few:
        services.stocktake_reconcile(stocktake=small)
    with CaptureQueriesContext(connection) as many:
        services.stocktake_reconcile(stocktake=big)

    def statements(ctx, *, inserts: bool) -> int:
        return sum(1 for q in ctx.captured_queries if q["sql"].startswith("INSERT") == inserts)

    assert statements(many, inserts=False) == statements(few, inserts=False)
    # bulk inserts: one per batch (SQLite caps the parameters of one statement; PostgreSQL: one)
    assert statements(many, inserts=True) <= statements(few, inserts=True) + 4
    assert Stocktake.objects.get(pk=big.pk).summary["results"][LineResult.MISSING]["count"] == 200
