"""Adjustments through approval. Issue 5: "proposed adjustments (transfers, new cards, write-offs,
repairs) go through the stocktake-adjustment approval policy before the books change; once approved
the ledger is updated through the Assets services and the plan is closed and locked"; DOMAIN.md
"Stocktake": "surplus and loss go through approval before the books change (帐物相符)"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from houqin.approvals.choices import ApprovalStatus
from houqin.assets import services as asset_services
from houqin.assets.choices import AcquisitionWay, AssetStatus, DamageCause, DamageStatus, DisposalKind
from houqin.assets.models import Asset, AssetDamage, AssetDisposal
from houqin.core.models import AuditEvent
from houqin.stocktake import services
from houqin.stocktake.choices import StocktakeStatus
from houqin.stocktake.models import StocktakeAdjustment

from .helpers import approval_of, decide, events, fresh, member, plan, reconcile
from .test_adjustments_helpers import (
    adjustment,
    approve_all,
    card,
    category,
    counted,
    ready,
    submit,
)

pytestmark = pytest.mark.django_db


def test_nothing_to_adjust_closes_the_plan_at_once(school_a):
    """帐物相符: every card found where the books say → 结账 without an approval."""
    world = school_a
    stocktake = plan(world)
    clerk = member(world, "asset_clerk")
    for line in stocktake.lines.select_related("asset", "place"):
        services.stocktake_count(actor=clerk, place=line.place, code=line.asset.code)
    stocktake = reconcile(world, stocktake)
    assert not stocktake.adjustments.exists()
    services.stocktake_submit(actor=clerk, stocktake=stocktake)
    stocktake = fresh(stocktake)
    assert stocktake.status == StocktakeStatus.CLOSED
    assert stocktake.closed_at is not None
    assert events(stocktake, "stocktake_closed").get().changes["result"] == [None, "帐物相符"]
    assert not AuditEvent.objects.filter(verb="approval_submitted", target_id=str(stocktake.pk)).exists()


def test_submit_asks_the_stocktake_adjustment_approval_for_the_losses(school_a):
    """The approval's amount is the losses: the write-off ¥1200 + the batch 10 → 8 at ¥50 = ¥1300;
    the default policy is 总务主任审核 → 校长审批."""
    world = school_a
    case = counted(world)
    ready(world, case)
    stocktake, approval = submit(world, case.stocktake)
    assert stocktake.status == StocktakeStatus.SUBMITTED
    assert stocktake.submitted_at is not None
    assert approval.amount == Decimal("1300.00")
    assert approval.requester == world.user("asset_clerk")
    assert [s.name for s in approval.steps.order_by("order")] == ["总务主任审核", "校长审批"]
    assert events(stocktake, "adjustments_submitted").get().changes["loss_amount"] == [None, "1300.00"]
    # while the approval runs nothing in the plan changes
    with pytest.raises(ValidationError):
        services.stocktake_adjustment_update(
            actor=member(world, "asset_clerk"), adjustment=adjustment(case, "transfer"), include=False
        )


def test_every_problem_is_reported_at_once_and_nothing_is_submitted(school_a):
    """Bad input gets a clear error: a card disposed of between the reconciliation and the submit and
    a new card with no category, both in one answer."""
    world = school_a
    case = counted(world)
    disposal = asset_services.asset_disposal_create(
        actor=member(world, "asset_clerk"),
        school=world.school,
        kind=DisposalKind.SCRAP,
        reason="报废",
        assets=[case.damaged],
    )
    asset_services.asset_disposal_submit(actor=member(world, "asset_clerk"), disposal=disposal)
    approve_all(world, approval_of(disposal, "asset_disposal"))
    assert fresh(case.damaged).status == AssetStatus.DISPOSED
    with pytest.raises(ValidationError) as exc:
        services.stocktake_submit(actor=member(world, "asset_clerk"), stocktake=case.stocktake)
    text = " ".join(exc.value.messages)
    assert "J-DMG" in text and "已处置" in text
    assert "无卡书柜" in text and "资产分类" in text
    assert fresh(case.stocktake).status == StocktakeStatus.RECONCILED
    # leaving the disposed card out and choosing the category lets it through
    services.stocktake_adjustment_update(
        actor=member(world, "asset_clerk"), adjustment=adjustment(case, "repair"), include=False
    )
    ready(world, case)
    stocktake, _ = submit(world, case.stocktake)
    assert stocktake.status == StocktakeStatus.SUBMITTED


def test_approved_adjustments_update_the_ledger_through_the_assets_services(school_a):
    """Once approved: 盘亏 → disposed through a 报损 disposal with history; misplaced → the card's
    place; batch short → its quantity; damaged → a natural-wear damage report sent to repair;
    盘盈 → a new card (取得方式 盘盈) in the ledger; the plan is closed."""
    world = school_a
    case = counted(world)
    ready(world, case)
    stocktake, approval = submit(world, case.stocktake)
    approval = approve_all(world, approval)
    assert approval.status == ApprovalStatus.APPROVED
    stocktake = fresh(stocktake)
    assert stocktake.status == StocktakeStatus.CLOSED and stocktake.closed_at is not None
    applied = {a.kind: a for a in stocktake.adjustments.all()}
    assert all(a.applied_at is not None for a in applied.values())

    missing = fresh(case.missing)
    disposal = AssetDisposal.objects.get(number=applied["write_off"].reference)
    assert missing.status == AssetStatus.DISPOSED and missing.disposed_on is not None
    assert disposal.kind == DisposalKind.LOSS and disposal.status == "approved"
    assert list(disposal.items.values_list("asset__code", flat=True)) == ["J-MISS"]
    assert disposal.requested_by == world.user("asset_clerk")
    assert events(missing, "disposed").get().changes["disposal"] == [None, disposal.number]
    assert Asset.objects.for_school(world.school).filter(pk=missing.pk).exists()  # stays in the books

    moved = fresh(case.moved)
    assert moved.location == world.room and applied["transfer"].reference == "J-MOVED"
    assert events(moved, "updated").last().changes["location"][1] == str(world.room)
    assert events(moved, "stocktake_adjusted").get().actor == world.user("principal")

    assert fresh(case.batch).quantity == 8
    assert fresh(case.batch).total_value == Decimal("400.00")

    damage = AssetDamage.objects.get(number=applied["repair"].reference)
    assert damage.asset == case.damaged and damage.cause == DamageCause.NATURAL
    assert damage.status == DamageStatus.REPAIR and damage.description == "屏幕裂了"
    assert damage.reported_by == world.user("asset_clerk")  # who counted it
    assert fresh(case.damaged).status == AssetStatus.UNDER_REPAIR

    new = Asset.objects.for_school(world.school).active().get(code=applied["new_card"].reference)
    assert new.acquisition_way == AcquisitionWay.STOCKTAKE_SURPLUS
    assert (new.name, new.quantity, new.unit, new.category) == ("无卡书柜", 2, "个", category(world))
    assert new.location == world.room and new.source == stocktake.number
    assert new.unit_price == Decimal("300.00") and new.total_value == Decimal("600.00")
    assert fresh(case.surplus).asset == new

    event = events(stocktake, "adjusted").get()
    assert event.actor == world.user("principal")
    assert event.changes["status"] == [StocktakeStatus.SUBMITTED, StocktakeStatus.CLOSED]


def test_adjustments_left_out_are_not_applied(school_a):
    """``include``: the office may leave a proposal out; it is neither counted in the amount nor
    applied (the missing card stays in the books as it was)."""
    world = school_a
    case = counted(world)
    ready(world, case)
    clerk = member(world, "asset_clerk")
    services.stocktake_adjustment_update(actor=clerk, adjustment=adjustment(case, "write_off"), include=False)
    services.stocktake_adjustment_update(actor=clerk, adjustment=adjustment(case, "transfer"), include=False)
    stocktake, approval = submit(world, case.stocktake)
    assert approval.amount == Decimal("100.00")
    approve_all(world, approval)
    assert fresh(case.missing).status != AssetStatus.DISPOSED
    assert fresh(case.moved).location == case.room_b
    left_out = fresh(adjustment(case, "write_off"))
    assert left_out.applied_at is None and left_out.reference == ""
    assert fresh(case.batch).quantity == 8
    assert fresh(stocktake).status == StocktakeStatus.CLOSED


def test_returned_goes_back_to_the_adjustments_and_can_be_submitted_again(school_a):
    """Returned (or withdrawn, rejected) → 待处理差异: editable again; submitting starts a new round."""
    world = school_a
    case = counted(world)
    ready(world, case)
    stocktake, approval = submit(world, case.stocktake)
    decide(world, approval, "logistics_director", "return", comment="书柜估值偏高，请核实")
    stocktake = fresh(stocktake)
    assert stocktake.status == StocktakeStatus.RECONCILED
    assert fresh(case.missing).status != AssetStatus.DISPOSED  # the books did not change
    services.stocktake_adjustment_update(
        actor=member(world, "asset_clerk"), adjustment=adjustment(case, "quantity"), new_quantity=9
    )
    assert fresh(adjustment(case, "quantity")).amount == Decimal("-50.00")
    stocktake, approval = submit(world, stocktake)
    assert approval.round == 2 and approval.amount == Decimal("1250.00")
    decide(world, approval, "logistics_director", "reject", comment="不同意")
    assert fresh(stocktake).status == StocktakeStatus.RECONCILED


def test_after_closing_nothing_in_the_plan_changes(school_a):
    """Closed and locked: no change to an adjustment, no count, no reopening, no second submit."""
    world = school_a
    case = counted(world)
    ready(world, case)
    stocktake, approval = submit(world, case.stocktake)
    approve_all(world, approval)
    stocktake = fresh(stocktake)
    clerk = member(world, "asset_clerk")
    with pytest.raises(ValidationError):
        services.stocktake_adjustment_update(
            actor=clerk, adjustment=adjustment(case, "quantity"), new_quantity=9
        )
    with pytest.raises(ValidationError):
        services.stocktake_count(actor=clerk, place=stocktake.locations.first(), code=world.asset.code)
    with pytest.raises(ValidationError):
        services.stocktake_reopen_counting(actor=clerk, stocktake=stocktake)
    with pytest.raises(ValidationError):
        services.stocktake_submit(actor=clerk, stocktake=stocktake)
    assert fresh(adjustment(case, "quantity")).new_quantity == 8


def test_editing_a_proposal_checks_its_values(school_a, school_b):
    """Quantity at least 1 (its amount follows), the place and category of this school only, each
    value only on the kind it belongs to; every change is on the plan's timeline."""
    world = school_a
    case = counted(world)
    clerk = member(world, "asset_clerk")
    with pytest.raises(ValidationError) as exc:
        services.stocktake_adjustment_update(
            actor=clerk, adjustment=adjustment(case, "quantity"), new_quantity=0
        )
    assert "new_quantity" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.stocktake_adjustment_update(
            actor=clerk, adjustment=adjustment(case, "transfer"), to_location=school_b.room
        )
    assert "to_location" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.stocktake_adjustment_update(
            actor=clerk, adjustment=adjustment(case, "new_card"), category=category(school_b)
        )
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.stocktake_adjustment_update(
            actor=clerk, adjustment=adjustment(case, "repair"), new_quantity=3
        )
    services.stocktake_adjustment_update(
        actor=clerk, adjustment=adjustment(case, "transfer"), to_location=case.room_b, note="放回原处"
    )
    transfer = fresh(adjustment(case, "transfer"))
    assert (transfer.to_location, transfer.note) == (case.room_b, "放回原处")
    ready(world, case)
    assert fresh(case.surplus).category == category(world)
    changed = events(case.stocktake, "adjustment_changed")
    assert changed.count() == 2
    assert changed.order_by("pk").first().changes["note"] == ["", "放回原处"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("asset_clerk", True),
        ("logistics_director", True),
        ("principal", False),
        ("finance", False),
        ("teacher", False),
    ],
)
def test_who_may_adjust_and_submit(school_a, role, allowed):
    """Those who run stocktakes (stocktake.change_stocktake) adjust and submit; readers and counters
    do not (permissions.py)."""
    world = school_a
    stocktake = world.stocktake  # the sample plan, reconciled, with a surplus proposal
    proposal = stocktake.adjustments.order_by("pk").first()
    actor = member(world, role)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.stocktake_adjustment_update(actor=actor, adjustment=proposal, include=False)
        with pytest.raises(PermissionDenied):
            services.stocktake_submit(actor=actor, stocktake=stocktake)
        assert fresh(stocktake).status == StocktakeStatus.RECONCILED
        return
    for each in stocktake.adjustments.all():
        services.stocktake_adjustment_update(actor=actor, adjustment=each, include=False)
    services.stocktake_submit(actor=actor, stocktake=stocktake)
    assert fresh(stocktake).status == StocktakeStatus.CLOSED  # nothing left included


def test_a_card_disposed_during_the_approval_stops_it_with_the_reason(school_a):
    """The approver is told what went wrong and nothing is half applied (one transaction)."""
    world = school_a
    case = counted(world)
    ready(world, case)
    stocktake, approval = submit(world, case.stocktake)
    decide(world, approval, "logistics_director")
    asset_services.asset_write_off(
        actor=None,
        school=world.school,
        assets=[case.moved],
        reason="另行报损",
        reference="TEST",
        requested_by=world.user("asset_clerk"),
    )
    with pytest.raises(ValidationError) as exc:
        decide(world, approval, "principal")
    assert "J-MOVED" in " ".join(exc.value.messages)
    assert fresh(stocktake).status == StocktakeStatus.SUBMITTED
    assert fresh(case.missing).status != AssetStatus.DISPOSED
    assert not StocktakeAdjustment.objects.filter(stocktake=stocktake, applied_at__isnull=False).exists()


def test_write_off_records_an_approved_loss_disposal(school_a):
    """asset_write_off: one 报损 disposal, 已批准，已处置, items valued today; refuses a disposed card."""
    world = school_a
    a = card(world, "W-1", location=world.room, price="800.00")
    b = card(world, "W-2", location=world.room, price="200.00")
    disposal = asset_services.asset_write_off(
        actor=member(world, "asset_clerk"),
        school=world.school,
        assets=[a, b],
        reason="盘亏",
        reference="PD-X",
    )
    assert (disposal.kind, disposal.status) == (DisposalKind.LOSS, "approved")
    assert disposal.total_value == Decimal("1000.00") and disposal.disposed_on is not None
    assert all(fresh(x).status == AssetStatus.DISPOSED for x in (a, b))
    assert events(a, "disposed").get().changes["reference"] == [None, "PD-X"]
    with pytest.raises(ValidationError):
        asset_services.asset_write_off(
            actor=None,
            school=world.school,
            assets=[a],
            reason="盘亏",
            reference="PD-Y",
            requested_by=world.user("asset_clerk"),
        )
    with pytest.raises(PermissionDenied):
        asset_services.asset_write_off(
            actor=member(world, "teacher"), school=world.school, assets=[b], reason="x", reference="y"
        )
