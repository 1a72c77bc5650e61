"""API of the stocktake's counting step."""

from __future__ import annotations


def register(router) -> None:
    pass
