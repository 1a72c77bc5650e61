"""Races on PostgreSQL (row locks; DESIGN.md rule 5: a second tab cannot put one card in two
disposals, a double click cannot judge a damage twice). SQLite serialises writers anyway."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from houqin.assets import services
from houqin.assets.choices import DamageCause, DisposalKind
from houqin.assets.models import AssetDisposalItem
from houqin.core.testing import make_school

from .test_damage_helpers import events, member, report

SKIP_REASON = "row-lock races need PostgreSQL (run with DATABASE_URL=postgres://...)"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=SKIP_REASON),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.fixture
def world():
    return make_school("cd")


def test_two_disposals_of_one_card_at_once_only_one_holds_it(world):
    clerk, director = member(world, "asset_clerk"), member(world, "logistics_director")

    def create(actor):
        return lambda: services.asset_disposal_create(
            actor=actor, school=world.school, kind=DisposalKind.SCRAP, reason="报废", assets=[world.asset]
        )

    results = race(create(clerk), create(director))
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert AssetDisposalItem.objects.filter(asset=world.asset).count() == 1


def test_a_double_click_judges_a_damage_once(world):
    damage = report(world)
    clerk, director = member(world, "asset_clerk"), member(world, "logistics_director")
    results = race(
        lambda: services.asset_damage_assess(actor=clerk, damage=damage, cause=DamageCause.NATURAL),
        lambda: services.asset_damage_assess(actor=director, damage=damage, cause=DamageCause.NATURAL),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert events(damage, "damage_assessed").count() == 1
