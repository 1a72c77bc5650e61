"""Sample objects for make_school() (houqin/core/testing.py), so the tenancy sweep reaches this app.

One of each school-owned model of the asset ledger, made through the services, with the world's
tag in its ``str``. One function per sub-area; ``add_samples`` calls them in order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def _tag(world) -> str:
    return world.school.code.removeprefix("school-")


def _samples_ledger(world) -> None:
    from . import services
    from .models import AssetCategory

    tag = _tag(world)
    school = world.school
    services.asset_categories_seed(school)
    computers = AssetCategory.objects.get(school=school, code="301")
    services.asset_custom_field_create(
        actor=None, school=school, category=computers, key="cpu", label=f"处理器{tag}"
    )
    world.asset = services.asset_create(
        actor=None,
        school=school,
        code=f"ZC-{tag}-001",
        name=f"台式电脑{tag}",
        category=computers,
        quantity=1,
        unit="台",
        unit_price=Decimal("4800.00"),
        acquired_on=dt.date(2024, 9, 1),
        location=world.room,
        department=world.department,
        custodian=world.user("teacher"),
        is_bookable=True,
    )


def _samples_transfers(world) -> None:
    return None


def _samples_custody(world) -> None:
    return None


def _samples_loans(world) -> None:
    return None


def _samples_damage(world) -> None:
    return None


def _samples_disposal(world) -> None:
    return None


def add_samples(world) -> None:
    _samples_ledger(world)
    _samples_transfers(world)
    _samples_custody(world)
    _samples_loans(world)
    _samples_damage(world)
    _samples_disposal(world)
