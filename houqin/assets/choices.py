"""Statuses, kinds and allowed transitions of the asset ledger (校产)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    IDLE = "idle", _("闲置")
    BORROWED = "borrowed", _("借出")
    UNDER_REPAIR = "under_repair", _("维修中")
    DAMAGED = "damaged", _("损坏")
    DISPOSED = "disposed", _("已处置")


# Statuses of the active ledger; a disposed card stays in the books with its history (DOMAIN.md).
ACTIVE_STATUSES = frozenset(s for s in AssetStatus.values if s != AssetStatus.DISPOSED)

# Status changes made by hand on the card; borrowing, repairs and disposal move the rest.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    AssetStatus.IN_USE: {
        AssetStatus.IDLE,
        AssetStatus.BORROWED,
        AssetStatus.UNDER_REPAIR,
        AssetStatus.DAMAGED,
    },
    AssetStatus.IDLE: {
        AssetStatus.IN_USE,
        AssetStatus.BORROWED,
        AssetStatus.UNDER_REPAIR,
        AssetStatus.DAMAGED,
    },
    AssetStatus.BORROWED: {AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.DAMAGED},
    AssetStatus.UNDER_REPAIR: {AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.DAMAGED},
    AssetStatus.DAMAGED: {AssetStatus.UNDER_REPAIR, AssetStatus.IN_USE, AssetStatus.IDLE},
    AssetStatus.DISPOSED: set(),
}
STATUS_COLOURS = {
    AssetStatus.IN_USE: "success",
    AssetStatus.IDLE: "secondary",
    AssetStatus.BORROWED: "info",
    AssetStatus.UNDER_REPAIR: "warning",
    AssetStatus.DAMAGED: "danger",
    AssetStatus.DISPOSED: "dark",
}


class AssetClass(models.TextChoices):
    """固定资产 vs 低值易耗品 (DOMAIN.md, Assets: thresholds are school settings)."""

    FIXED = "fixed", _("固定资产")
    LOW_VALUE = "low_value", _("低值易耗品")


class AcquisitionWay(models.TextChoices):
    PURCHASE = "purchase", _("购置")
    DONATION = "donation", _("捐赠")
    TRANSFER_IN = "transfer_in", _("调入")
    SELF_BUILT = "self_built", _("自建")
    STOCKTAKE_SURPLUS = "surplus", _("盘盈")
    OTHER = "other", _("其他")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    CHOICE = "choice", _("选项")


class Condition(models.TextChoices):
    GOOD = "good", _("完好")
    WORN = "worn", _("有磨损")
    DAMAGED = "damaged", _("损坏")
    MISSING = "missing", _("缺失")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待接收人确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已拒收")
    CANCELLED = "cancelled", _("已撤销")


TRANSFER_TRANSITIONS: dict[str, set[str]] = {
    TransferStatus.PENDING: {TransferStatus.CONFIRMED, TransferStatus.REJECTED, TransferStatus.CANCELLED},
    TransferStatus.CONFIRMED: set(),
    TransferStatus.REJECTED: set(),
    TransferStatus.CANCELLED: set(),
}


class CustodyHolder(models.TextChoices):
    SCHOOL_CLASS = "class", _("班级")
    OFFICE = "office", _("办公室/部门")


class CustodyStatus(models.TextChoices):
    DRAFT = "draft", _("待签字")
    SIGNED = "signed", _("承包中")
    RETURNED = "returned", _("已交回")


CUSTODY_TRANSITIONS: dict[str, set[str]] = {
    CustodyStatus.DRAFT: {CustodyStatus.SIGNED},
    CustodyStatus.SIGNED: {CustodyStatus.RETURNED},
    CustodyStatus.RETURNED: set(),
}


class LoanStatus(models.TextChoices):
    RESERVED = "reserved", _("已预约")
    OUT = "out", _("借出中")
    RETURNED = "returned", _("已归还")
    CANCELLED = "cancelled", _("已取消")


LOAN_TRANSITIONS: dict[str, set[str]] = {
    LoanStatus.RESERVED: {LoanStatus.OUT, LoanStatus.CANCELLED},
    LoanStatus.OUT: {LoanStatus.RETURNED},
    LoanStatus.RETURNED: set(),
    LoanStatus.CANCELLED: set(),
}
LOAN_OPEN = frozenset({LoanStatus.RESERVED, LoanStatus.OUT})


class DamageCause(models.TextChoices):
    NATURAL = "natural", _("自然损耗")
    MAN_MADE = "man_made", _("人为损坏")


class DamageStatus(models.TextChoices):
    REPORTED = "reported", _("待认定")
    REPAIR = "repair", _("已转维修")
    COMPENSATION_DUE = "compensation_due", _("待赔偿")
    WAIVER_PENDING = "waiver_pending", _("减免审批中")
    COMPENSATED = "compensated", _("已赔偿")
    WAIVED = "waived", _("已减免")


DAMAGE_TRANSITIONS: dict[str, set[str]] = {
    DamageStatus.REPORTED: {DamageStatus.REPAIR, DamageStatus.COMPENSATION_DUE},
    DamageStatus.REPAIR: set(),
    DamageStatus.COMPENSATION_DUE: {DamageStatus.COMPENSATED, DamageStatus.WAIVER_PENDING},
    DamageStatus.WAIVER_PENDING: {DamageStatus.WAIVED, DamageStatus.COMPENSATION_DUE},
    DamageStatus.COMPENSATED: set(),
    DamageStatus.WAIVED: set(),
}
DAMAGE_OPEN = frozenset({DamageStatus.REPORTED, DamageStatus.COMPENSATION_DUE, DamageStatus.WAIVER_PENDING})


class DisposalKind(models.TextChoices):
    """处置方式 (《行政事业性国有资产管理条例》): 报废、报损、调拨、出售、捐赠、置换."""

    SCRAP = "scrap", _("报废")
    LOSS = "loss", _("报损")
    TRANSFER_OUT = "transfer_out", _("调拨")
    SALE = "sale", _("出售")
    DONATION = "donation", _("捐赠")
    EXCHANGE = "exchange", _("置换")


class DisposalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审批中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已批准，已处置")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已作废")


DISPOSAL_TRANSITIONS: dict[str, set[str]] = {
    DisposalStatus.DRAFT: {DisposalStatus.SUBMITTED, DisposalStatus.CANCELLED},
    DisposalStatus.RETURNED: {DisposalStatus.SUBMITTED, DisposalStatus.CANCELLED},
    DisposalStatus.WITHDRAWN: {DisposalStatus.SUBMITTED, DisposalStatus.CANCELLED},
    DisposalStatus.SUBMITTED: {
        DisposalStatus.APPROVED,
        DisposalStatus.REJECTED,
        DisposalStatus.RETURNED,
        DisposalStatus.WITHDRAWN,
    },
    DisposalStatus.APPROVED: set(),
    DisposalStatus.REJECTED: set(),
    DisposalStatus.CANCELLED: set(),
}
DISPOSAL_EDITABLE = frozenset({DisposalStatus.DRAFT, DisposalStatus.RETURNED, DisposalStatus.WITHDRAWN})
