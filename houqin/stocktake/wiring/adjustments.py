"""Start-up registrations of the stocktake's adjustments step."""

from __future__ import annotations


def ready() -> None:
    pass
