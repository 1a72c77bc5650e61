"""Helpers shared by the adjustments tests (no tests here): a plan over the floor, counted with one
card of every kind of difference and reconciled (待处理差异), and its approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from houqin.assets import services as asset_services
from houqin.assets.models import AssetCategory
from houqin.org import services as org_services
from houqin.stocktake import services
from houqin.stocktake.choices import AdjustmentKind

from .helpers import approval_of, decide, fresh, member, photo, plan, reconcile

DOC = "stocktake_adjustment"


def card(world, code: str, *, location, price: str = "1000.00", quantity: int = 1, category: str = "301"):
    return asset_services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=AssetCategory.objects.get(school=world.school, code=category),
        quantity=quantity,
        unit="台",
        unit_price=Decimal(price),
        acquired_on=dt.date(2022, 9, 1),
        location=location,
        department=world.department,
    )


def category(world, code: str = "301") -> AssetCategory:
    return AssetCategory.objects.get(school=world.school, code=code)


def counted(world, *, surplus_photo: bool = False):
    """A plan over the floor (room A = ``world.room``, room B), reconciled with one proposal of each
    kind: 盘亏 ``J-MISS`` (¥1200), ``J-MOVED`` (book: room B, found in A), ``J-BATCH`` 10 → 8 (¥50
    each), ``J-DMG`` damaged, and an unknown 书柜 ×2 (估值 ¥600, no category yet)."""
    room_b = org_services.location_create(
        actor=None,
        school=world.school,
        campus=world.campus,
        name=f"B室{world.school.code}",
        parent=world.floor,
    )
    cards = {
        "missing": card(world, "J-MISS", location=world.room, price="1200.00"),
        "moved": card(world, "J-MOVED", location=room_b),
        "batch": card(world, "J-BATCH", location=world.room, price="50.00", quantity=10, category="601"),
        "damaged": card(world, "J-DMG", location=world.room),
    }
    stocktake = plan(world, scope_location=world.floor)
    place_a = stocktake.locations.get(location=world.room)
    clerk = member(world, "asset_clerk")
    special = {"J-MISS", "J-MOVED", "J-BATCH", "J-DMG"}
    for line in stocktake.lines.select_related("asset").exclude(asset__code__in=special):
        services.stocktake_count(actor=clerk, place=line.place, code=line.asset.code)
    services.stocktake_count(actor=clerk, place=place_a, code="J-MOVED")
    services.stocktake_count(actor=clerk, place=place_a, code="J-BATCH", quantity=8)
    services.stocktake_count(actor=clerk, place=place_a, code="J-DMG", condition="damaged", note="屏幕裂了")
    surplus = services.stocktake_surplus_add(
        actor=clerk,
        place=place_a,
        name="无卡书柜",
        quantity=2,
        unit="个",
        estimated_value="600.00",
        photos=[photo("cupboard.jpg")] if surplus_photo else (),
    )
    stocktake = reconcile(world, stocktake)
    adjustments = {a.kind: a for a in stocktake.adjustments.all()}
    return SimpleNamespace(
        stocktake=stocktake,
        room_b=room_b,
        surplus=surplus,
        adjustments=adjustments,
        **cards,
    )


def adjustment(case, kind: str):
    return case.adjustments[AdjustmentKind(kind)]


def submit(world, stocktake, role: str = "asset_clerk"):
    services.stocktake_submit(actor=member(world, role), stocktake=stocktake)
    return fresh(stocktake), approval_of(stocktake, DOC)


def ready(world, case):
    """Give the surplus a category so that everything can be submitted."""
    services.stocktake_adjustment_update(
        actor=member(world, "asset_clerk"), adjustment=adjustment(case, "new_card"), category=category(world)
    )


def approve_all(world, approval):
    decide(world, approval, "logistics_director")
    decide(world, approval, "principal")
    return fresh(approval)
