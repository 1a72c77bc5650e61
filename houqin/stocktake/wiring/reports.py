"""Start-up registrations of the stocktake's reports step."""

from __future__ import annotations


def ready() -> None:
    pass
