"""What a user may do with one asset card, gathered from every sub-area of the ledger.

The card page, the page a scanned label opens and the API all show ``asset_actions(asset, user)``:
each area registers a provider in its ``wiring.ready()``::

    register_asset_action(lambda asset, user: [AssetAction("borrow", _("借用"), url, "box-arrow-right")]
                          if can_borrow(user, asset) else [])

A provider returns only the actions the user may take now (DESIGN.md rule 1: the page shows
exactly the buttons the user may press; the service checks again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AssetAction:
    key: str  # stable name, also used by the API ("borrow", "report_damage", "transfer", ...)
    label: Any
    url: str
    icon: str = "arrow-right"  # Bootstrap icon name
    style: str = "outline-primary"  # Bootstrap button style
    order: int = 50


_providers: list[Callable[[Any, Any], list[AssetAction]]] = []


def register_asset_action(provider: Callable[[Any, Any], list[AssetAction]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def asset_actions(asset, user) -> list[AssetAction]:
    actions: list[AssetAction] = []
    for provider in _providers:
        actions.extend(provider(asset, user))
    return sorted(actions, key=lambda a: (a.order, a.key))
