"""Small helpers the stocktake services share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ..choices import STOCKTAKE_TRANSITIONS, StocktakeStatus
from ..models import Stocktake


def user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def require_manager(actor, message: str) -> None:
    """Plans are run by whoever holds ``stocktake.change_stocktake`` (``actor=None``: the system)."""
    if actor is not None and not actor.has_perm("stocktake.change_stocktake"):
        raise PermissionDenied(message)


def lock(stocktake: Stocktake) -> Stocktake:
    return Stocktake.objects.select_for_update().get(pk=stocktake.pk)


def check_transition(stocktake: Stocktake, new: str) -> None:
    if new not in STOCKTAKE_TRANSITIONS[stocktake.status]:
        raise ValidationError(
            _refusals()[new] % {"status": StocktakeStatus(stocktake.status).label}, code="bad_state"
        )


def _refusals() -> dict[str, str]:
    """One whole sentence per refused step (fragments do not translate)."""
    return {
        StocktakeStatus.RECONCILING: _("这次盘点%(status)s，不能结束盘点并对账。"),
        StocktakeStatus.RECONCILED: _("这次盘点%(status)s，不能完成对账。"),
        StocktakeStatus.COUNTING: _("这次盘点%(status)s，不能重新打开盘点。"),
        StocktakeStatus.SUBMITTED: _("这次盘点%(status)s，不能提交差异审批。"),
        StocktakeStatus.CLOSED: _("这次盘点%(status)s，不能结账。"),
        StocktakeStatus.CANCELLED: _("这次盘点%(status)s，不能作废。"),
    }


def require_counting(stocktake: Stocktake) -> None:
    """Counting writes need an open count: a closed or locked plan says so clearly."""
    if stocktake.status != StocktakeStatus.COUNTING:
        raise ValidationError(
            _("盘点“%(number)s”%(status)s，不能再录入盘点结果。")
            % {"number": stocktake.number, "status": StocktakeStatus(stocktake.status).label},
            code="not_counting",
        )
