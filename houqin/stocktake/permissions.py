"""Who may do what in a stocktake (DESIGN.md rule 3: object rules live here, views pass booleans).

- The logistics director and the asset clerk (``stocktake.change_stocktake``) run plans: make,
  assign, reconcile, adjust; they may count anywhere.
- A counter counts the locations assigned to them, and sees those locations and their plan.
- The principal, finance and the school admin read (``stocktake.view_stocktake``).
"""

from __future__ import annotations

import rules

from .models import Stocktake, StocktakeLocation


def _is_staff(user) -> bool:
    return bool(user and user.is_authenticated)


@rules.predicate
def can_manage_stocktake(user, stocktake: Stocktake | None = None) -> bool:
    return _is_staff(user) and user.has_perm("stocktake.change_stocktake")


@rules.predicate
def can_count_location(user, place: StocktakeLocation) -> bool:
    """The location's counter, or whoever runs stocktakes."""
    if not _is_staff(user):
        return False
    return place.counter_id == user.pk or user.has_perm("stocktake.change_stocktake")


@rules.predicate
def can_view_stocktake(user, stocktake: Stocktake) -> bool:
    """Readers of every plan, and each counter for the plans they count in."""
    if not _is_staff(user):
        return False
    if user.has_perm("stocktake.view_stocktake"):
        return True
    return stocktake.locations.filter(counter=user).exists()


@rules.predicate
def can_view_location(user, place: StocktakeLocation) -> bool:
    if not _is_staff(user):
        return False
    return place.counter_id == user.pk or user.has_perm("stocktake.view_stocktake")
