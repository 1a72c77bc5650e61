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
    """A transfer of the sample asset to the asset clerk, cancelled: the sweep gets a transfer and
    ``world.asset`` stays where it is, free for other areas' tests (a pending one would block it)."""
    from . import services

    tag = _tag(world)
    transfer = services.asset_transfer_create(
        actor=None,
        school=world.school,
        assets=[world.asset],
        to_custodian=world.user("asset_clerk"),
        reason=f"调配{tag}",
    )
    world.asset_transfer = services.asset_transfer_cancel(actor=None, transfer=transfer)


def _samples_custody(world) -> None:
    """承包管理: the sample class's sheet for its classroom, waiting for the head teacher's signature."""
    from . import services
    from .choices import CustodyHolder

    tag = _tag(world)
    world.asset_custody = services.asset_custody_create(
        actor=None,
        school=world.school,
        holder_kind=CustodyHolder.SCHOOL_CLASS,
        school_class=world.school_class,
        location=world.room,
        term=f"2025-2026学年第一学期{tag}",
        responsible=world.user("head_teacher"),
    )


def _samples_loans(world) -> None:
    """A booking of the sample asset by the teacher, starting in a week (an open reservation)."""
    from django.utils import timezone

    from . import services

    start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    world.asset_loan = services.asset_loan_reserve(
        actor=world.user("teacher"),
        school=world.school,
        asset=world.asset,
        starts_at=start,
        due_at=start + dt.timedelta(hours=4),
        purpose=f"公开课录像{_tag(world)}",
    )


def _samples_damage(world) -> None:
    """A second card, 课桌椅, reported damaged by the teacher (so ``world.asset`` keeps its status)."""
    from . import services
    from .models import AssetCategory

    tag = _tag(world)
    school = world.school
    desks = AssetCategory.objects.get(school=school, code="601")
    world.damaged_asset = services.asset_create(
        actor=None,
        school=school,
        code=f"ZC-{tag}-002",
        name=f"课桌椅{tag}",
        category=desks,
        quantity=40,
        unit="套",
        unit_price=Decimal("260.00"),
        acquired_on=dt.date(2015, 9, 1),
        location=world.room,
        department=world.department,
    )
    world.damage = services.asset_damage_report(
        actor=None,
        school=school,
        asset=world.damaged_asset,
        description=f"桌面开裂{tag}",
        reported_by=world.user("teacher"),
    )


def _samples_disposal(world) -> None:
    """A draft disposal (报废) of the damaged desks of ``_samples_damage``."""
    from . import services

    world.disposal = services.asset_disposal_create(
        actor=None,
        school=world.school,
        kind="scrap",
        reason=f"使用年限已满，无法修复{_tag(world)}",
        assets=[world.damaged_asset],
        requested_by=world.user("asset_clerk"),
    )


def add_samples(world) -> None:
    _samples_ledger(world)
    _samples_transfers(world)
    _samples_custody(world)
    _samples_loans(world)
    _samples_damage(world)
    _samples_disposal(world)
