"""调配: assets move to another place, department or custodian once the receiver confirms.

Issue 4: "Allocation and transfer (调配) between locations, departments and custodians, with the
receiving custodian's confirmation"; "a concurrent double transfer cannot leave an asset in two
places". So:

* creating a transfer locks the asset rows (``select_for_update``, in pk order so two requests never
  deadlock) and refuses an asset that is already in a pending transfer, naming it;
* confirming locks the transfer and the assets again and checks that each asset is still where the
  line says it was (another transfer or an edit may have moved it), else "资产已被调配，请刷新";
* only the receiving custodian confirms or refuses; the creator (or whoever may change transfers,
  the logistics director and the asset clerk) cancels a pending one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.numbering import next_number
from houqin.core.services import model_create
from houqin.org.models import Department, Location, Membership, School

from ..choices import TRANSFER_TRANSITIONS, AssetStatus, TransferStatus
from ..models import Asset, AssetTransfer, AssetTransferItem

__all__ = [
    "asset_transfer_cancel",
    "asset_transfer_confirm",
    "asset_transfer_create",
    "asset_transfer_reject",
    "transfer_available_actions",
]

NOTIFY_KIND = "assets.transfer"
MOVED_FIELDS = ("location", "department", "custodian")


# --- reads used by pages, the API and the to-do list ---------------------------------------------


def pending_transfer_of(asset: Asset) -> AssetTransfer | None:
    """The pending transfer an asset is waiting in, if any (one query)."""
    return (
        AssetTransfer.objects.filter(
            school_id=asset.school_id, status=TransferStatus.PENDING, items__asset=asset
        )
        .order_by("pk")
        .first()
    )


def transfers_waiting_for(user, school):
    """待我确认的调配: pending transfers whose receiving custodian is ``user``."""
    return AssetTransfer.objects.for_school(school).filter(to_custodian=user, status=TransferStatus.PENDING)


# --- helpers -----------------------------------------------------------------------------------------


def _is_system(actor) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def _check_transition(transfer: AssetTransfer, new: str) -> None:
    if new not in TRANSFER_TRANSITIONS.get(transfer.status, set()):
        raise ValidationError(
            _("调配单 %(number)s %(status)s，不能再操作。")
            % {"number": transfer.number, "status": TransferStatus(transfer.status).label}
        )


def _lock(transfer: AssetTransfer) -> AssetTransfer:
    return AssetTransfer.objects.select_for_update(of=("self",)).select_related("school").get(pk=transfer.pk)


def _lock_assets(school: School, ids: Iterable[int]) -> list[Asset]:
    """Lock this school's asset rows in pk order: two transfers of overlapping assets queue, never
    deadlock."""
    return list(
        Asset.objects.select_for_update(of=("self",))
        .filter(school=school, pk__in=sorted(set(ids)))
        .select_related("location", "department", "custodian")
        .order_by("pk")
    )


def _notify_later(*, transfer: AssetTransfer, recipients, title: str, actor=None) -> None:
    recipients = [u for u in recipients if u is not None]
    if not recipients:
        return
    school, url = transfer.school, transfer.get_absolute_url()

    def send():
        from houqin.notify.services import notify

        notify(
            school=school,
            recipients=recipients,
            kind=NOTIFY_KIND,
            title=title,
            url=url,
            actor=actor,
            target=transfer,
        )

    transaction.on_commit(send)


# --- create ------------------------------------------------------------------------------------------


@transaction.atomic
def asset_transfer_create(
    *,
    actor,
    school: School,
    assets: Iterable[Asset],
    to_custodian,
    to_location: Location | None = None,
    to_department: Department | None = None,
    reason: str = "",
) -> AssetTransfer:
    """调配: move ``assets`` to ``to_custodian`` (and a place / department; None keeps the asset's).

    Refused: an asset of another school, a disposed asset, an asset already waiting in a pending
    transfer (named in the message), a receiver who is not on this school's staff, or a line where
    nothing would change. The receiver is notified and confirms on their to-do list.
    """
    if not _is_system(actor) and not actor.has_perm("assets.add_assettransfer"):
        raise PermissionDenied(_("没有调配资产的权限。"))
    errors: dict[str, list] = {}
    if to_location is not None and to_location.school_id != school.pk:
        errors["to_location"] = [_("调入地点不属于本校。")]
    if to_department is not None and to_department.school_id != school.pk:
        errors["to_department"] = [_("调入部门不属于本校。")]
    if to_custodian is None:
        errors["to_custodian"] = [_("请选择接收责任人。")]
    elif (
        not to_custodian.is_active
        or not Membership.objects.for_school(school).filter(user=to_custodian, is_active=True).exists()
    ):
        errors["to_custodian"] = [_("接收责任人必须是本校在职教职工。")]
    asked = list(dict.fromkeys(a.pk for a in assets))
    if not asked:
        errors["assets"] = [_("请选择要调配的资产。")]
    if errors:
        raise ValidationError(errors)

    locked = _lock_assets(school, asked)
    problems = _asset_problems(
        school, asked, locked, to_custodian=to_custodian, to_location=to_location, to_department=to_department
    )
    if problems:
        raise ValidationError({"assets": problems})

    transfer = model_create(
        model=AssetTransfer,
        actor=None if _is_system(actor) else actor,
        data={
            "school": school,
            "number": next_number(school=school, key="assets.assettransfer", prefix="DP"),
            "to_location": to_location,
            "to_department": to_department,
            "to_custodian": to_custodian,
            "reason": (reason or "").strip(),
        },
    )
    by_pk = {a.pk: a for a in locked}
    AssetTransferItem.objects.bulk_create(
        [
            AssetTransferItem(
                transfer=transfer,
                asset=by_pk[pk],
                from_location_id=by_pk[pk].location_id,
                from_department_id=by_pk[pk].department_id,
                from_custodian_id=by_pk[pk].custodian_id,
            )
            for pk in asked
        ]
    )
    if to_custodian.pk != getattr(actor, "pk", None):
        _notify_later(
            transfer=transfer,
            recipients=[to_custodian],
            title=_("待您确认资产调配：%(number)s（%(count)d 项）")
            % {"number": transfer.number, "count": len(asked)},
            actor=actor,
        )
    return transfer


def _asset_problems(school, asked, locked, *, to_custodian, to_location, to_department) -> list[str]:
    by_pk = {a.pk: a for a in locked}
    problems = []
    pending = dict(
        AssetTransferItem.objects.filter(
            asset_id__in=list(by_pk), transfer__status=TransferStatus.PENDING
        ).values_list("asset_id", "transfer__number")
    )
    for pk in asked:
        asset = by_pk.get(pk)
        if asset is None or asset.school_id != school.pk:
            problems.append(_("所选资产不属于本校。"))
            continue
        if asset.status == AssetStatus.DISPOSED:
            problems.append(_("资产“%(asset)s”已处置，不能调配。") % {"asset": asset})
        elif pk in pending:
            problems.append(
                _("资产“%(asset)s”已在调配单 %(number)s 中等待接收人确认，不能重复调配。")
                % {"asset": asset, "number": pending[pk]}
            )
        elif (
            (to_location is None or asset.location_id == to_location.pk)
            and (to_department is None or asset.department_id == to_department.pk)
            and asset.custodian_id == to_custodian.pk
        ):
            problems.append(
                _("资产“%(asset)s”已在该地点、部门并由 %(person)s 保管，无需调配。")
                % {"asset": asset, "person": to_custodian}
            )
    return list(dict.fromkeys(problems))


# --- decide ------------------------------------------------------------------------------------------


def _require_receiver(actor, transfer: AssetTransfer, message: str) -> None:
    if _is_system(actor) or actor.pk != transfer.to_custodian_id:
        raise PermissionDenied(message)


def _decided(transfer: AssetTransfer, *, status: str, actor, note: str = "") -> str:
    old = transfer.status
    transfer.status = status
    transfer.decided_at = timezone.now()
    transfer.decided_by = None if _is_system(actor) else actor
    transfer.decision_note = note
    transfer.updated_by = transfer.decided_by
    transfer.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "updated_by", "updated_at"]
    )
    return old


@transaction.atomic
def asset_transfer_confirm(*, actor, transfer: AssetTransfer) -> AssetTransfer:
    """The receiving custodian confirms: the assets move (location, department, custodian).

    Only the receiver confirms — nobody confirms for them; if they cannot, the creator or the
    logistics director cancels the transfer instead. Each asset must still be where its line says
    (a double transfer cannot leave an asset in two places), else "资产已被调配，请刷新".
    """
    transfer = _lock(transfer)
    _check_transition(transfer, TransferStatus.CONFIRMED)
    _require_receiver(actor, transfer, _("只有接收责任人可以确认调配。"))
    items = list(transfer.items.order_by("asset_id"))
    assets = {a.pk: a for a in _lock_assets(transfer.school, (i.asset_id for i in items))}
    to = {
        "location": transfer.to_location,
        "department": transfer.to_department,
        "custodian": transfer.to_custodian,
    }
    changes_by_asset: dict[int, dict] = {}
    now = timezone.now()
    for item in items:
        asset = assets[item.asset_id]
        moved = (
            asset.location_id != item.from_location_id
            or asset.department_id != item.from_department_id
            or asset.custodian_id != item.from_custodian_id
        )
        if moved or asset.status == AssetStatus.DISPOSED:
            raise ValidationError(
                _("资产已被调配，请刷新后再确认（“%(asset)s”的地点、部门或责任人已有变化）。")
                % {"asset": asset}
            )
        changes = {}
        for name in MOVED_FIELDS:
            new = to[name]
            if new is None:
                continue
            old = getattr(asset, name)
            if old != new:
                changes[name] = [old, new]
                setattr(asset, name, new)
        asset.updated_by = None if _is_system(actor) else actor
        asset.updated_at = now
        changes_by_asset[asset.pk] = {k: [audit._plain(o), audit._plain(n)] for k, (o, n) in changes.items()}
        changes_by_asset[asset.pk]["transfer"] = [None, transfer.number]
    Asset.objects.bulk_update(list(assets.values()), [*MOVED_FIELDS, "updated_by", "updated_at"])
    audit.record_many(
        actor=actor,
        verb="transferred",
        targets=list(assets.values()),
        school=transfer.school,
        changes=lambda a: changes_by_asset[a.pk],
    )
    old = _decided(transfer, status=TransferStatus.CONFIRMED, actor=actor)
    audit.record(
        actor=actor, verb="transfer_confirmed", target=transfer, changes={"status": [old, transfer.status]}
    )
    _notify_later(
        transfer=transfer,
        recipients=[transfer.created_by] if transfer.created_by_id != transfer.to_custodian_id else [],
        title=_("%(person)s 已确认接收调配 %(number)s")
        % {"person": transfer.to_custodian, "number": transfer.number},
        actor=actor,
    )
    return transfer


@transaction.atomic
def asset_transfer_reject(*, actor, transfer: AssetTransfer, note: str) -> AssetTransfer:
    """The receiving custodian refuses (拒收) with a reason; the assets stay where they are."""
    transfer = _lock(transfer)
    _check_transition(transfer, TransferStatus.REJECTED)
    _require_receiver(actor, transfer, _("只有接收责任人可以拒收调配。"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请填写拒收原因。")]})
    if len(note) > 200:
        raise ValidationError({"note": [_("拒收原因最多 200 个字。")]})
    old = _decided(transfer, status=TransferStatus.REJECTED, actor=actor, note=note)
    audit.record(
        actor=actor,
        verb="transfer_rejected",
        target=transfer,
        changes={"status": [old, transfer.status], "decision_note": [None, note]},
    )
    _notify_later(
        transfer=transfer,
        recipients=[transfer.created_by] if transfer.created_by_id != transfer.to_custodian_id else [],
        title=_("%(person)s 拒收调配 %(number)s：%(note)s")
        % {"person": transfer.to_custodian, "number": transfer.number, "note": note},
        actor=actor,
    )
    return transfer


def _may_cancel(actor, transfer: AssetTransfer) -> bool:
    return transfer.created_by_id == actor.pk or actor.has_perm("assets.change_assettransfer")


@transaction.atomic
def asset_transfer_cancel(*, actor, transfer: AssetTransfer, reason: str = "") -> AssetTransfer:
    """撤销: the creator, or whoever may change transfers (the logistics director, the asset clerk),
    withdraws a pending transfer — also the way out when the receiver cannot confirm."""
    transfer = _lock(transfer)
    _check_transition(transfer, TransferStatus.CANCELLED)
    if not _is_system(actor) and not _may_cancel(actor, transfer):
        raise PermissionDenied(_("只有调配单的创建人或资产管理员可以撤销。"))
    reason = (reason or "").strip()[:200]
    old = _decided(transfer, status=TransferStatus.CANCELLED, actor=actor, note=reason)
    changes = {"status": [old, transfer.status]}
    if reason:
        changes["decision_note"] = [None, reason]
    audit.record(actor=actor, verb="transfer_cancelled", target=transfer, changes=changes)
    _notify_later(
        transfer=transfer,
        recipients=[transfer.to_custodian] if transfer.to_custodian_id != getattr(actor, "pk", None) else [],
        title=_("调配 %(number)s 已撤销，无需确认") % {"number": transfer.number},
        actor=actor,
    )
    return transfer


# --- what the user may press -------------------------------------------------------------------------


def transfer_available_actions(transfer: AssetTransfer, user) -> list[str]:
    """The buttons ``user`` may press on ``transfer`` now: ``confirm``, ``reject``, ``cancel``."""
    from .. import permissions

    actions = []
    if permissions.can_decide_transfer(user, transfer):
        actions += ["confirm", "reject"]
    if permissions.can_cancel_transfer(user, transfer):
        actions.append("cancel")
    return actions


available_actions = transfer_available_actions
