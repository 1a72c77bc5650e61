"""Test helpers of the stocktake: members acting in their school, photos, approvals, events.

Shared with the asset tests (one set of helpers); stocktake-specific ones are added here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from houqin.assets.tests.test_damage_helpers import approval_of, decide, events, fresh, member, photo
from houqin.stocktake import services

__all__ = ["approval_of", "decide", "events", "fresh", "member", "photo", "plan", "reconcile"]


def plan(world, *, role: str = "asset_clerk", **kwargs):
    """A plan over the world's room made by ``role`` (default deadline a week ahead)."""
    kwargs.setdefault("kind", "term_end")
    kwargs.setdefault("deadline", timezone.localdate() + dt.timedelta(days=7))
    kwargs.setdefault("scope_location", world.room)
    return services.stocktake_create(actor=member(world, role), school=world.school, **kwargs)


def reconcile(world, stocktake, *, role: str = "asset_clerk"):
    """Close the counting and run the reconciliation task's work in the test's transaction."""
    services.stocktake_close_counting(actor=member(world, role), stocktake=stocktake)
    return services.stocktake_reconcile(stocktake=stocktake)
