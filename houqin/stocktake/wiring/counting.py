"""Start-up registrations of the stocktake's counting step."""

from __future__ import annotations


def ready() -> None:
    pass
