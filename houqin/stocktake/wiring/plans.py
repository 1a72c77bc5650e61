"""Start-up registrations of the stocktake's plans step."""

from __future__ import annotations


def ready() -> None:
    pass
