"""API of the stocktake's reports step."""

from __future__ import annotations


def register(router) -> None:
    pass
