"""Every write of a stocktake, one module per step: the plan, the counting, the reconciliation and
the adjustments (DESIGN.md rule 1: views, API, tasks and commands all call these)."""

from .adjustments import *  # noqa: F403
from .counting import *  # noqa: F403
from .plans import *  # noqa: F403
from .reconcile import *  # noqa: F403
