"""``stocktake_actions(stocktake, user)``: the buttons a user may press on a plan (DESIGN.md rule 1:
pages and the API show exactly these). One place for the state-and-permission rules of every step.
"""

from __future__ import annotations

from .choices import STOCKTAKE_OPEN, StocktakeStatus
from .models import Stocktake


def stocktake_actions(stocktake: Stocktake, user) -> list[str]:
    """Names of the actions open to ``user`` now:

    - ``update``, ``assign``: change title/deadline/note; name counters (plans step)
    - ``cancel``: 作废 (plans step)
    - ``close_counting``, ``reopen_counting``: 结束盘点并对账 / 重新盘点 (reconcile step)
    - ``adjust``, ``submit``: edit the proposed adjustments and submit them for approval, or close
      the plan when there is nothing to adjust (adjustments step)
    """
    if not (user and user.is_authenticated and user.has_perm("stocktake.change_stocktake")):
        return []
    status = stocktake.status
    actions = []
    if status in STOCKTAKE_OPEN and status != StocktakeStatus.SUBMITTED:
        actions.append("update")
    if status == StocktakeStatus.COUNTING:
        actions += ["assign", "close_counting"]
    if status == StocktakeStatus.RECONCILED:
        actions += ["reopen_counting", "adjust", "submit"]
    if status in (StocktakeStatus.COUNTING, StocktakeStatus.RECONCILED):
        actions.append("cancel")
    return actions
