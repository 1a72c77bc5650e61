"""Borrowing (借用), reservations (预约) and the availability of bookable equipment.

The loop (issue 4, "借还手续"; DOMAIN.md, Assets: "borrowing and return with records"):

    reserved (已预约) ──lend──▶ out (借出中) ──return──▶ returned (已归还)
        └──cancel──▶ cancelled (已取消)

* Any staff member books a bookable asset (camera, projector, sports gear) for themselves; the
  asset clerk (``assets.change_assetloan``) books for anyone and any asset, lends (check-out with the
  condition out), takes it back (condition in) and lends at the counter without a booking.
* No double booking: a card holds ``quantity`` identical items; at every moment of a requested
  period the items booked or out plus the request must not exceed it. The asset row is locked
  (``select_for_update``) while this is checked, so two bookings of the last item at the same moment
  cannot both pass. A loan still out after its due time keeps its items busy until returned.
* Utilisation (物尽其用): every booking and loan counts (``asset_loan_counts``); lending and
  returning mark the card used (``asset_mark_used``) for the idle-equipment report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.models import AuditEvent
from houqin.core.numbering import next_number
from houqin.core.permissions import membership_permissions
from houqin.core.services import validate
from houqin.org.models import Membership, School

from ..choices import LOAN_OPEN, LOAN_TRANSITIONS, AssetStatus, Condition, LoanStatus
from ..models import Asset, AssetLoan
from .cards import asset_mark_used

__all__ = [
    "MAX_LOAN_DAYS",
    "LoanAction",
    "LoanAvailability",
    "LoanCalendarDay",
    "asset_loan_available_actions",
    "asset_loan_busy",
    "asset_loan_cancel",
    "asset_loan_counts",
    "asset_loan_create_and_lend",
    "asset_loan_free_quantity",
    "asset_loan_lend",
    "asset_loan_month",
    "asset_loan_release_no_shows",
    "asset_loan_reserve",
    "asset_loan_return",
    "asset_loan_today",
    "loan_may_manage",
]

# A booking longer than this is a transfer to the person, not a loan (one school term).
MAX_LOAN_DAYS = 120
# A form filled in over a few minutes may name a start that has just passed.
PAST_GRACE = dt.timedelta(minutes=10)
# Assets in these states cannot be booked or lent (disposed: out of the books; damaged / under
# repair: not usable until repaired).
NOT_LENDABLE = frozenset({AssetStatus.DISPOSED, AssetStatus.DAMAGED, AssetStatus.UNDER_REPAIR})
# Conditions an item cannot go out in.
NOT_LENDABLE_CONDITIONS = frozenset({Condition.DAMAGED, Condition.MISSING})
NUMBER_KEY = "assets.assetloan"
NUMBER_PREFIX = "JY"


class LoanAction:
    LEND = "lend"
    RETURN = "return"
    CANCEL = "cancel"


# --- who may do what ------------------------------------------------------------------------------


def _permissions(actor, school: School) -> frozenset[str]:
    """The actor's permissions in ``school``: from the request's context when it is that school
    (pages, API), else from the actor's membership there (scheduler, shell, tests)."""
    context = getattr(actor, "school_context", None)
    if context is not None and context.school is not None and context.school.pk == school.pk:
        return frozenset() if context.read_only else frozenset(context.permissions)
    membership = Membership.objects.for_school(school).filter(user=actor, is_active=True).first()
    return membership_permissions(membership) if membership else frozenset()


def loan_may_manage(actor, school: School) -> bool:
    """The asset clerk (or whoever holds ``assets.change_assetloan``): books for others, books any
    asset, lends and takes back. ``actor=None`` is the system (samples, imports)."""
    return actor is None or "assets.change_assetloan" in _permissions(actor, school)


def _is_staff(user, school: School) -> bool:
    return Membership.objects.for_school(school).active().filter(user=user).exists()


# --- periods and availability ---------------------------------------------------------------------


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _effective_end(loan: AssetLoan, now: dt.datetime) -> dt.datetime:
    """A loan still out after its due time keeps its items until they come back."""
    if loan.status == LoanStatus.OUT and loan.due_at < now:
        return now + PAST_GRACE
    return loan.due_at


def _busy_queryset(asset: Asset, starts_at: dt.datetime, due_at: dt.datetime, now: dt.datetime):
    """Open loans of ``asset`` that hold items at some moment of [starts_at, due_at)."""
    overlapping = Q(due_at__gt=starts_at)
    if starts_at < now + PAST_GRACE:
        overlapping |= Q(status=LoanStatus.OUT)  # overdue, not back yet
    return AssetLoan.objects.filter(asset_id=asset.pk).open().filter(overlapping, starts_at__lt=due_at)


def _periods(loans: Iterable[AssetLoan], now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """(start, end, items) of each loan: returned loans until they came back, overdue ones until now."""
    periods = []
    for loan in loans:
        if loan.status == LoanStatus.RETURNED and loan.returned_at is not None:
            end = loan.returned_at
        else:
            end = _effective_end(loan, now)
        periods.append((loan.starts_at, end, loan.quantity))
    return periods


def _load_range(
    periods: Iterable[tuple[dt.datetime, dt.datetime, int]], starts_at: dt.datetime, due_at: dt.datetime
) -> tuple[int, int]:
    """(lowest, highest) number of items held at any moment of [starts_at, due_at)."""
    events: list[tuple[dt.datetime, int]] = []
    for begin, end, quantity in periods:
        begin, end = max(begin, starts_at), min(end, due_at)
        if begin < end:
            events.append((begin, quantity))
            events.append((end, -quantity))
    # periods are half-open: at the same instant, an end comes before a start
    events.sort(key=lambda e: (e[0], e[1]))
    load = peak = 0
    lowest: int | None = None
    cursor = starts_at
    for moment, change in events:
        if moment > cursor:
            lowest = load if lowest is None else min(lowest, load)
            cursor = moment
        load += change
        peak = max(peak, load)
    if cursor < due_at:
        lowest = load if lowest is None else min(lowest, load)
    return lowest or 0, peak


def asset_loan_busy(asset: Asset, starts_at: dt.datetime, due_at: dt.datetime) -> list[AssetLoan]:
    """Open bookings and loans of ``asset`` during [starts_at, due_at), with their borrowers."""
    now = timezone.now()
    return list(
        _busy_queryset(asset, starts_at, due_at, now).select_related("borrower").order_by("starts_at", "pk")
    )


def asset_loan_free_quantity(
    asset: Asset, starts_at: dt.datetime, due_at: dt.datetime, *, exclude: AssetLoan | None = None
) -> int:
    """How many items of the card are free during the whole of [starts_at, due_at)."""
    now = timezone.now()
    qs = _busy_queryset(asset, starts_at, due_at, now)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    _lowest, peak = _load_range(_periods(qs, now), starts_at, due_at)
    return max(0, asset.quantity - peak)


def _describe(loans: list[AssetLoan]) -> str:
    fmt = "%m-%d %H:%M"
    parts = [
        _("%(number)s %(borrower)s %(start)s–%(end)s")
        % {
            "number": loan.number,
            "borrower": loan.borrower,
            "start": timezone.localtime(loan.starts_at).strftime(fmt),
            "end": timezone.localtime(loan.due_at).strftime(fmt),
        }
        for loan in loans[:3]
    ]
    return "；".join(parts)


def _check_capacity(
    asset: Asset,
    starts_at: dt.datetime,
    due_at: dt.datetime,
    quantity: int,
    *,
    exclude: AssetLoan | None = None,
    field: str = "starts_at",
) -> None:
    """No double booking: at no moment may bookings and loans plus ``quantity`` exceed the card."""
    now = timezone.now()
    qs = _busy_queryset(asset, starts_at, due_at, now).select_related("borrower").order_by("starts_at")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    loans = list(qs)
    _lowest, peak = _load_range(_periods(loans, now), starts_at, due_at)
    if peak + quantity <= asset.quantity:
        return
    free = max(0, asset.quantity - peak)
    if asset.quantity == 1:
        message = _("这段时间已被预约或借出：%(loans)s。请换一个时段。") % {"loans": _describe(loans)}
    else:
        message = _("这段时间最多只剩 %(free)s %(unit)s可借（共 %(total)s %(unit)s）：%(loans)s。") % {
            "free": free,
            "total": asset.quantity,
            "unit": asset.unit,
            "loans": _describe(loans),
        }
    raise ValidationError({field: [message]})


# --- notifications --------------------------------------------------------------------------------


def _notify_later(*, loan: AssetLoan, recipients, title: str, actor=None) -> None:
    recipients = [u for u in recipients if u is not None and u != actor]
    if not recipients:
        return
    school, url = loan.school, loan.get_absolute_url()

    def send():
        from houqin.notify.services import notify

        notify(
            school=school,
            recipients=recipients,
            kind="assets.loan",
            title=title,
            url=url,
            actor=actor,
            target=loan,
        )

    transaction.on_commit(send)


# --- state changes --------------------------------------------------------------------------------


def _lock(loan: AssetLoan) -> tuple[AssetLoan, Asset]:
    """Lock the card first, then the loan (every loan service locks in this order: no deadlock)."""
    asset = Asset.objects.select_for_update().get(pk=loan.asset_id)
    loan = AssetLoan.objects.select_for_update().select_related("borrower", "school").get(pk=loan.pk)
    loan.asset = asset
    return loan, asset


def _check_transition(loan: AssetLoan, target: str) -> None:
    if target not in LOAN_TRANSITIONS.get(loan.status, set()):
        raise ValidationError(
            _("这张借用单当前为“%(status)s”，不能%(action)s。")
            % {
                "status": LoanStatus(loan.status).label,
                "action": {
                    LoanStatus.OUT: _("借出"),
                    LoanStatus.RETURNED: _("归还"),
                    LoanStatus.CANCELLED: _("取消"),
                }.get(target, target),
            }
        )


def _check_asset_usable(asset: Asset, field: str = "asset") -> None:
    if asset.status in NOT_LENDABLE:
        raise ValidationError(
            {
                field: [
                    _("“%(asset)s”当前为“%(status)s”，不能预约或借出。")
                    % {"asset": asset.name, "status": AssetStatus(asset.status).label}
                ]
            }
        )


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _reserve(
    *,
    actor,
    school: School,
    asset: Asset,
    starts_at: dt.datetime,
    due_at: dt.datetime,
    quantity: int,
    purpose: str,
    borrower,
    note: str = "",
    direct: bool = False,
) -> AssetLoan:
    borrower = borrower or actor
    perms = frozenset() if actor is None else _permissions(actor, school)
    manager = actor is None or "assets.change_assetloan" in perms
    if actor is not None and "assets.add_assetloan" not in perms:
        raise PermissionDenied(_("没有借用或预约资产的权限。"))
    if borrower is None:
        raise ValidationError({"borrower": [_("请选择借用人。")]})
    if borrower != actor and not manager:
        raise PermissionDenied(_("只能为自己预约；为他人登记借用请找资产管理员。"))
    if asset.school_id != school.pk:
        raise ValidationError({"asset": [_("资产不属于本校。")]})
    errors: dict[str, list] = {}
    if not _is_staff(borrower, school):
        errors["borrower"] = [_("借用人必须是本校在职教职工。")]
    starts_at, due_at = _aware(starts_at), _aware(due_at)
    now = timezone.now()
    if due_at <= starts_at:
        errors["due_at"] = [_("应还时间必须晚于借用开始时间。")]
    elif due_at - starts_at > dt.timedelta(days=MAX_LOAN_DAYS):
        errors["due_at"] = [_("一次借用最长 %(days)s 天，更长的请办理调配。") % {"days": MAX_LOAN_DAYS}]
    if starts_at < now - PAST_GRACE:
        errors["starts_at"] = [_("借用开始时间不能早于现在。")]
    quantity = quantity or 0
    if quantity < 1:
        errors["quantity"] = [_("数量至少为 1。")]

    asset = Asset.objects.select_for_update().get(pk=asset.pk)  # serialises bookings of this card
    try:
        _check_asset_usable(asset)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if not asset.is_bookable and not manager:
        errors.setdefault("asset", []).append(_("这件资产不开放预约，请联系资产管理员借用。"))
    if quantity > asset.quantity:
        errors["quantity"] = [
            _("这张卡片只有 %(total)s %(unit)s。") % {"total": asset.quantity, "unit": asset.unit}
        ]
    if errors:
        raise ValidationError(errors)
    duplicate = (
        AssetLoan.objects.filter(asset=asset, borrower=borrower, starts_at=starts_at, due_at=due_at)
        .open()
        .first()
    )
    if duplicate is not None:  # a double click or a second tab
        raise ValidationError(
            _("%(borrower)s 已经预约了这个时段（%(number)s）。")
            % {"borrower": borrower, "number": duplicate.number}
        )
    _check_capacity(asset, starts_at, due_at, quantity)

    loan = AssetLoan(
        school=school,
        number=next_number(school=school, key=NUMBER_KEY, prefix=NUMBER_PREFIX),
        asset=asset,
        borrower=borrower,
        quantity=quantity,
        purpose=(purpose or "").strip(),
        note=(note or "").strip(),
        starts_at=starts_at,
        due_at=due_at,
        status=LoanStatus.RESERVED,
    )
    if getattr(actor, "is_authenticated", False):
        loan.created_by = loan.updated_by = actor
    validate(loan)
    loan.save()
    changes = {
        "asset": [None, str(asset)],
        "borrower": [None, str(borrower)],
        "quantity": [None, quantity],
        "starts_at": [None, _local(starts_at)],
        "due_at": [None, _local(due_at)],
    }
    if loan.purpose:
        changes["purpose"] = [None, loan.purpose]
    audit.record(actor=actor, verb="created" if direct else "reserved", target=loan, changes=changes)
    if not direct:
        audit.record(
            actor=actor,
            verb="reserved",
            target=asset,
            changes={
                "loan": [None, loan.number],
                "borrower": [None, str(borrower)],
                "quantity": [None, quantity],
                "period": [None, f"{_local(starts_at)} – {_local(due_at)}"],
            },
        )
        _notify_later(
            loan=loan,
            recipients=[borrower],
            title=_("已为您预约“%(asset)s”：%(start)s 至 %(end)s")
            % {"asset": asset.name, "start": _local(starts_at), "end": _local(due_at)},
            actor=actor,
        )
    return loan


@transaction.atomic
def asset_loan_reserve(
    *,
    actor,
    school: School,
    asset: Asset,
    starts_at: dt.datetime,
    due_at: dt.datetime,
    quantity: int = 1,
    purpose: str = "",
    borrower=None,
    note: str = "",
) -> AssetLoan:
    """预约: book ``quantity`` items of ``asset`` for [starts_at, due_at).

    A staff member books a bookable asset for themselves; the asset clerk books for anyone, any
    asset. Refused: another school's asset or borrower, a disposed / damaged / under-repair card,
    a due time not after the start, a start in the past, a period over ``MAX_LOAN_DAYS``, and any
    moment where bookings and loans plus the request exceed the card's quantity (no double booking).
    """
    return _reserve(
        actor=actor,
        school=school,
        asset=asset,
        starts_at=starts_at,
        due_at=due_at,
        quantity=quantity,
        purpose=purpose,
        borrower=borrower,
        note=note,
    )


def _previous_status(asset: Asset) -> str:
    """The status a card had before its last "lent" made it borrowed (kept in that audit event)."""
    event = (
        AuditEvent.objects.for_target(asset)
        .filter(school_id=asset.school_id, verb="lent", changes__has_key="status")
        .order_by("-created_at", "-pk")
        .first()
    )
    old = event.changes["status"][0] if event else None
    return old if old in {AssetStatus.IN_USE, AssetStatus.IDLE} else AssetStatus.IN_USE


def _items_out(asset: Asset, *, exclude: AssetLoan | None = None) -> int:
    qs = AssetLoan.objects.filter(asset_id=asset.pk, status=LoanStatus.OUT)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return sum(qs.values_list("quantity", flat=True))


def _set_asset_status(asset: Asset, status: str, actor) -> list:
    old = asset.status
    if old == status:
        return []
    asset.status = status
    asset.updated_by = actor if getattr(actor, "is_authenticated", False) else asset.updated_by
    asset.save(update_fields=["status", "updated_by", "updated_at"])
    return [old, status]


@transaction.atomic
def asset_loan_lend(
    *, actor, loan: AssetLoan, condition_out: str = Condition.GOOD, note: str = ""
) -> AssetLoan:
    """借出: the asset clerk hands a booked item over and records its condition.

    The items must be physically here (not out on another loan); lent before the booked start, the
    loan starts now if that does not run into another booking. The card becomes "borrowed" when all
    its items are out, and is marked used for the utilisation report.
    """
    loan, asset = _lock(loan)
    if not loan_may_manage(actor, loan.school):
        raise PermissionDenied(_("只有资产管理员可以办理借出。"))
    _check_transition(loan, LoanStatus.OUT)
    _check_asset_usable(asset)
    errors: dict[str, list] = {}
    if condition_out not in Condition.values:
        errors["condition_out"] = [_("请选择借出时状况。")]
    elif condition_out in NOT_LENDABLE_CONDITIONS:
        errors["condition_out"] = [_("损坏或缺失的物品不能借出，请先报损或报修。")]
    now = timezone.now()
    if loan.due_at <= now:
        errors.setdefault("__all__", []).append(_("预约的时段已经过去，请取消后重新登记。"))
    if errors:
        raise ValidationError(errors)
    out = _items_out(asset, exclude=loan)
    if out + loan.quantity > asset.quantity:
        raise ValidationError(
            _("还有 %(out)s %(unit)s借出未还，现在无法借出 %(quantity)s %(unit)s。")
            % {"out": out, "unit": asset.unit, "quantity": loan.quantity}
        )
    changes: dict[str, list] = {
        "status": [loan.status, LoanStatus.OUT],
        "condition_out": [None, condition_out],
    }
    if now < loan.starts_at:  # lent early: the items leave now
        _check_capacity(asset, now, loan.starts_at, loan.quantity, exclude=loan, field="__all__")
        changes["starts_at"] = [_local(loan.starts_at), _local(now)]
        loan.starts_at = now
    loan.status = LoanStatus.OUT
    loan.lent_at = now
    loan.lent_by = actor if getattr(actor, "is_authenticated", False) else None
    loan.condition_out = condition_out
    if note:
        loan.note = note.strip()[:200]
        changes["note"] = [None, loan.note]
    loan.updated_by = actor if getattr(actor, "is_authenticated", False) else loan.updated_by
    loan.save()
    audit.record(actor=actor, verb="lent", target=loan, changes=changes)
    asset_changes: dict[str, list] = {
        "loan": [None, loan.number],
        "borrower": [None, str(loan.borrower)],
        "quantity": [None, loan.quantity],
        "due_at": [None, _local(loan.due_at)],
        "condition_out": [None, Condition(condition_out).label],
    }
    if out + loan.quantity >= asset.quantity and asset.status in {AssetStatus.IN_USE, AssetStatus.IDLE}:
        asset_changes["status"] = _set_asset_status(asset, AssetStatus.BORROWED, actor)
    audit.record(actor=actor, verb="lent", target=asset, changes=asset_changes)
    asset_mark_used(asset=asset)
    return loan


@transaction.atomic
def asset_loan_create_and_lend(
    *,
    actor,
    school: School,
    asset: Asset,
    borrower,
    due_at: dt.datetime,
    quantity: int = 1,
    purpose: str = "",
    condition_out: str = Condition.GOOD,
    note: str = "",
) -> AssetLoan:
    """At the counter: the asset clerk lends at once, without a booking (借用登记 + 借出)."""
    if not loan_may_manage(actor, school):
        raise PermissionDenied(_("只有资产管理员可以直接办理借出。"))
    if condition_out in NOT_LENDABLE_CONDITIONS:
        raise ValidationError({"condition_out": [_("损坏或缺失的物品不能借出，请先报损或报修。")]})
    loan = _reserve(
        actor=actor,
        school=school,
        asset=asset,
        starts_at=timezone.now(),
        due_at=due_at,
        quantity=quantity,
        purpose=purpose,
        borrower=borrower,
        direct=True,
    )
    return asset_loan_lend(actor=actor, loan=loan, condition_out=condition_out, note=note)


@transaction.atomic
def asset_loan_return(
    *, actor, loan: AssetLoan, condition_in: str = Condition.GOOD, note: str = ""
) -> AssetLoan:
    """归还: the asset clerk takes the items back and records their condition.

    A card that was "borrowed" goes back to the status it had before it was lent (in use or idle).
    Damaged or missing on return: the page offers to report the damage (谁损坏谁赔偿).
    """
    loan, asset = _lock(loan)
    if not loan_may_manage(actor, loan.school):
        raise PermissionDenied(_("只有资产管理员可以办理归还。"))
    _check_transition(loan, LoanStatus.RETURNED)
    if condition_in not in Condition.values:
        raise ValidationError({"condition_in": [_("请选择归还时状况。")]})
    now = timezone.now()
    changes: dict[str, list] = {
        "status": [loan.status, LoanStatus.RETURNED],
        "condition_in": [None, condition_in],
    }
    if loan.due_at < now:
        changes["overdue"] = [None, _("逾期 %(days)s 天") % {"days": max(1, (now - loan.due_at).days)}]
    loan.status = LoanStatus.RETURNED
    loan.returned_at = now
    loan.received_by = actor if getattr(actor, "is_authenticated", False) else None
    loan.condition_in = condition_in
    note = (note or "").strip()[:200]
    if note:
        loan.note = note
        changes["note"] = [None, note]
    loan.updated_by = actor if getattr(actor, "is_authenticated", False) else loan.updated_by
    loan.save()
    audit.record(actor=actor, verb="returned", target=loan, changes=changes)
    asset_changes: dict[str, list] = {
        "loan": [None, loan.number],
        "borrower": [None, str(loan.borrower)],
        "quantity": [None, loan.quantity],
        "condition_in": [None, Condition(condition_in).label],
    }
    if note:
        asset_changes["note"] = [None, note]
    if asset.status == AssetStatus.BORROWED:
        asset_changes["status"] = _set_asset_status(asset, _previous_status(asset), actor)
    audit.record(actor=actor, verb="returned", target=asset, changes=asset_changes)
    asset_mark_used(asset=asset)
    return loan


@transaction.atomic
def asset_loan_cancel(*, actor, loan: AssetLoan, reason: str = "") -> AssetLoan:
    """取消预约: the borrower or the asset clerk, while it is only booked."""
    loan, asset = _lock(loan)
    if actor is not None and actor != loan.borrower and not loan_may_manage(actor, loan.school):
        raise PermissionDenied(_("只有借用人或资产管理员可以取消预约。"))
    _check_transition(loan, LoanStatus.CANCELLED)
    reason = (reason or "").strip()[:200]
    changes: dict[str, list] = {"status": [loan.status, LoanStatus.CANCELLED]}
    if reason:
        changes["reason"] = [None, reason]
        loan.note = reason
    loan.status = LoanStatus.CANCELLED
    loan.updated_by = actor if getattr(actor, "is_authenticated", False) else loan.updated_by
    loan.save()
    audit.record(actor=actor, verb="loan_cancelled", target=loan, changes=changes)
    audit.record(
        actor=actor,
        verb="loan_cancelled",
        target=asset,
        changes={
            "loan": [None, loan.number],
            "borrower": [None, str(loan.borrower)],
            **({"reason": [None, reason]} if reason else {}),
        },
    )
    _notify_later(
        loan=loan,
        recipients=[loan.borrower],
        title=_("您对“%(asset)s”的预约（%(number)s）已被取消") % {"asset": asset.name, "number": loan.number},
        actor=actor,
    )
    return loan


def asset_loan_release_no_shows(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The scheduler's hourly job: bookings nobody picked up before their due time are cancelled
    (the items never went out), so they leave the clerk's to-do and free nothing twice. The
    borrower is told. Returns how many were cancelled."""
    now = now or timezone.now()
    loans = list(
        AssetLoan.objects.filter(status=LoanStatus.RESERVED, due_at__lt=now)
        .only("pk", "asset_id")
        .order_by("due_at")[:limit]
    )
    done = 0
    for loan in loans:
        try:
            asset_loan_cancel(actor=None, loan=loan, reason=_("到期未领取，自动取消。"))
        except ValidationError:  # lent or cancelled in the meantime
            continue
        done += 1
    return done


# --- reading --------------------------------------------------------------------------------------


def asset_loan_available_actions(loan: AssetLoan, user) -> list[str]:
    """The buttons ``user`` may press on ``loan`` now (the services check again)."""
    from .. import permissions

    actions = []
    if loan.status == LoanStatus.RESERVED and permissions.can_lend_loan(user, loan):
        actions.append(LoanAction.LEND)
    if loan.status == LoanStatus.OUT and permissions.can_lend_loan(user, loan):
        actions.append(LoanAction.RETURN)
    if loan.status == LoanStatus.RESERVED and permissions.can_cancel_loan(user, loan):
        actions.append(LoanAction.CANCEL)
    return actions


available_actions = asset_loan_available_actions


def asset_loan_counts(school: School, since: dt.date | dt.datetime | None = None) -> dict[int, int]:
    """Utilisation (物尽其用): ``{asset_id: number of bookings and loans}`` since ``since``, one query.

    Every booking and loan counts except cancelled ones (a cancelled booking was never used).
    """
    qs = AssetLoan.objects.for_school(school).exclude(status=LoanStatus.CANCELLED)
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        qs = qs.filter(starts_at__gte=since)
    return dict(qs.order_by().values("asset_id").annotate(n=Count("pk")).values_list("asset_id", "n"))


def _overlapping(starts_at: dt.datetime, due_at: dt.datetime, now: dt.datetime) -> Q:
    """Loans (not cancelled) holding items at some moment of [starts_at, due_at), returned ones
    until they came back."""
    holds = Q(status__in=LOAN_OPEN, due_at__gt=starts_at) | Q(
        status=LoanStatus.RETURNED, returned_at__gt=starts_at
    )
    if starts_at < now + PAST_GRACE:
        holds |= Q(status=LoanStatus.OUT)  # overdue, not back yet
    return Q(starts_at__lt=due_at) & holds


@dataclass(frozen=True)
class LoanAvailability:
    """What a bookable card looks like today: items held now, free now, and today's bookings."""

    asset: Asset
    held_now: int
    free_now: int
    today: list  # [(loan, start, end)] in local time


def asset_loan_today(assets: Iterable[Asset]) -> list[LoanAvailability]:
    """Today's availability of several cards (the bookable list), in one query."""
    assets = list(assets)
    now = timezone.now()
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = start + dt.timedelta(days=1)
    by_asset: dict[int, list[AssetLoan]] = {a.pk: [] for a in assets}
    if assets:
        loans = (
            AssetLoan.objects.filter(asset_id__in=list(by_asset), status__in=LOAN_OPEN)
            .filter(_overlapping(start, end, now))
            .select_related("borrower")
            .order_by("starts_at", "pk")
        )
        for loan in loans:
            by_asset[loan.asset_id].append(loan)
    rows = []
    for asset in assets:
        loans = by_asset[asset.pk]
        periods = _periods(loans, now)
        _low, held = _load_range(periods, now, now + dt.timedelta(seconds=1))
        rows.append(
            LoanAvailability(
                asset=asset,
                held_now=held,
                free_now=max(0, asset.quantity - held),
                today=[
                    (loan, timezone.localtime(b), timezone.localtime(e))
                    for loan, (b, e, _q) in zip(loans, periods, strict=True)
                ],
            )
        )
    return rows


@dataclass(frozen=True)
class LoanCalendarDay:
    day: dt.date
    state: str  # "free" | "partial" | "full"
    free: int  # items free the whole day
    entries: list  # [(loan, start, end)] in local time, clipped to the day
    is_past: bool
    is_today: bool


def asset_loan_month(asset: Asset, year: int, month: int) -> list[LoanCalendarDay]:
    """预约日历: each day of a month with the bookings and loans of ``asset`` (one query).

    A day is "full" when every item is taken all day long, "partial" when it has bookings but items
    are free at some time of it, "free" when nothing is booked. ``free`` counts the items free the
    whole day.
    """
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(following, dt.time.min))
    now = timezone.now()
    today = timezone.localdate()
    loans = list(
        AssetLoan.objects.filter(asset_id=asset.pk)
        .exclude(status=LoanStatus.CANCELLED)
        .filter(_overlapping(start, end, now))
        .select_related("borrower")
        .order_by("starts_at", "pk")
    )
    periods = _periods(loans, now)
    days = []
    day = first
    while day < following:
        day_start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        day_end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
        entries = [
            (loan, timezone.localtime(max(b, day_start)), timezone.localtime(min(e, day_end)))
            for loan, (b, e, _q) in zip(loans, periods, strict=True)
            if b < day_end and e > day_start
        ]
        lowest, peak = _load_range(periods, day_start, day_end)
        free = max(0, asset.quantity - peak)
        state = "free" if not entries else ("full" if lowest >= asset.quantity else "partial")
        days.append(
            LoanCalendarDay(
                day=day, state=state, free=free, entries=entries, is_past=day < today, is_today=day == today
            )
        )
        day += dt.timedelta(days=1)
    return days
