"""API of the stocktake's adjustments step."""

from __future__ import annotations


def register(router) -> None:
    pass
