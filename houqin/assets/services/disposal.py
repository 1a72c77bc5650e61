"""Disposal (处置: 报废、报损、调拨、出售、捐赠、置换) through an approval policy by value.

DOMAIN.md "Assets": "Disposal needs approval by value; disposed assets stay in the books with their
history." The loop::

    asset_disposal_create / _update   the clerk lists the cards (草稿), original and net value today
    asset_disposal_submit             → 审批中: approval "asset_disposal", amount = original value
        approved                      → 已批准，已处置: every card 已处置 (disposed_on today); it
                                        leaves the active ledger (``Asset.objects.active()``) but
                                        keeps its card and timeline
        returned / withdrawn          → back for changes, submit again (a new approval round)
        rejected                      → final

A card is in at most one open disposal (草稿、审批中、退回修改、已撤回) at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.numbering import next_number
from houqin.core.services import validate
from houqin.org.models import Membership, School

from ..choices import (
    DISPOSAL_EDITABLE,
    DISPOSAL_TRANSITIONS,
    AssetStatus,
    DisposalKind,
    DisposalStatus,
    LoanStatus,
)
from ..models import Asset, AssetDisposal, AssetDisposalItem, AssetLoan
from .categories import asset_net_value, category_rules

__all__ = [
    "DISPOSAL_COLLECTIVE_FROM",
    "DISPOSAL_DOCUMENT",
    "DISPOSAL_OPEN",
    "asset_disposal_cancel",
    "asset_disposal_create",
    "asset_disposal_on_decision",
    "asset_disposal_submit",
    "asset_disposal_update",
    "asset_write_off",
]

DISPOSAL_DOCUMENT = "asset_disposal"
# DOMAIN.md "Procurement and finance": a collective decision record (三重一大) from 50,000 yuan.
DISPOSAL_COLLECTIVE_FROM = Decimal("50000.00")
DISPOSAL_OPEN = frozenset(
    s
    for s in DisposalStatus.values
    if s not in {DisposalStatus.APPROVED, DisposalStatus.REJECTED, DisposalStatus.CANCELLED}
)
# 调拨、出售、捐赠、置换 go to somebody: the receiving unit or buyer is named.
NEEDS_COUNTERPARTY = frozenset(
    {DisposalKind.TRANSFER_OUT, DisposalKind.SALE, DisposalKind.DONATION, DisposalKind.EXCHANGE}
)
CENT = Decimal("0.01")
FIELDS = ["kind", "reason", "counterparty", "proceeds"]


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock(disposal: AssetDisposal) -> AssetDisposal:
    return AssetDisposal.objects.select_for_update().get(pk=disposal.pk)


def _check_fields(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    """Clean kind, reason, counterparty and proceeds; problems go into ``errors``."""
    kind = data.get("kind")
    if kind not in DisposalKind.values:
        errors["kind"] = [_("请选择处置方式。")]
    reason = (data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = [_("请填写处置理由。")]
    counterparty = (data.get("counterparty") or "").strip()
    if kind in NEEDS_COUNTERPARTY and not counterparty:
        errors["counterparty"] = [
            _("%(kind)s须填写接收单位或买受人。") % {"kind": DisposalKind(kind).label},
        ]
    proceeds = data.get("proceeds")
    if proceeds in ("",):
        proceeds = None
    if proceeds is not None:
        try:
            proceeds = Decimal(str(proceeds)).quantize(CENT)
        except (InvalidOperation, ValueError):
            errors["proceeds"] = [_("处置收入应为数字。")]
            proceeds = None
        else:
            if proceeds < 0:
                errors["proceeds"] = [_("处置收入不能为负数。")]
    return {"kind": kind, "reason": reason, "counterparty": counterparty, "proceeds": proceeds}


def _lock_assets(
    school: School, assets: Iterable[Asset], *, disposal: AssetDisposal | None, errors: dict
) -> list[Asset]:
    """Lock the cards (in id order, so two disposals never deadlock) and check each one: this
    school's, not disposed, not in another open disposal."""
    assets = list(assets or [])
    if not assets:
        errors["assets"] = [_("请至少选择一项资产。")]
        return []
    if any(a.school_id != school.pk for a in assets):
        errors["assets"] = [_("资产不属于本校。")]
        return []
    ids = sorted({a.pk for a in assets})
    locked = list(Asset.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    problems = [
        _("“%(asset)s”已处置，不能再处置。") % {"asset": a}
        for a in locked
        if a.status == AssetStatus.DISPOSED
    ]
    busy = (
        AssetDisposalItem.objects.filter(asset_id__in=ids, disposal__status__in=DISPOSAL_OPEN)
        .select_related("disposal", "asset")
        .order_by("asset_id")
    )
    if disposal is not None:
        busy = busy.exclude(disposal=disposal)
    problems += [
        _("“%(asset)s”借出未还，归还后才能处置。") % {"asset": loan.asset}
        for loan in AssetLoan.objects.filter(asset_id__in=ids, status=LoanStatus.OUT)
        .select_related("asset")
        .order_by("asset_id")
    ]
    problems += [
        _("“%(asset)s”已在处置单 %(number)s 中。") % {"asset": item.asset, "number": item.disposal.number}
        for item in busy
    ]
    if problems:
        errors["assets"] = problems
    return locked


def _write_items(disposal: AssetDisposal, assets: list[Asset]) -> None:
    """Replace the items: original value and net value today of each card, and the totals."""
    rules = category_rules(disposal.school)
    disposal.items.all().delete()
    items = [
        AssetDisposalItem(
            disposal=disposal,
            asset=asset,
            total_value=asset.total_value,
            net_value=asset_net_value(asset, rules=rules.get(asset.category_id)),
        )
        for asset in assets
    ]
    AssetDisposalItem.objects.bulk_create(items)
    disposal.total_value = sum((i.total_value for i in items), Decimal("0.00")).quantize(CENT)
    disposal.net_value = sum((i.net_value for i in items), Decimal("0.00")).quantize(CENT)


def _codes(assets: Iterable[Asset]) -> list[str]:
    return [a.code for a in assets]


@transaction.atomic
def asset_disposal_create(
    *,
    actor,
    school: School,
    kind: str,
    reason: str,
    assets: Iterable[Asset],
    counterparty: str = "",
    proceeds: Decimal | None = None,
    requested_by=None,
) -> AssetDisposal:
    """A disposal draft (草稿) of active cards of this school; submit it for approval next.

    ``requested_by`` defaults to the actor (a system write, ``actor=None``, names the requester).
    """
    if actor is not None and not actor.has_perm("assets.add_assetdisposal"):
        raise PermissionDenied(_("没有申请资产处置的权限。"))
    requester = requested_by or _user(actor)
    if requester is None:
        raise ValidationError(_("处置申请需要申请人。"))
    errors: dict[str, list] = {}
    data = _check_fields(
        {"kind": kind, "reason": reason, "counterparty": counterparty, "proceeds": proceeds}, errors
    )
    locked = _lock_assets(school, assets, disposal=None, errors=errors)
    if errors:
        raise ValidationError(errors)
    disposal = AssetDisposal(
        school=school,
        number=next_number(school=school, key="assets.assetdisposal", prefix="CZ"),
        status=DisposalStatus.DRAFT,
        requested_by=requester,
        created_by=_user(actor),
        updated_by=_user(actor),
        **data,
    )
    validate(disposal)
    disposal.save()
    _write_items(disposal, locked)
    disposal.save(update_fields=["total_value", "net_value"])
    audit.record(
        actor=actor,
        verb="created",
        target=disposal,
        changes={
            "kind": [None, disposal.kind],
            "reason": [None, disposal.reason],
            "assets": [None, _codes(locked)],
            "total_value": [None, str(disposal.total_value)],
            "net_value": [None, str(disposal.net_value)],
        },
    )
    return disposal


def _may_edit(actor, disposal: AssetDisposal) -> bool:
    if actor is None or actor.has_perm("assets.change_assetdisposal"):
        return True
    return disposal.requested_by_id == actor.pk and actor.has_perm("assets.add_assetdisposal")


@transaction.atomic
def asset_disposal_update(*, actor, disposal: AssetDisposal, data: dict[str, Any]) -> AssetDisposal:
    """Change a draft, or a disposal back for changes: fields and (``data["assets"]``) the cards."""
    disposal = _lock(disposal)
    if not _may_edit(actor, disposal):
        raise PermissionDenied(_("没有修改这份处置单的权限。"))
    if disposal.status not in DISPOSAL_EDITABLE:
        raise ValidationError(_("审批中或已办结的处置单不能修改。"))
    errors: dict[str, list] = {}
    merged = {f: data.get(f, getattr(disposal, f)) for f in FIELDS}
    cleaned = _check_fields(merged, errors)
    locked = None
    if "assets" in data:
        locked = _lock_assets(disposal.school, data["assets"], disposal=disposal, errors=errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(disposal, [*FIELDS, "total_value", "net_value"])
    old_codes = list(disposal.items.order_by("asset_id").values_list("asset__code", flat=True))
    for name, value in cleaned.items():
        setattr(disposal, name, value)
    if locked is not None:
        _write_items(disposal, locked)
    changes = audit.diff(disposal, before, [*FIELDS, "total_value", "net_value"])
    if locked is not None and _codes(locked) != old_codes:
        changes["assets"] = [old_codes, _codes(locked)]
    if not changes:
        return disposal
    disposal.updated_by = _user(actor)
    validate(disposal)
    disposal.save()
    audit.record(actor=actor, verb="updated", target=disposal, changes=changes)
    return disposal


@transaction.atomic
def asset_disposal_cancel(*, actor, disposal: AssetDisposal, reason: str) -> AssetDisposal:
    """作废: a disposal that will not go ahead (a draft, or one back for changes) is voided with a
    reason, so its cards are free for another disposal; the record stays (no deletes)."""
    disposal = _lock(disposal)
    if actor is None or not _may_edit(actor, disposal):
        raise PermissionDenied(_("没有作废这份处置单的权限。"))
    if DisposalStatus.CANCELLED not in DISPOSAL_TRANSITIONS[disposal.status]:
        raise ValidationError(
            _("这份处置单%(status)s，不能作废。") % {"status": DisposalStatus(disposal.status).label}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写作废原因。")]})
    old = disposal.status
    disposal.status = DisposalStatus.CANCELLED
    disposal.updated_by = _user(actor)
    disposal.save(update_fields=["status", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="updated",
        target=disposal,
        changes={"status": [old, disposal.status], "reason": [None, reason]},
    )
    return disposal


def _department_of(school: School, user):
    membership = Membership.objects.for_school(school).filter(user=user).select_related("department").first()
    return membership.department if membership else None


@transaction.atomic
def asset_disposal_submit(*, actor, disposal: AssetDisposal) -> AssetDisposal:
    """Submit for approval (审批中): the cards are checked again and their net value taken today;
    the approval's amount is the original value, so the policy's depth follows it (the collective
    decision step from 50,000 yuan)."""
    from houqin.approvals.services import approval_submit

    disposal = _lock(disposal)
    if actor is None or not _may_edit(actor, disposal):
        raise PermissionDenied(_("没有提交这份处置单的权限。"))
    if DisposalStatus.SUBMITTED not in DISPOSAL_TRANSITIONS[disposal.status]:
        raise ValidationError(
            _("这份处置单%(status)s，不能提交。") % {"status": DisposalStatus(disposal.status).label}
        )
    errors: dict[str, list] = {}
    assets = [item.asset for item in disposal.items.select_related("asset")]
    locked = _lock_assets(disposal.school, assets, disposal=disposal, errors=errors)
    if errors:
        raise ValidationError(errors)
    _write_items(disposal, locked)
    old = disposal.status
    disposal.status = DisposalStatus.SUBMITTED
    disposal.submitted_at = timezone.now()
    disposal.updated_by = _user(actor)
    disposal.save()
    audit.record(
        actor=actor,
        verb="updated",
        target=disposal,
        changes={"status": [old, disposal.status], "net_value": [None, str(disposal.net_value)]},
    )
    audit.record_many(
        actor=actor,
        verb="disposal_submitted",
        targets=locked,
        school=disposal.school,
        changes=lambda a: {"disposal": [None, disposal.number]},
    )
    approval_submit(
        actor=actor,
        school=disposal.school,
        target=disposal,
        document_type=DISPOSAL_DOCUMENT,
        title=_("资产处置（%(kind)s）：%(count)d 项，原值 ¥%(value)s（%(number)s）")
        % {
            "kind": DisposalKind(disposal.kind).label,
            "count": len(locked),
            "value": disposal.total_value,
            "number": disposal.number,
        },
        amount=disposal.total_value,
        department=_department_of(disposal.school, actor),
    )
    return disposal


def _carry_out(disposal: AssetDisposal, *, actor, old: str | None, changes: dict | None = None) -> None:
    """An approved disposal (status already set) takes effect: every card becomes 已处置 with
    today's date and an AuditEvent "disposed"; bookings of the cards are cancelled. ``changes``
    are added to the events on the cards and on the disposal."""
    today = timezone.localdate()
    ids = list(disposal.items.values_list("asset_id", flat=True))
    assets = list(Asset.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    already = [a for a in assets if a.status == AssetStatus.DISPOSED]
    if already:
        raise ValidationError(_("“%(asset)s”已被其他处置单处置，请退回修改。") % {"asset": already[0]})
    old_status = {a.pk: a.status for a in assets}
    Asset.objects.filter(pk__in=ids).update(
        status=AssetStatus.DISPOSED, disposed_on=today, updated_by=_user(actor), updated_at=timezone.now()
    )
    audit.record_many(
        actor=actor,
        verb="disposed",
        targets=assets,
        school=disposal.school,
        changes=lambda a: {
            "status": [old_status[a.pk], AssetStatus.DISPOSED],
            "disposal": [None, disposal.number],
            "disposal_kind": [None, str(DisposalKind(disposal.kind).label)],
            **(changes or {}),
        },
    )
    # bookings of a disposed card can never be lent: cancel them and tell the borrowers
    from .loans import asset_loan_cancel

    for loan in AssetLoan.objects.filter(asset_id__in=ids, status=LoanStatus.RESERVED).order_by("pk"):
        asset_loan_cancel(actor=None, loan=loan, reason=_("资产已处置，预约自动取消。"))
    disposal.disposed_on = today
    disposal.save(update_fields=["status", "disposed_on", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="disposed",
        target=disposal,
        changes={
            "status": [old, disposal.status],
            "disposed_on": [None, today.isoformat()],
            "assets": [None, _codes(assets)],
            **(changes or {}),
        },
    )


def asset_disposal_on_decision(approval, outcome: str) -> None:
    """The approval finished (called by the approvals services inside their transaction).

    Approved: every card becomes 已处置 with today's date and an AuditEvent "disposed"; it leaves
    the active ledger but keeps its card and history. Rejected (final), returned or withdrawn (back
    for changes): the disposal says so and the cards stay as they are.
    """
    from houqin.approvals.choices import Outcome

    disposal = _lock(approval.target)
    new = {
        Outcome.APPROVED: DisposalStatus.APPROVED,
        Outcome.REJECTED: DisposalStatus.REJECTED,
        Outcome.RETURNED: DisposalStatus.RETURNED,
        Outcome.WITHDRAWN: DisposalStatus.WITHDRAWN,
    }[outcome]
    if new not in DISPOSAL_TRANSITIONS[disposal.status]:
        raise ValidationError(_("处置单状态已变化，请刷新后再试。"))
    actor = approval.decided_by
    old = disposal.status
    disposal.status = new
    disposal.updated_by = _user(actor)
    if new != DisposalStatus.APPROVED:
        disposal.save(update_fields=["status", "updated_by", "updated_at"])
        audit.record(actor=actor, verb="updated", target=disposal, changes={"status": [old, new]})
        approval.target = disposal
        return
    _carry_out(disposal, actor=actor, old=old)
    approval.target = disposal


@transaction.atomic
def asset_write_off(
    *, actor, school: School, assets: Iterable[Asset], reason: str, reference: str, requested_by=None
) -> AssetDisposal:
    """报损 already approved elsewhere (a stocktake's adjustments, 盘亏核销): one loss disposal
    (DisposalKind.LOSS) of the cards, 已批准，已处置 at once; the cards are disposed as by an
    approved disposal (status, date, history, bookings cancelled) and keep their card and history.

    ``reference`` is the number of the approved document (the stocktake plan), recorded on the
    disposal and on each card. ``actor=None`` is a system write authorised by that document's
    approval; ``requested_by`` then names the requester (default: the actor).
    """
    if actor is not None and not actor.has_perm("assets.add_assetdisposal"):
        raise PermissionDenied(_("没有申请资产处置的权限。"))
    requester = requested_by or _user(actor)
    if requester is None:
        raise ValidationError(_("处置申请需要申请人。"))
    reference = (reference or "").strip()
    errors: dict[str, list] = {}
    data = _check_fields({"kind": DisposalKind.LOSS, "reason": reason}, errors)
    locked = _lock_assets(school, assets, disposal=None, errors=errors)
    if errors:
        raise ValidationError(errors)
    disposal = AssetDisposal(
        school=school,
        number=next_number(school=school, key="assets.assetdisposal", prefix="CZ"),
        status=DisposalStatus.APPROVED,
        requested_by=requester,
        submitted_at=timezone.now(),
        created_by=_user(actor),
        updated_by=_user(actor),
        **data,
    )
    validate(disposal)
    disposal.save()
    _write_items(disposal, locked)
    disposal.save(update_fields=["total_value", "net_value"])
    audit.record(
        actor=actor,
        verb="created",
        target=disposal,
        changes={
            "kind": [None, disposal.kind],
            "reason": [None, disposal.reason],
            "assets": [None, _codes(locked)],
            "total_value": [None, str(disposal.total_value)],
            "net_value": [None, str(disposal.net_value)],
            "reference": [None, reference],
        },
    )
    _carry_out(disposal, actor=actor, old=None, changes={"reference": [None, reference]})
    return disposal
