"""Issue 4: "a concurrent double transfer cannot leave an asset in two places". Real threads on
PostgreSQL (row locks): two transfers of one asset started at the same moment, a double click on
confirm, confirm racing cancel, overlapping transfers in opposite order (no deadlock), and two
custodianship sheets for one room. SQLite serialises writers anyway, so these run on PostgreSQL only."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from houqin.assets import services
from houqin.assets.choices import CustodyHolder, TransferStatus
from houqin.assets.models import Asset, AssetCustody, AssetTransfer, AssetTransferItem
from houqin.core.models import AuditEvent
from houqin.core.permissions import attach_school_context
from houqin.core.testing import make_school

SKIP_REASON = "row-lock races need PostgreSQL (run with DATABASE_URL=postgres://...)"

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason=SKIP_REASON),
]


def race(*calls):
    """Run the calls in threads released together; return each one's result or exception."""
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


def refused(result) -> bool:
    return isinstance(result, ValidationError | PermissionDenied)


def acting(user, world):
    class Request:
        pass

    attach_school_context(Request(), user, world.school.pk)
    return user


@pytest.fixture
def world():
    return make_school("cc")


def transfer_of(world, assets, receiver):
    return services.asset_transfer_create(
        actor=acting(world.user("asset_clerk"), world),
        school=world.school,
        assets=assets,
        to_custodian=receiver,
    )


def test_two_transfers_of_one_asset_started_together_one_is_refused_by_name(world):
    head, principal = world.user("head_teacher"), world.user("principal")
    results = race(
        lambda: transfer_of(world, [world.asset], head),
        lambda: transfer_of(world, [world.asset], principal),
    )
    assert sum(isinstance(r, AssetTransfer) for r in results) == 1
    error = next(r for r in results if refused(r))
    assert world.asset.name in " ".join(error.messages) and "不能重复调配" in " ".join(error.messages)
    assert (
        AssetTransferItem.objects.filter(asset=world.asset, transfer__status=TransferStatus.PENDING).count()
        == 1
    )


def test_a_double_click_on_confirm_moves_the_asset_once(world):
    head = acting(world.user("head_teacher"), world)
    transfer = transfer_of(world, [world.asset], head)
    results = race(
        lambda: services.asset_transfer_confirm(actor=head, transfer=transfer),
        lambda: services.asset_transfer_confirm(actor=head, transfer=transfer),
    )
    assert sum(isinstance(r, AssetTransfer) for r in results) == 1
    assert sum(refused(r) for r in results) == 1
    assert AuditEvent.objects.for_target(world.asset).filter(verb="transferred").count() == 1
    assert Asset.objects.get(pk=world.asset.pk).custodian == head


def test_confirm_racing_cancel_has_one_outcome(world):
    head = acting(world.user("head_teacher"), world)
    clerk = acting(world.user("asset_clerk"), world)
    transfer = transfer_of(world, [world.asset], head)
    results = race(
        lambda: services.asset_transfer_confirm(actor=head, transfer=transfer),
        lambda: services.asset_transfer_cancel(actor=clerk, transfer=transfer),
    )
    assert sum(refused(r) for r in results) == 1
    transfer.refresh_from_db()
    moved = Asset.objects.get(pk=world.asset.pk).custodian == head
    assert moved is (transfer.status == TransferStatus.CONFIRMED)
    assert transfer.status in {TransferStatus.CONFIRMED, TransferStatus.CANCELLED}


def test_overlapping_transfers_in_opposite_order_never_deadlock(world):
    second = services.asset_create(
        actor=None,
        school=world.school,
        name="第二台",
        category=world.asset.category,
        quantity=1,
        unit="台",
        unit_price=world.asset.unit_price,
        acquired_on=world.asset.acquired_on,
        location=world.room,
        custodian=world.user("teacher"),
    )
    head, principal = world.user("head_teacher"), world.user("principal")
    results = race(
        lambda: transfer_of(world, [world.asset, second], head),
        lambda: transfer_of(world, [second, world.asset], principal),
    )
    assert sum(isinstance(r, AssetTransfer) for r in results) == 1
    assert sum(refused(r) for r in results) == 1, results


def test_two_sheets_for_one_room_and_term_at_once_make_one(world):
    clerk = acting(world.user("asset_clerk"), world)

    def create():
        return services.asset_custody_create(
            actor=clerk,
            school=world.school,
            holder_kind=CustodyHolder.SCHOOL_CLASS,
            school_class=world.school_class,
            location=world.room,
            term="并发学期",
            responsible=world.user("head_teacher"),
        )

    results = race(create, create)
    assert sum(isinstance(r, AssetCustody) for r in results) == 1
    assert sum(refused(r) for r in results) == 1
    assert AssetCustody.objects.filter(school=world.school, term="并发学期").count() == 1
