"""Sample objects for make_school() (houqin/core/testing.py), so the tenancy sweep reaches this app.

One of each school-owned model of the stocktake, made through the services, with the world's tag:
a plan over the sample room (``world.stocktake``, counted by the teacher), the sample card counted
there (``world.stocktake_line``) and an unknown item (``world.stocktake_surplus``), reconciled
(待处理差异) so that it has adjustments (``world.stocktake_adjustment``). Tests that count make
their own plan (``tests/helpers.plan``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def add_samples(world) -> None:
    from . import services

    tag = world.school.code.removeprefix("school-")
    teacher = world.user("teacher")
    world.stocktake = services.stocktake_create(
        actor=None,
        school=world.school,
        kind="spot",
        title=f"抽查盘点{tag}",
        deadline=timezone.localdate() + dt.timedelta(days=7),
        scope_location=world.room,
        counters={world.room.pk: teacher},
    )
    world.stocktake_place = world.stocktake.locations.get(location=world.room)
    outcome = services.stocktake_count(actor=teacher, place=world.stocktake_place, code=world.asset.code)
    world.stocktake_line = outcome.line
    world.stocktake_surplus = services.stocktake_surplus_add(
        actor=teacher, place=world.stocktake_place, name=f"无卡椅子{tag}", quantity=2
    )
    from .choices import StocktakeStatus
    from .models import Stocktake

    services.stocktake_close_counting(actor=None, stocktake=world.stocktake)
    world.stocktake = Stocktake.objects.get(pk=world.stocktake.pk)
    if world.stocktake.status == StocktakeStatus.RECONCILING:  # not yet run by the task on commit
        world.stocktake = services.stocktake_reconcile(stocktake=world.stocktake)
    world.stocktake_adjustment = world.stocktake.adjustments.order_by("pk").first()
