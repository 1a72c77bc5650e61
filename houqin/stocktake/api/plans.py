"""API of the stocktake's plans step."""

from __future__ import annotations


def register(router) -> None:
    pass
