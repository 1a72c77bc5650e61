"""Statuses and kinds of a stocktake (盘点), with the transitions the services allow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StocktakeKind(models.TextChoices):
    # DOMAIN.md "Stocktake": at term start, middle and end (期初、期中、期末) and at least yearly.
    TERM_START = "term_start", _("期初盘点")
    MID_TERM = "mid_term", _("期中盘点")
    TERM_END = "term_end", _("期末盘点")
    ANNUAL = "annual", _("年度盘点")
    SPOT = "spot", _("抽查盘点")


class StocktakeStatus(models.TextChoices):
    COUNTING = "counting", _("盘点中")
    RECONCILING = "reconciling", _("对账中")
    RECONCILED = "reconciled", _("待处理差异")
    SUBMITTED = "submitted", _("差异审批中")
    CLOSED = "closed", _("已结账")
    CANCELLED = "cancelled", _("已作废")


STOCKTAKE_TRANSITIONS: dict[str, frozenset[str]] = {
    StocktakeStatus.COUNTING: frozenset({StocktakeStatus.RECONCILING, StocktakeStatus.CANCELLED}),
    # a failed reconciliation goes back to counting; a finished one waits for the adjustments
    StocktakeStatus.RECONCILING: frozenset({StocktakeStatus.RECONCILED, StocktakeStatus.COUNTING}),
    StocktakeStatus.RECONCILED: frozenset(
        {
            StocktakeStatus.SUBMITTED,
            StocktakeStatus.CLOSED,  # nothing to adjust: books and things match (帐物相符)
            StocktakeStatus.COUNTING,  # reopened to count again
            StocktakeStatus.CANCELLED,
        }
    ),
    # approved → closed; returned, withdrawn or rejected → back to the adjustments
    StocktakeStatus.SUBMITTED: frozenset({StocktakeStatus.CLOSED, StocktakeStatus.RECONCILED}),
    StocktakeStatus.CLOSED: frozenset(),
    StocktakeStatus.CANCELLED: frozenset(),
}
STOCKTAKE_OPEN = frozenset(
    {
        StocktakeStatus.COUNTING,
        StocktakeStatus.RECONCILING,
        StocktakeStatus.RECONCILED,
        StocktakeStatus.SUBMITTED,
    }
)


class CountCondition(models.TextChoices):
    GOOD = "good", _("完好")
    DAMAGED = "damaged", _("损坏")
    NEEDS_REPAIR = "needs_repair", _("需维修")


CONDITION_PROBLEMS = frozenset({CountCondition.DAMAGED, CountCondition.NEEDS_REPAIR})


class LineResult(models.TextChoices):
    """A card's outcome after reconciliation; the first that applies, in this order."""

    PENDING = "pending", _("未对账")
    MISSING = "missing", _("盘亏")
    MISPLACED = "misplaced", _("位置不符")
    SHORT = "short", _("数量短缺")
    OVER = "over", _("数量多出")
    DAMAGED = "damaged", _("损坏待修")
    FOUND = "found", _("相符")


LINE_PROBLEMS = frozenset(
    {LineResult.MISSING, LineResult.MISPLACED, LineResult.SHORT, LineResult.OVER, LineResult.DAMAGED}
)


class AdjustmentKind(models.TextChoices):
    """What the books do about a difference once the stocktake-adjustment approval is through."""

    WRITE_OFF = "write_off", _("盘亏核销")
    TRANSFER = "transfer", _("调整存放地点")
    QUANTITY = "quantity", _("调整数量")
    REPAIR = "repair", _("送修")
    NEW_CARD = "new_card", _("盘盈入账")
