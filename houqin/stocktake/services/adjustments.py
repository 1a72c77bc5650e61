"""Adjustments (调账) after reconciliation: the differences go through approval before the books
change (DOMAIN.md "Stocktake": surplus and loss go through approval; 帐物相符).

    stocktake_adjustment_update      待处理差异: leave a proposal out or in, its note, the place of a
                                     transfer, the counted quantity, the category of a new card
    stocktake_submit                 nothing included → 已结账 (帐物相符) at once; otherwise every
                                     proposal is checked (all problems reported together) → 差异审批中,
                                     approval "stocktake_adjustment", amount = the losses
    stocktake_adjustment_on_decision approved → each included proposal is applied through the Assets
                                     services, the plan is 已结账 and locked; returned, withdrawn or
                                     rejected → back to 待处理差异

The approvers (the principal) need no asset permissions: the Assets services are called with
``actor=None`` (a system write authorised by the approval); the approver is named in the plan's
"adjusted" event and in a "stocktake_adjusted" event on every card the plan changed.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.assets.choices import AcquisitionWay, AssetStatus, DamageCause, LoanStatus
from houqin.assets.models import AssetCategory, AssetDisposalItem, AssetLoan
from houqin.core import audit
from houqin.org.models import Location, Membership

from ..choices import AdjustmentKind, StocktakeStatus
from ..models import Stocktake, StocktakeAdjustment, StocktakeSurplus
from .common import check_transition, lock, require_manager, user_or_none

__all__ = [
    "ADJUSTMENT_DOCUMENT",
    "stocktake_adjustment_on_decision",
    "stocktake_adjustment_problems",
    "stocktake_adjustment_totals",
    "stocktake_adjustment_update",
    "stocktake_loss_amount",
    "stocktake_submit",
]

ADJUSTMENT_DOCUMENT = "stocktake_adjustment"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# the order the approved proposals are applied in: the card's place and count first, then repairs,
# write-offs and the new cards
APPLY_ORDER = [
    AdjustmentKind.TRANSFER,
    AdjustmentKind.QUANTITY,
    AdjustmentKind.REPAIR,
    AdjustmentKind.WRITE_OFF,
    AdjustmentKind.NEW_CARD,
]


def _require_reconciled(stocktake: Stocktake) -> None:
    if stocktake.status != StocktakeStatus.RECONCILED:
        raise ValidationError(
            _("盘点“%(number)s”%(status)s，不能再修改差异调整。")
            % {"number": stocktake.number, "status": StocktakeStatus(stocktake.status).label},
            code="not_reconciled",
        )


def _included(stocktake: Stocktake):
    return (
        StocktakeAdjustment.objects.filter(stocktake=stocktake, include=True, applied_at__isnull=True)
        .select_related("asset", "asset__location", "surplus", "surplus__category", "line", "to_location")
        .order_by("kind", "pk")
    )


def _label(adjustment: StocktakeAdjustment) -> str:
    what = adjustment.asset or adjustment.surplus
    return f"{AdjustmentKind(adjustment.kind).label} · {what}"


# --- reading ----------------------------------------------------------------------------------------


def stocktake_adjustment_totals(stocktake: Stocktake, *, included_only: bool = False) -> list[dict]:
    """Per kind (in the kinds' order): ``kind``, ``label``, ``count``, ``included``, ``amount`` (sum
    of the included amounts). One aggregate query."""
    rows = (
        StocktakeAdjustment.objects.filter(stocktake=stocktake)
        .order_by()
        .values("kind")
        .annotate(
            count=Count("pk"),
            included=Count("pk", filter=Q(include=True)),
            amount=Coalesce(Sum("amount", filter=Q(include=True)), ZERO),
        )
    )
    by_kind = {row["kind"]: row for row in rows}
    out = []
    for kind in AdjustmentKind:
        row = by_kind.get(kind.value)
        if row is None or (included_only and not row["included"]):
            continue
        out.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "count": row["count"],
                "included": row["included"],
                "amount": Decimal(row["amount"]).quantize(CENT),
            }
        )
    return out


def stocktake_loss_amount(adjustments) -> Decimal:
    """The approval's amount: write-offs and quantity reductions, as a positive sum (盘亏金额)."""
    total = ZERO
    for adjustment in adjustments:
        if adjustment.kind in (AdjustmentKind.WRITE_OFF, AdjustmentKind.QUANTITY) and adjustment.amount < 0:
            total -= adjustment.amount
    return total.quantize(CENT)


def stocktake_adjustment_problems(adjustments) -> list[str]:
    """What stops these proposals from being applied today, every one of them (a few queries).

    A card disposed of since the reconciliation; a write-off of a card lent out or in an open
    disposal; a new card with no category; a transfer with no place; a quantity below 1.
    """
    from houqin.assets.services import DISPOSAL_OPEN

    adjustments = list(adjustments)
    problems: list[str] = []
    write_off_ids = [a.asset_id for a in adjustments if a.kind == AdjustmentKind.WRITE_OFF and a.asset_id]
    lent = set(
        AssetLoan.objects.filter(asset_id__in=write_off_ids, status=LoanStatus.OUT).values_list(
            "asset_id", flat=True
        )
    )
    busy = dict(
        AssetDisposalItem.objects.filter(asset_id__in=write_off_ids, disposal__status__in=DISPOSAL_OPEN)
        .order_by("pk")
        .values_list("asset_id", "disposal__number")
    )
    for a in adjustments:
        if a.kind == AdjustmentKind.NEW_CARD:
            if a.surplus is None or a.surplus.category_id is None:
                problems.append(
                    _("盘盈物品“%(name)s”还没有选择资产分类。")
                    % {"name": a.surplus.name if a.surplus else "—"}
                )
            continue
        if a.asset is None:
            continue
        if a.asset.status == AssetStatus.DISPOSED:
            problems.append(
                _("“%(asset)s”已处置，不能再%(kind)s，请不纳入调整。")
                % {"asset": a.asset, "kind": AdjustmentKind(a.kind).label}
            )
            continue
        if a.kind == AdjustmentKind.WRITE_OFF:
            if a.asset_id in lent:
                problems.append(_("“%(asset)s”借出未还，归还后才能盘亏核销。") % {"asset": a.asset})
            if a.asset_id in busy:
                problems.append(
                    _("“%(asset)s”已在处置单 %(number)s 中。")
                    % {"asset": a.asset, "number": busy[a.asset_id]}
                )
        elif a.kind == AdjustmentKind.TRANSFER and a.to_location_id is None:
            problems.append(_("“%(asset)s”请选择调整到的位置。") % {"asset": a.asset})
        elif a.kind == AdjustmentKind.QUANTITY and (a.new_quantity or 0) < 1:
            problems.append(
                _("“%(asset)s”调整后数量至少为 1；一件不剩请在盘点中登记为未找到（盘亏）。")
                % {"asset": a.asset}
            )
    return problems


# --- editing ----------------------------------------------------------------------------------------


def _clean_quantity(value, errors: dict) -> int | None:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        errors["new_quantity"] = [_("调整后数量应为整数。")]
        return None
    if quantity < 1:
        errors["new_quantity"] = [_("调整后数量至少为 1。")]
        return None
    return quantity


@transaction.atomic
def stocktake_adjustment_update(
    *,
    actor,
    adjustment: StocktakeAdjustment,
    include: bool | None = None,
    note: str | None = None,
    to_location: Location | None = None,
    new_quantity: int | None = None,
    category: AssetCategory | None = None,
) -> StocktakeAdjustment:
    """Change one proposal while the plan waits for its adjustments (待处理差异). Arguments left
    ``None`` stay as they are: ``include`` 纳入调整 or not; ``note``; ``to_location`` (a transfer
    or a new card's place); ``new_quantity`` (a quantity change, at least 1); ``category`` (the new
    card's category, kept on the surplus item)."""
    require_manager(actor, _("没有修改盘点调整的权限。"))
    stocktake = lock(adjustment.stocktake)
    _require_reconciled(stocktake)
    adjustment = (
        StocktakeAdjustment.objects.select_for_update(of=("self",))
        .select_related("asset", "surplus", "to_location")
        .get(pk=adjustment.pk, stocktake=stocktake)
    )
    school_id = stocktake.school_id
    errors: dict[str, list] = {}
    changes: dict[str, list] = {}
    kind = adjustment.kind
    if to_location is not None:
        if kind not in (AdjustmentKind.TRANSFER, AdjustmentKind.NEW_CARD):
            errors["to_location"] = [_("只有调整存放地点和盘盈入账可以选择位置。")]
        elif to_location.school_id != school_id:
            errors["to_location"] = [_("位置不属于本校。")]
        elif to_location.pk != adjustment.to_location_id:
            changes["to_location"] = [str(adjustment.to_location or ""), str(to_location)]
            adjustment.to_location = to_location
    if new_quantity is not None:
        if kind != AdjustmentKind.QUANTITY:
            errors["new_quantity"] = [_("只有调整数量可以修改数量。")]
        else:
            quantity = _clean_quantity(new_quantity, errors)
            if quantity is not None and quantity != adjustment.new_quantity:
                changes["new_quantity"] = [adjustment.new_quantity, quantity]
                adjustment.new_quantity = quantity
                price = adjustment.asset.unit_price or ZERO
                adjustment.amount = (price * (quantity - adjustment.asset.quantity)).quantize(CENT)
    surplus = None
    if category is not None:
        if kind != AdjustmentKind.NEW_CARD:
            errors["category"] = [_("只有盘盈入账需要选择资产分类。")]
        elif category.school_id != school_id:
            errors["category"] = [_("资产分类不属于本校。")]
        elif not category.is_active:
            errors["category"] = [_("资产分类“%(name)s”已停用。") % {"name": category.name}]
        else:
            surplus = StocktakeSurplus.objects.select_for_update().get(pk=adjustment.surplus_id)
            if surplus.category_id != category.pk:
                changes["category"] = [str(surplus.category or ""), str(category)]
                surplus.category = category
            else:
                surplus = None
    if note is not None:
        note = note.strip()
        if len(note) > 200:
            errors["note"] = [_("说明最多 200 字。")]
        elif note != adjustment.note:
            changes["note"] = [adjustment.note, note]
            adjustment.note = note
    if include is not None and bool(include) != adjustment.include:
        changes["include"] = [adjustment.include, bool(include)]
        adjustment.include = bool(include)
    if errors:
        raise ValidationError(errors)
    if not changes:
        return adjustment
    if surplus is not None:
        surplus.updated_by = user_or_none(actor)
        surplus.save(update_fields=["category", "updated_by", "updated_at"])
    adjustment.updated_by = user_or_none(actor)
    adjustment.save()
    audit.record(
        actor=actor,
        verb="adjustment_changed",
        target=stocktake,
        changes={"adjustment": [None, _label(adjustment)], **changes},
    )
    return adjustment


# --- submitting -------------------------------------------------------------------------------------


def _department_of(stocktake: Stocktake, user):
    membership = (
        Membership.objects.for_school(stocktake.school_id)
        .filter(user=user)
        .select_related("department")
        .first()
    )
    return membership.department if membership else None


@transaction.atomic
def stocktake_submit(*, actor, stocktake: Stocktake) -> Stocktake:
    """提交差异审批, or 结账 when nothing is to be adjusted (帐物相符).

    Every included proposal is checked first and every problem is reported at once. The approval's
    amount is the losses (write-offs and quantity reductions), so a policy may go deeper by value.
    """
    from houqin.approvals.services import approval_submit

    require_manager(actor, _("没有提交盘点差异的权限。"))
    stocktake = lock(stocktake)
    _require_reconciled(stocktake)
    adjustments = list(_included(stocktake))
    old = stocktake.status
    now = timezone.now()
    if not adjustments:
        check_transition(stocktake, StocktakeStatus.CLOSED)
        stocktake.status = StocktakeStatus.CLOSED
        stocktake.closed_at = now
        stocktake.updated_by = user_or_none(actor)
        stocktake.save()
        audit.record(
            actor=actor,
            verb="stocktake_closed",
            target=stocktake,
            changes={"status": [old, stocktake.status], "result": [None, _("帐物相符")]},
        )
        return stocktake
    check_transition(stocktake, StocktakeStatus.SUBMITTED)
    requester = user_or_none(actor)
    if requester is None:
        raise ValidationError(_("提交差异审批需要申请人。"))
    problems = stocktake_adjustment_problems(adjustments)
    if problems:
        raise ValidationError(problems)
    amount = stocktake_loss_amount(adjustments)
    stocktake.status = StocktakeStatus.SUBMITTED
    stocktake.submitted_at = now
    stocktake.updated_by = requester
    stocktake.save()
    counts: dict[str, int] = defaultdict(int)
    for a in adjustments:
        counts[a.kind] += 1
    audit.record(
        actor=actor,
        verb="adjustments_submitted",
        target=stocktake,
        changes={
            "status": [old, stocktake.status],
            "adjustments": [None, len(adjustments)],
            "loss_amount": [None, str(amount)],
        },
    )
    summary = "、".join(
        f"{AdjustmentKind(kind).label} {counts[kind]}" for kind in AdjustmentKind.values if counts.get(kind)
    )
    approval_submit(
        actor=requester,
        school=stocktake.school,
        target=stocktake,
        document_type=ADJUSTMENT_DOCUMENT,
        title=_("盘点差异调整：%(summary)s，盘亏 ¥%(amount)s（%(number)s）")
        % {"summary": summary, "amount": amount, "number": stocktake.number},
        amount=amount,
        department=_department_of(stocktake, requester),
    )
    return stocktake


# --- the decision -----------------------------------------------------------------------------------


def _move(adjustment: StocktakeAdjustment, stocktake: Stocktake, requester) -> str:
    from houqin.assets.services import asset_update

    return asset_update(actor=None, asset=adjustment.asset, data={"location": adjustment.to_location}).code


def _recount(adjustment: StocktakeAdjustment, stocktake: Stocktake, requester) -> str:
    from houqin.assets.services import asset_update

    return asset_update(actor=None, asset=adjustment.asset, data={"quantity": adjustment.new_quantity}).code


def _repair(adjustment: StocktakeAdjustment, stocktake: Stocktake, requester) -> str:
    """A damage report by whoever counted the card, judged natural wear: the card goes 维修中 and a
    repair is asked for (``asset_damage_assess`` sends it to repair)."""
    from houqin.assets.services import asset_damage_assess, asset_damage_report

    line = adjustment.line
    damage = asset_damage_report(
        actor=None,
        school=stocktake.school,
        asset=adjustment.asset,
        description=adjustment.note or _("盘点发现损坏（%(number)s）") % {"number": stocktake.number},
        reported_by=line.counted_by if line is not None and line.counted_by_id else requester,
    )
    return asset_damage_assess(actor=None, damage=damage, cause=DamageCause.NATURAL).number


def _register(adjustment: StocktakeAdjustment, stocktake: Stocktake, requester) -> str:
    """盘盈入账: a new card, 取得方式 盘盈, valued at the estimate, its source the plan's number."""
    from houqin.assets.services import asset_create

    surplus = adjustment.surplus
    unit_price = ((surplus.estimated_value or ZERO) / surplus.quantity).quantize(CENT)
    card = asset_create(
        actor=None,
        school=stocktake.school,
        verb="registered_from_stocktake",
        name=surplus.name,
        spec_model=surplus.spec_model,
        quantity=surplus.quantity,
        unit=surplus.unit,
        category=surplus.category,
        location=adjustment.to_location,
        unit_price=unit_price,
        acquired_on=timezone.localdate(),
        acquisition_way=AcquisitionWay.STOCKTAKE_SURPLUS,
        source=stocktake.number,
        note=surplus.note,
    )
    StocktakeSurplus.objects.filter(pk=surplus.pk).update(asset=card)
    adjustment.asset = card
    return card.code


APPLY = {
    AdjustmentKind.TRANSFER: _move,
    AdjustmentKind.QUANTITY: _recount,
    AdjustmentKind.REPAIR: _repair,
    AdjustmentKind.NEW_CARD: _register,
}


def _write_off(stocktake: Stocktake, items: list[StocktakeAdjustment], requester) -> str:
    """One 报损 disposal for every missing card (盘亏核销)."""
    from houqin.assets.services import asset_write_off

    return asset_write_off(
        actor=None,
        school=stocktake.school,
        assets=[a.asset for a in items],
        reason=_("盘点盘亏核销（%(number)s %(title)s）")
        % {"number": stocktake.number, "title": stocktake.title},
        reference=stocktake.number,
        requested_by=requester,
    ).number


def _apply(stocktake: Stocktake, adjustments: list[StocktakeAdjustment], *, requester) -> list[str]:
    """Apply each proposal through the Assets services (``actor=None``: authorised by the approval)
    and keep what it led to in ``reference``; returns every problem met (each proposal runs in a
    savepoint, so one problem does not hide the next; the caller keeps nothing if there is one)."""
    problems: list[str] = []
    by_kind: dict[str, list[StocktakeAdjustment]] = defaultdict(list)
    for a in adjustments:
        by_kind[a.kind].append(a)
    for kind in APPLY_ORDER:
        items = by_kind.get(kind, [])
        if kind == AdjustmentKind.WRITE_OFF and items:
            try:
                with transaction.atomic():
                    number = _write_off(stocktake, items, requester)
            except ValidationError as exc:
                problems.extend(f"{AdjustmentKind.WRITE_OFF.label}：{m}" for m in exc.messages)
            else:
                for a in items:
                    a.reference = number
            continue
        for a in items:
            try:
                with transaction.atomic():
                    a.reference = APPLY[kind](a, stocktake, requester)
            except ValidationError as exc:
                problems.extend(f"{_label(a)}：{m}" for m in exc.messages)
    return problems


def stocktake_adjustment_on_decision(approval, outcome: str) -> None:
    """The approval finished (the approvals services call this inside their transaction).

    Approved: every included proposal is applied through the Assets services — a transfer or a
    quantity change on the card (``asset_update``), one 报损 disposal for the missing cards
    (``asset_write_off``), a natural-wear damage report sent to repair for a damaged card, a new
    card (取得方式 盘盈) for a surplus item — each proposal keeps the card code, disposal number or
    damage number it led to; the plan is 已结账 and nothing in it changes again. A problem met on
    the way (a card disposed meanwhile) stops the whole approval with every problem listed.
    Returned, withdrawn or rejected: back to 待处理差异, where the proposals can be changed.
    """
    from houqin.approvals.choices import Outcome

    stocktake = lock(approval.target)
    actor = approval.decided_by
    old = stocktake.status
    if outcome != Outcome.APPROVED:
        if old != StocktakeStatus.SUBMITTED:
            raise ValidationError(_("盘点状态已变化，请刷新后再试。"))
        stocktake.status = StocktakeStatus.RECONCILED
        stocktake.updated_by = user_or_none(actor)
        stocktake.save(update_fields=["status", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            verb="updated",
            target=stocktake,
            changes={"status": [old, stocktake.status], "approval": [None, str(Outcome(outcome).label)]},
        )
        approval.target = stocktake
        return
    if old != StocktakeStatus.SUBMITTED:
        raise ValidationError(_("盘点状态已变化，请刷新后再试。"))
    check_transition(stocktake, StocktakeStatus.CLOSED)
    adjustments = list(_included(stocktake).select_related("line__counted_by"))
    problems = _apply(stocktake, adjustments, requester=approval.requester)
    if problems:
        raise ValidationError([_("调账未完成，请退回修改："), *problems])
    now = timezone.now()
    for a in adjustments:
        a.applied_at = now
    StocktakeAdjustment.objects.bulk_update(adjustments, ["applied_at", "reference", "asset"], batch_size=500)
    # each card the plan changed says so on its own timeline, with the approver
    cards: dict[int, object] = {}
    kinds_of: dict[int, list[str]] = defaultdict(list)
    for a in adjustments:
        if a.asset is not None and a.kind != AdjustmentKind.NEW_CARD:
            cards.setdefault(a.asset.pk, a.asset)
            kinds_of[a.asset.pk].append(str(AdjustmentKind(a.kind).label))
    audit.record_many(
        actor=actor,
        verb="stocktake_adjusted",
        targets=list(cards.values()),
        school=stocktake.school,
        changes=lambda c: {
            "stocktake": [None, stocktake.number],
            "adjustment": [None, "、".join(kinds_of[c.pk])],
        },
    )
    counts: dict[str, int] = defaultdict(int)
    for a in adjustments:
        counts[a.kind] += 1
    disposal = next((a.reference for a in adjustments if a.kind == AdjustmentKind.WRITE_OFF), None)
    stocktake.status = StocktakeStatus.CLOSED
    stocktake.closed_at = now
    stocktake.updated_by = user_or_none(actor)
    stocktake.save(update_fields=["status", "closed_at", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="adjusted",
        target=stocktake,
        changes={
            "status": [old, stocktake.status],
            **{f"adjust_{kind}": [None, counts[kind]] for kind in AdjustmentKind.values if counts.get(kind)},
            "disposal": [None, disposal],
        },
    )
    approval.target = stocktake
