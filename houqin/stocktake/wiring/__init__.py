"""Start-up registrations, one module per step of a stocktake (``StocktakeConfig.ready()`` calls
``ready()``, which calls each module's)."""

from . import adjustments, core, counting, plans, reports

WIRING = [core, plans, counting, reports, adjustments]


def ready() -> None:
    for module in WIRING:
        module.ready()
