"""Object rules of the asset ledger (``rules`` predicates). Views pass the booleans to templates.

One section per sub-area; model permissions come from the roles (``AssetsConfig.ready()``).
"""

from __future__ import annotations

import rules

from houqin.core.permissions import in_current_school, is_read_only, role_perm

from .choices import DISPOSAL_EDITABLE, AssetStatus, DamageStatus

# --- ledger -----------------------------------------------------------------------------------------

can_change_asset = in_current_school & ~is_read_only & role_perm("assets.change_asset")


@rules.predicate
def is_in_books(user, asset) -> bool:
    """Not disposed: a disposed card keeps its history but is no longer edited (DOMAIN.md)."""
    return asset is not None and not asset.is_disposed


# Edit the card or change its status by hand (闲置 ↔ 在用, 损坏, 维修中).
can_edit_asset = can_change_asset & is_in_books

# --- transfers --------------------------------------------------------------------------------------

# 调配: whoever may add transfers (the asset clerk, the logistics director) starts one; only the
# receiving custodian confirms or refuses it; the creator, or whoever may change transfers, cancels
# a pending one (also the way out when the receiver cannot confirm: nobody confirms for them).


@rules.predicate
def is_transfer_receiver(user, transfer) -> bool:
    return transfer is not None and transfer.to_custodian_id == user.pk


@rules.predicate
def is_transfer_creator(user, transfer) -> bool:
    return transfer is not None and transfer.created_by_id is not None and transfer.created_by_id == user.pk


@rules.predicate
def is_transfer_pending(user, transfer) -> bool:
    from .choices import TransferStatus

    return transfer is not None and transfer.status == TransferStatus.PENDING


can_add_transfer = ~is_read_only & role_perm("assets.add_assettransfer")
can_decide_transfer = in_current_school & ~is_read_only & is_transfer_pending & is_transfer_receiver
can_cancel_transfer = (
    in_current_school
    & ~is_read_only
    & is_transfer_pending
    & (is_transfer_creator | role_perm("assets.change_assettransfer"))
)


def can_transfer_asset(user, asset, *, pending: bool | None = None) -> bool:
    """May ``user`` start a transfer of ``asset`` now (not disposed, not already waiting in one)?
    ``pending``: whether the asset is in a pending transfer, when the caller knows (saves a query)."""
    from .choices import AssetStatus

    if asset is None or not in_current_school(user, asset) or not can_add_transfer(user):
        return False
    if asset.status == AssetStatus.DISPOSED:
        return False
    if pending is None:
        from .services.transfers import pending_transfer_of

        pending = pending_transfer_of(asset) is not None
    return not pending


# --- custody ----------------------------------------------------------------------------------------

# 承包管理: the asset clerk / logistics director (add/change_assetcustody) or a head teacher for their
# own class (add_assetcustody) draws up the sheet; while it waits for the signature the preparer, the
# responsible person or the clerk corrects the lines; only the responsible person (班主任 / 部门负责人)
# signs; the clerk (change_assetcustody) takes the things back at term end with a condition check.

manages_custody = role_perm("assets.change_assetcustody")


@rules.predicate
def is_custody_responsible(user, custody) -> bool:
    return custody is not None and custody.responsible_id == user.pk


@rules.predicate
def is_custody_creator(user, custody) -> bool:
    return custody is not None and custody.created_by_id is not None and custody.created_by_id == user.pk


def _custody_in(status: str):
    @rules.predicate
    def check(user, custody) -> bool:
        return custody is not None and custody.status == status

    return check


custody_draft = _custody_in("draft")
custody_signed = _custody_in("signed")

can_add_custody = ~is_read_only & role_perm("assets.add_assetcustody")
can_edit_custody_items = (
    in_current_school
    & ~is_read_only
    & custody_draft
    & (manages_custody | is_custody_creator | is_custody_responsible)
)
can_sign_custody = in_current_school & ~is_read_only & custody_draft & is_custody_responsible
can_return_custody = in_current_school & ~is_read_only & custody_signed & manages_custody


# --- loans ------------------------------------------------------------------------------------------
# Every staff member books bookable equipment for themselves (``add_assetloan``); the asset clerk
# (``change_assetloan``) books for others and any asset, lends, takes back and sees every loan;
# whoever oversees the ledger (``view_assetsettings``: principal, finance, director, supervisors)
# reads every loan. Others see their own loans only.

manages_loans = role_perm("assets.change_assetloan")
sees_all_loans = manages_loans | role_perm("assets.view_assetsettings")


@rules.predicate
def is_borrower(user, loan) -> bool:
    return loan is not None and loan.borrower_id == user.pk


can_manage_loans = ~is_read_only & manages_loans
can_book = ~is_read_only & role_perm("assets.add_assetloan")
can_view_loan = in_current_school & (sees_all_loans | is_borrower)
can_lend_loan = in_current_school & can_manage_loans
can_cancel_loan = in_current_school & ~is_read_only & (manages_loans | is_borrower)


def can_book_asset(user, asset) -> bool:
    """May ``user`` book ``asset`` (for themselves: a bookable card; the clerk: any usable card)?"""
    from .choices import AssetStatus

    if asset is None or not in_current_school(user, asset):
        return False
    if asset.status in {AssetStatus.DISPOSED, AssetStatus.DAMAGED, AssetStatus.UNDER_REPAIR}:
        return False
    return bool(can_manage_loans(user) or (asset.is_bookable and can_book(user)))


# --- damage -----------------------------------------------------------------------------------------

# 谁损坏谁赔偿: anyone on the staff reports; the asset clerk / logistics director (change_assetdamage)
# judges the cause, records the payment and asks for a waiver; the responsible teacher (or the head
# teacher of the responsible class) sees the report and may ask for a waiver too. A report names
# people and sums of money, so a teacher sees only the reports they made or answer for; the keepers
# of the books and the school's leaders (who read every asset document: view_assetdisposal) see all.

manages_damage = role_perm("assets.change_assetdamage")
sees_all_damage = manages_damage | role_perm("assets.view_assetdisposal")


@rules.predicate
def is_damage_reporter(user, damage) -> bool:
    return damage is not None and damage.reported_by_id == user.pk


@rules.predicate
def is_damage_responsible(user, damage) -> bool:
    """The responsible member of staff, or the head teacher of the responsible class."""
    if damage is None:
        return False
    if damage.responsible_user_id is not None and damage.responsible_user_id == user.pk:
        return True
    school_class = damage.responsible_class if damage.responsible_class_id else None
    return school_class is not None and school_class.head_teacher_id == user.pk


def _damage_in(*statuses):
    @rules.predicate
    def check(user, damage) -> bool:
        return damage is not None and damage.status in statuses

    return check


@rules.predicate
def asset_not_disposed(user, asset) -> bool:
    return asset is not None and asset.status != AssetStatus.DISPOSED


damage_reported = _damage_in(DamageStatus.REPORTED)
damage_compensation_due = _damage_in(DamageStatus.COMPENSATION_DUE)

can_view_damage = (
    in_current_school
    & role_perm("assets.view_assetdamage")
    & (sees_all_damage | is_damage_reporter | is_damage_responsible)
)
can_report_damage = (
    in_current_school & ~is_read_only & role_perm("assets.add_assetdamage") & asset_not_disposed
)
can_assess_damage = in_current_school & ~is_read_only & manages_damage & damage_reported
can_settle_damage = in_current_school & ~is_read_only & manages_damage & damage_compensation_due
can_request_damage_waiver = (
    in_current_school & ~is_read_only & damage_compensation_due & (manages_damage | is_damage_responsible)
)
# photos: the reporter until the report is judged; the clerk at any time (a receipt, an after-photo)
can_change_damage_photos = (
    in_current_school & ~is_read_only & (manages_damage | (is_damage_reporter & damage_reported))
)


def damages_visible_to(user, school):
    """The damage reports ``user`` may see in ``school`` (lists, to-dos, the API)."""
    from django.db.models import Q

    from .models import AssetDamage

    qs = AssetDamage.objects.for_school(school)
    if sees_all_damage(user):
        return qs
    return qs.filter(Q(reported_by=user) | Q(responsible_user=user) | Q(responsible_class__head_teacher=user))


def damage_actions(damage, user) -> list[str]:
    """Exactly the buttons ``user`` may press on ``damage`` now (pages and the API)."""
    checks = (
        ("assess", can_assess_damage),
        ("settle", can_settle_damage),
        ("waive", can_request_damage_waiver),
    )
    return [name for name, rule in checks if rule(user, damage)]


# --- disposal ---------------------------------------------------------------------------------------

# 处置: the asset clerk / logistics director (add_assetdisposal) draws up a disposal and submits it;
# the approval policy by value decides (approvals); whoever may change disposals, or the requester,
# edits it while it is a draft or back for changes.

manages_disposal = role_perm("assets.change_assetdisposal")


@rules.predicate
def is_disposal_requester(user, disposal) -> bool:
    return disposal is not None and disposal.requested_by_id == user.pk


@rules.predicate
def disposal_editable(user, disposal) -> bool:
    return disposal is not None and disposal.status in DISPOSAL_EDITABLE


can_view_disposal = in_current_school & role_perm("assets.view_assetdisposal")
can_edit_disposal = (
    in_current_school
    & ~is_read_only
    & disposal_editable
    & (manages_disposal | (is_disposal_requester & role_perm("assets.add_assetdisposal")))
)
can_submit_disposal = can_edit_disposal
can_dispose_asset = (
    in_current_school & ~is_read_only & role_perm("assets.add_assetdisposal") & asset_not_disposed
)


def disposal_actions(disposal, user) -> list[str]:
    """Exactly the buttons ``user`` may press on ``disposal`` now (pages and the API)."""
    return ["edit", "submit", "cancel"] if can_edit_disposal(user, disposal) else []


__all__ = ["can_change_asset", "rules"]
