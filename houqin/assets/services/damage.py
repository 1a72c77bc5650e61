"""Damage (损坏): reported with a photo, judged natural wear (→ a repair) or man-made (→ 谁损坏谁赔偿).

The loop (issue 4, "Lifecycle"; DOMAIN.md "Assets": man-made → responsible party pays, natural →
repair)::

    asset_damage_report          anyone on the staff, with photos        → 待认定, asset 损坏
    asset_damage_assess          the clerk judges the cause
        natural wear             → 已转维修, asset 维修中, asset_damage_send_to_repair()
        man-made                 → 待赔偿: a responsible person / class / name and an amount ≥ 0
    asset_damage_settle          the payment is received, receipt number  → 已赔偿
    asset_damage_request_waiver  the amount is waived through approval    → 减免审批中
        approved                 → 已减免
        rejected / returned / withdrawn → 待赔偿 again

Every step writes an AuditEvent on the report and on the asset card, so the card's timeline shows
its whole life.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.numbering import next_number
from houqin.core.services import validate
from houqin.org.models import Membership, School, SchoolClass

from ..choices import ALLOWED_TRANSITIONS, DAMAGE_TRANSITIONS, AssetStatus, DamageCause, DamageStatus
from ..models import Asset, AssetDamage

__all__ = [
    "DAMAGE_WAIVER_DOCUMENT",
    "asset_damage_assess",
    "asset_damage_link_repair",
    "asset_damage_report",
    "asset_damage_request_waiver",
    "asset_damage_send_to_repair",
    "asset_damage_settle",
    "asset_damage_waiver_on_decision",
    "asset_repaired",
    "users_with_perm",
]

DAMAGE_WAIVER_DOCUMENT = "asset_damage_waiver"
CENT = Decimal("0.01")
User = get_user_model()


# --- helpers ----------------------------------------------------------------------------------------


def _require(actor, perm: str, message: str) -> None:
    """``actor=None`` is a system write (samples, imports, another module's entry point)."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock(damage: AssetDamage) -> AssetDamage:
    return AssetDamage.objects.select_for_update().select_related("asset").get(pk=damage.pk)


def _transition(damage: AssetDamage, to: str) -> None:
    if to not in DAMAGE_TRANSITIONS[damage.status]:
        raise ValidationError(
            _("这份损坏报告%(status)s，不能再这样处理。") % {"status": DamageStatus(damage.status).label}
        )


def _move_asset(*, actor, asset_id: int, status: str | None, verb: str, changes: dict) -> Asset:
    """Record ``verb`` on the asset card; move it to ``status`` along ``ALLOWED_TRANSITIONS``.

    The reporter of a damage is not a keeper of the books (no ``change_asset``), so the status
    change is made here under the same rules as ``asset_set_status`` rather than through it.
    """
    asset = Asset.objects.select_for_update().get(pk=asset_id)
    changes = dict(changes)
    if status is not None and status != asset.status:
        if status not in ALLOWED_TRANSITIONS.get(asset.status, set()):
            raise ValidationError(
                {
                    "asset": [
                        _("资产当前为“%(old)s”，不能改为“%(new)s”。")
                        % {"old": AssetStatus(asset.status).label, "new": AssetStatus(status).label}
                    ]
                }
            )
        changes = {"status": [asset.status, status], **changes}
        asset.status = status
        asset.updated_by = _user(actor)
        asset.save(update_fields=["status", "updated_by", "updated_at"])
    audit.record(actor=actor, verb=verb, target=asset, changes=changes)
    return asset


def users_with_perm(school: School, perm: str) -> list:
    """Active staff of ``school`` whose roles grant ``perm`` ("assets.change_assetdamage"): who to tell."""
    app_label, codename = perm.split(".", 1)
    members = Membership.objects.for_school(school).filter(
        is_active=True,
        roles__permissions__content_type__app_label=app_label,
        roles__permissions__codename=codename,
    )
    return list(User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk"))


def _notify_later(*, school: School, recipients, kind: str, title: str, target, actor=None) -> None:
    def send():
        people = [u for u in recipients() if u is not None and (actor is None or u.pk != actor.pk)]
        if not people:
            return
        from houqin.notify.services import notify

        notify(
            school=school,
            recipients=people,
            kind=kind,
            title=title,
            url=target.get_absolute_url(),
            actor=_user(actor),
            target=target,
        )

    transaction.on_commit(send)


def _money(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        errors[field] = [_("请填写赔偿金额（不需赔偿填 0）。")]
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        errors[field] = [_("赔偿金额应为数字。")]
        return None
    if amount < 0:
        errors[field] = [_("赔偿金额不能为负数。")]
        return None
    return amount


def _attach_photos(*, actor, damage: AssetDamage, photos: Iterable) -> None:
    from houqin.core.attachments import attachment_add

    for upload in photos or ():
        try:
            attachment_add(actor=actor, target=damage, upload=upload)
        except ValidationError as exc:
            raise ValidationError({"photos": exc.messages}) from exc


# --- report -----------------------------------------------------------------------------------------


@transaction.atomic
def asset_damage_report(
    *,
    actor,
    school: School,
    asset: Asset,
    description: str,
    occurred_on: dt.date | None = None,
    photos: Iterable = (),
    reported_by=None,
) -> AssetDamage:
    """Anyone on the staff reports damage to a card, with photos; the card becomes 损坏.

    The page asks for at least one photo; the API may add photos afterwards through the
    attachments API, so ``photos`` is optional here. ``reported_by`` defaults to the actor (a
    system write — ``actor=None`` — names the reporter). A disposed card is refused.
    """
    _require(actor, "assets.add_assetdamage", _("没有报告资产损坏的权限。"))
    reporter = reported_by or _user(actor)
    if reporter is None:
        raise ValidationError(_("损坏报告需要报告人。"))
    if asset.school_id != school.pk:
        raise ValidationError({"asset": [_("资产不属于本校。")]})
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.is_disposed:
        raise ValidationError({"asset": [_("资产已处置，不能再报告损坏。")]})
    errors: dict[str, list] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请描述损坏情况。")]
    today = timezone.localdate()
    occurred_on = occurred_on or today
    if occurred_on > today:
        errors["occurred_on"] = [_("发现日期不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    damage = AssetDamage(
        school=school,
        number=next_number(school=school, key="assets.assetdamage", prefix="SH"),
        asset=locked,
        description=description,
        occurred_on=occurred_on,
        reported_by=reporter,
        status=DamageStatus.REPORTED,
        created_by=_user(actor),
        updated_by=_user(actor),
    )
    validate(damage)
    damage.save()
    audit.record(
        actor=actor,
        verb="damage_reported",
        target=damage,
        changes={"asset": [None, str(locked)], "description": [None, description]},
    )
    _move_asset(
        actor=actor,
        asset_id=locked.pk,
        status=AssetStatus.DAMAGED,
        verb="damage_reported",
        changes={"damage": [None, damage.number]},
    )
    _attach_photos(actor=actor, damage=damage, photos=photos)
    _notify_later(
        school=school,
        recipients=lambda: users_with_perm(school, "assets.change_assetdamage"),
        kind="assets.damage",
        title=_("损坏报告待认定：%(asset)s（%(number)s）") % {"asset": locked, "number": damage.number},
        target=damage,
        actor=actor,
    )
    return damage


# --- assess -----------------------------------------------------------------------------------------


def _check_responsible(school: School, *, responsible_user, responsible_class, name: str, errors: dict):
    if responsible_user is None and responsible_class is None and not name:
        errors["responsible_user"] = [
            _("人为损坏须写明责任人：教职工、班级或姓名（谁损坏谁赔偿）。"),
        ]
    if responsible_user is not None and not (
        Membership.objects.for_school(school).filter(user=responsible_user, is_active=True).exists()
    ):
        errors["responsible_user"] = [_("责任人必须是本校在职教职工。")]
    if responsible_class is not None and responsible_class.school_id != school.pk:
        errors["responsible_class"] = [_("责任班级不属于本校。")]


@transaction.atomic
def asset_damage_assess(
    *,
    actor,
    damage: AssetDamage,
    cause: str,
    responsible_user=None,
    responsible_class: SchoolClass | None = None,
    responsible_name: str = "",
    compensation_amount=None,
) -> AssetDamage:
    """The clerk judges the cause (认定).

    * natural wear (自然损耗) → 已转维修; the card goes 维修中 and a repair is asked for
      (:func:`asset_damage_send_to_repair`);
    * man-made (人为损坏) → 待赔偿: a responsible member of staff, class or name (a student) and an
      amount of at least 0 are required; the responsible teacher / the class's head teacher is told.
    """
    _require(actor, "assets.change_assetdamage", _("没有认定损坏的权限。"))
    damage = _lock(damage)
    school = damage.school
    if cause not in DamageCause.values:
        raise ValidationError({"cause": [_("请选择损坏原因：自然损耗或人为损坏。")]})
    natural = cause == DamageCause.NATURAL
    target = DamageStatus.REPAIR if natural else DamageStatus.COMPENSATION_DUE
    _transition(damage, target)
    errors: dict[str, list] = {}
    name = (responsible_name or "").strip()
    amount = None
    if natural:
        responsible_user, responsible_class, name = None, None, ""
    else:
        _check_responsible(
            school,
            responsible_user=responsible_user,
            responsible_class=responsible_class,
            name=name,
            errors=errors,
        )
        amount = _money(compensation_amount, "compensation_amount", errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(
        damage,
        [
            "status",
            "cause",
            "responsible_user",
            "responsible_class",
            "responsible_name",
            "compensation_amount",
        ],
    )
    damage.status = target
    damage.cause = cause
    damage.responsible_user = responsible_user
    damage.responsible_class = responsible_class
    damage.responsible_name = name
    damage.compensation_amount = amount
    damage.assessed_by = _user(actor)
    damage.assessed_at = timezone.now()
    damage.updated_by = _user(actor)
    validate(damage)
    damage.save()
    audit.record(
        actor=actor, verb="damage_assessed", target=damage, changes=audit.diff(damage, before, before)
    )
    asset_changes: dict = {"damage": [None, damage.number], "cause": [None, str(DamageCause(cause).label)]}
    if natural:
        _move_asset(
            actor=actor, asset_id=damage.asset_id, status=None, verb="damage_assessed", changes=asset_changes
        )
        asset_damage_send_to_repair(damage, actor=actor)
        return damage
    asset_changes["responsible"] = [None, _responsible_text(damage)]
    asset_changes["compensation_amount"] = [None, str(amount)]
    _move_asset(
        actor=actor, asset_id=damage.asset_id, status=None, verb="damage_assessed", changes=asset_changes
    )

    def responsible_people():
        people = [damage.responsible_user]
        if damage.responsible_class_id:
            people.append(
                SchoolClass.objects.select_related("head_teacher")
                .get(pk=damage.responsible_class_id)
                .head_teacher
            )
        return people

    _notify_later(
        school=school,
        recipients=responsible_people,
        kind="assets.compensation",
        title=_("损坏赔偿：%(asset)s，认定为人为损坏，应赔偿 ¥%(amount)s（%(number)s）")
        % {"asset": damage.asset, "amount": amount, "number": damage.number},
        target=damage,
        actor=actor,
    )
    return damage


def _responsible_text(damage: AssetDamage) -> str:
    parts = [str(p) for p in (damage.responsible_user, damage.responsible_class) if p is not None]
    if damage.responsible_name:
        parts.append(damage.responsible_name)
    return "、".join(parts)


# --- the repair entry points (the Repairs issue fills them in) --------------------------------------


@transaction.atomic
def asset_damage_send_to_repair(damage: AssetDamage, *, actor=None) -> AssetDamage:
    """Natural wear goes to repair: the card becomes 维修中 and the report records that a repair
    is wanted.

    Entry point for the Repairs issue: this is where a repair order will be created for the card
    (reporter, place, photos of the damage report), its number stored with
    :func:`asset_damage_link_repair` in ``repair_reference``. Until then ``repair_reference`` stays
    blank and the asset clerk arranges the repair by hand.
    """
    damage = _lock(damage)
    if damage.status != DamageStatus.REPAIR:
        raise ValidationError(_("只有认定为自然损耗的损坏才转维修。"))
    _move_asset(
        actor=actor,
        asset_id=damage.asset_id,
        status=AssetStatus.UNDER_REPAIR,
        verb="sent_to_repair",
        changes={"damage": [None, damage.number]},
    )
    audit.record(
        actor=actor, verb="repair_requested", target=damage, changes={"asset": [None, str(damage.asset)]}
    )
    return damage


@transaction.atomic
def asset_damage_link_repair(*, damage: AssetDamage, reference: str, actor=None) -> AssetDamage:
    """For the Repairs issue: store the number of the repair order made for this damage."""
    damage = _lock(damage)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"repair_reference": [_("请填写报修单号。")]})
    if damage.status != DamageStatus.REPAIR:
        raise ValidationError(_("只有已转维修的损坏报告才能关联报修单。"))
    before = damage.repair_reference
    damage.repair_reference = reference
    damage.updated_by = _user(actor)
    validate(damage)
    damage.save(update_fields=["repair_reference", "updated_by", "updated_at"])
    audit.record(
        actor=actor, verb="repair_linked", target=damage, changes={"repair_reference": [before, reference]}
    )
    return damage


@transaction.atomic
def asset_repaired(*, actor, asset: Asset, reference: str = "") -> Asset:
    """For the Repairs issue: the repair of a card is accepted, the card is back in use (维修中 →
    在用). The caller (the repair's own service) has checked who may close the repair."""
    changes = {"repair_reference": [None, reference]} if reference else {}
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.status != AssetStatus.UNDER_REPAIR:
        raise ValidationError(
            {
                "asset": [
                    _("资产当前为“%(status)s”，不在维修中。") % {"status": AssetStatus(locked.status).label}
                ]
            }
        )
    return _move_asset(
        actor=actor, asset_id=asset.pk, status=AssetStatus.IN_USE, verb="repaired", changes=changes
    )


# --- settle, waive ----------------------------------------------------------------------------------


@transaction.atomic
def asset_damage_settle(
    *, actor, damage: AssetDamage, receipt_number: str, receipt_photo=None
) -> AssetDamage:
    """The compensation is paid (已赔偿): the receipt number is required, a photo of it optional."""
    _require(actor, "assets.change_assetdamage", _("没有登记赔偿的权限。"))
    damage = _lock(damage)
    _transition(damage, DamageStatus.COMPENSATED)
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        raise ValidationError({"receipt_number": [_("请填写收据号。")]})
    old = damage.status
    damage.status = DamageStatus.COMPENSATED
    damage.receipt_number = receipt_number
    damage.settled_at = timezone.now()
    damage.updated_by = _user(actor)
    validate(damage)
    damage.save()
    audit.record(
        actor=actor,
        verb="damage_compensated",
        target=damage,
        changes={"status": [old, damage.status], "receipt_number": [None, receipt_number]},
    )
    _move_asset(
        actor=actor,
        asset_id=damage.asset_id,
        status=None,
        verb="damage_compensated",
        changes={
            "damage": [None, damage.number],
            "compensation_amount": [None, str(damage.compensation_amount)],
        },
    )
    if receipt_photo is not None:
        from houqin.core.attachments import attachment_add

        try:
            attachment_add(actor=actor, target=damage, upload=receipt_photo)
        except ValidationError as exc:
            raise ValidationError({"receipt_photo": exc.messages}) from exc
    return damage


def _may_request_waiver(actor, damage: AssetDamage) -> bool:
    if actor is None or actor.has_perm("assets.change_assetdamage"):
        return True
    if damage.responsible_user_id == actor.pk:
        return True
    return bool(
        damage.responsible_class_id
        and SchoolClass.objects.filter(pk=damage.responsible_class_id, head_teacher=actor).exists()
    )


@transaction.atomic
def asset_damage_request_waiver(*, actor, damage: AssetDamage, reason: str) -> AssetDamage:
    """Ask for the compensation to be waived (赔偿减免): 减免审批中, through the approval policy
    "asset_damage_waiver" (default: 总务主任审核, 校长审批). The clerk, the responsible member of
    staff or the responsible class's head teacher may ask; a refused waiver is final."""
    from houqin.approvals.choices import ApprovalStatus
    from houqin.approvals.models import ApprovalRequest
    from houqin.approvals.services import approval_submit

    damage = _lock(damage)
    if actor is None or not _may_request_waiver(actor, damage):
        raise PermissionDenied(_("只有资产管理员或赔偿责任人可以申请减免。"))
    _transition(damage, DamageStatus.WAIVER_PENDING)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写减免理由。")]})
    if len(reason) > 200:
        raise ValidationError({"reason": [_("减免理由最多 200 个字。")]})
    if (
        ApprovalRequest.objects.for_school(damage.school)
        .filter(document_type=DAMAGE_WAIVER_DOCUMENT, target_id=damage.pk, status=ApprovalStatus.REJECTED)
        .exists()
    ):
        raise ValidationError(_("这份损坏报告的减免申请已被驳回，不能再次申请，请按认定金额收取赔偿。"))
    old = damage.status
    damage.status = DamageStatus.WAIVER_PENDING
    damage.waiver_reason = reason
    damage.updated_by = _user(actor)
    damage.save(update_fields=["status", "waiver_reason", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="waiver_requested",
        target=damage,
        changes={"status": [old, damage.status], "waiver_reason": [None, reason]},
    )
    approval_submit(
        actor=actor,
        school=damage.school,
        target=damage,
        document_type=DAMAGE_WAIVER_DOCUMENT,
        title=_("赔偿减免：%(asset)s（%(number)s）") % {"asset": damage.asset, "number": damage.number},
        amount=damage.compensation_amount,
        department=None,
    )
    return damage


def asset_damage_waiver_on_decision(approval, outcome: str) -> None:
    """The waiver's approval finished (called by the approvals services inside their transaction):
    approved → 已减免; rejected, returned or withdrawn → 待赔偿 again."""
    from houqin.approvals.choices import Outcome

    damage = _lock(approval.target)
    new = DamageStatus.WAIVED if outcome == Outcome.APPROVED else DamageStatus.COMPENSATION_DUE
    if new not in DAMAGE_TRANSITIONS[damage.status]:
        raise ValidationError(_("损坏报告状态已变化，请刷新后再试。"))
    actor = approval.decided_by
    old = damage.status
    damage.status = new
    if new == DamageStatus.WAIVED:
        damage.settled_at = timezone.now()
    damage.updated_by = _user(actor)
    damage.save(update_fields=["status", "settled_at", "updated_by", "updated_at"])
    verb = "damage_waived" if new == DamageStatus.WAIVED else "waiver_refused"
    audit.record(actor=actor, verb=verb, target=damage, changes={"status": [old, new]})
    if new == DamageStatus.WAIVED:
        _move_asset(
            actor=actor,
            asset_id=damage.asset_id,
            status=None,
            verb="damage_waived",
            changes={
                "damage": [None, damage.number],
                "compensation_amount": [str(damage.compensation_amount), "0"],
            },
        )
    approval.target = damage
