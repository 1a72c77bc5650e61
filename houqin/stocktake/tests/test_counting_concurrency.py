"""Counting under concurrency, real threads on PostgreSQL (issue 5: "the same asset counted twice by
two people → clear messages, no double counts (test with threads on PostgreSQL)"; "20 concurrent
counters"). SQLite serialises writers anyway, so these run on PostgreSQL only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from houqin.assets.tests.test_loans_concurrency import race
from houqin.core.testing import make_school
from houqin.stocktake import services
from houqin.stocktake.models import StocktakeLine

from .helpers import member, plan
from .test_counting_services import card, room2

SKIP_REASON = "row-lock races need PostgreSQL (run with DATABASE_URL=postgres://...)"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=SKIP_REASON),
]


@pytest.fixture
def world():
    return make_school("cc")


def test_two_people_counting_the_same_card_at_once_count_it_once(world):
    """Two counters scan the same card in the same instant: one count stands, the other is told
    who counted it (已由…盘点)."""
    stocktake = plan(world, counters={world.room.pk: world.user("teacher")})
    place = stocktake.locations.get(location=world.room)
    teacher, clerk = member(world, "teacher"), member(world, "asset_clerk")
    code = world.asset.code
    results = race(
        lambda: services.stocktake_count(actor=teacher, place=place, code=code),
        lambda: services.stocktake_count(actor=clerk, place=place, code=code),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], ValidationError) and errors[0].code == "already_counted"
    assert "已由" in errors[0].messages[0]
    line = StocktakeLine.objects.get(stocktake=stocktake, asset=world.asset)
    assert line.counted_by == done[0].line.counted_by and line.counted_quantity == 1


def test_twenty_counters_scanning_different_cards_in_different_rooms_all_succeed(world):
    """20 concurrent counters (issue 5 performance line): no lock waits turn into errors."""
    rooms = [room2(world, f"教室{i:02d}") for i in range(20)]
    cards = [card(world, f"ZC-CC-{i:02d}", location=room) for i, room in enumerate(rooms)]
    stocktake = plan(world, scope_location=world.floor)
    places = {p.location_id: p for p in stocktake.locations.all()}
    clerk = member(world, "asset_clerk")
    results = race(
        *[
            (lambda c=c, r=r: services.stocktake_count(actor=clerk, place=places[r.pk], code=c.code))
            for c, r in zip(cards, rooms, strict=True)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert stocktake.lines.counted().count() == 20
    assert all(not r.misplaced for r in results)
