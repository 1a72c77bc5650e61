"""调配 services. Issue 4: "Allocation and transfer (调配) between locations, departments and
custodians, with the receiving custodian's confirmation"; "a concurrent double transfer cannot leave
an asset in two places" (the races themselves: test_transfers_concurrency.py, on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from houqin.assets import services
from houqin.assets.choices import AssetStatus, TransferStatus
from houqin.assets.models import Asset, AssetCategory, AssetTransfer
from houqin.core.models import AuditEvent
from houqin.core.permissions import attach_school_context
from houqin.notify.models import Notification
from houqin.org import services as org_services


def acting(user, world):
    """The user with their roles in ``world``'s school, as the middleware gives them to a view."""

    class Request:
        pass

    attach_school_context(Request(), user, world.school.pk)
    return user


def events(obj, verb):
    return AuditEvent.objects.for_target(obj).filter(verb=verb)


def make_asset(world, name="投影仪", *, location=None, custodian=None, department=None, code=""):
    return services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=name,
        category=AssetCategory.objects.get(school=world.school, code="307"),
        quantity=1,
        unit="台",
        unit_price=Decimal("3000.00"),
        acquired_on=dt.date(2024, 3, 1),
        location=location or world.room,
        department=department or world.department,
        custodian=custodian or world.user("teacher"),
    )


@pytest.fixture
def world(school_a):
    return school_a


@pytest.fixture
def clerk(world):
    return acting(world.user("asset_clerk"), world)


@pytest.fixture
def receiver(world):
    return acting(world.user("head_teacher"), world)


@pytest.fixture
def office(world):
    return org_services.location_create(
        actor=None, school=world.school, campus=world.campus, parent=world.floor, name="办公室a2"
    )


@pytest.fixture
def asset(world):
    return make_asset(world)


def create(world, clerk, assets, receiver, **kwargs):
    return services.asset_transfer_create(
        actor=clerk, school=world.school, assets=assets, to_custodian=receiver, **kwargs
    )


# --- create -----------------------------------------------------------------------------------------


def test_create_keeps_where_each_asset_comes_from_and_notifies_the_receiver(
    world, clerk, receiver, asset, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = create(world, clerk, [asset], receiver, to_location=office, reason="新教室")
    assert transfer.number.startswith("DP-")
    assert transfer.status == TransferStatus.PENDING and transfer.created_by == clerk
    item = transfer.items.get()
    assert (item.asset, item.from_location, item.from_department, item.from_custodian) == (
        asset,
        world.room,
        world.department,
        world.user("teacher"),
    )
    asset.refresh_from_db()
    assert asset.location == world.room, "nothing moves before the receiver confirms"
    assert events(transfer, "created").get().actor == clerk
    note = Notification.objects.get(recipient=receiver, kind="assets.transfer")
    assert transfer.number in note.title and note.url == transfer.get_absolute_url()


def test_a_teacher_cannot_start_a_transfer(world, asset, receiver):
    teacher = acting(world.user("teacher"), world)
    with pytest.raises(PermissionDenied):
        create(world, teacher, [asset], receiver)
    assert not AssetTransfer.objects.filter(school=world.school, status=TransferStatus.PENDING).exists()


def test_an_asset_already_waiting_in_a_transfer_is_refused_by_name(world, clerk, receiver, asset):
    """A concurrent double transfer cannot leave an asset in two places: the second one is refused."""
    first = create(world, clerk, [asset], receiver)
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [asset], acting(world.user("asset_clerk"), world))
    message = " ".join(exc.value.message_dict["assets"])
    assert asset.name in message and first.number in message


def test_a_disposed_asset_cannot_be_transferred(world, clerk, receiver, asset):
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.DISPOSED)
    asset.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [asset], receiver)
    assert "已处置" in exc.value.message_dict["assets"][0]


def test_nothing_to_move_is_refused(world, clerk, asset):
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [asset], world.user("teacher"))
    assert "无需调配" in exc.value.message_dict["assets"][0]


def test_no_assets_is_refused(world, clerk, receiver):
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [], receiver)
    assert "assets" in exc.value.message_dict


def test_the_receiver_must_be_staff_of_the_school(world, school_b, clerk, asset):
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [asset], school_b.user("teacher"))
    assert "本校在职教职工" in exc.value.message_dict["to_custodian"][0]


def test_another_schools_place_department_and_asset_are_refused(world, school_b, clerk, receiver, asset):
    """Tenancy: everything named in a transfer is this school's."""
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [asset], receiver, to_location=school_b.room, to_department=school_b.department)
    assert set(exc.value.message_dict) >= {"to_location", "to_department"}
    with pytest.raises(ValidationError) as exc:
        create(world, clerk, [school_b.asset], receiver)
    assert "不属于本校" in exc.value.message_dict["assets"][0]


# --- confirm ----------------------------------------------------------------------------------------


def test_the_receiver_confirms_and_the_assets_move_with_a_record_on_each_card(
    world, clerk, receiver, asset, office, django_capture_on_commit_callbacks
):
    second = make_asset(world, "电脑", code="ZC-T-2")
    transfer = create(world, clerk, [asset, second], receiver, to_location=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_transfer_confirm(actor=receiver, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CONFIRMED and transfer.decided_by == receiver
    for card in (asset, second):
        card.refresh_from_db()
        assert (card.location, card.department, card.custodian) == (office, world.department, receiver)
        event = events(card, "transferred").get()
        assert event.actor == receiver
        assert event.changes["location"] == [str(world.room), str(office)]
        assert event.changes["custodian"] == [str(world.user("teacher")), str(receiver)]
        assert "department" not in event.changes, "the department did not change"
        assert event.changes["transfer"] == [None, transfer.number]
    assert events(transfer, "transfer_confirmed").get().changes["status"] == ["pending", "confirmed"]
    assert Notification.objects.filter(recipient=clerk, kind="assets.transfer").exists()


def test_only_the_receiver_confirms_not_even_the_director(world, clerk, receiver, asset):
    """The receiving custodian's confirmation (issue 4): nobody confirms for them."""
    transfer = create(world, clerk, [asset], receiver)
    for role in ("logistics_director", "asset_clerk", "teacher", "principal"):
        with pytest.raises(PermissionDenied):
            services.asset_transfer_confirm(actor=acting(world.user(role), world), transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING


def test_confirm_refuses_when_the_asset_was_moved_meanwhile(world, clerk, receiver, asset, office):
    """资产已被调配，请刷新: the card is no longer where the line says."""
    transfer = create(world, clerk, [asset], receiver)
    Asset.objects.filter(pk=asset.pk).update(location=office)
    with pytest.raises(ValidationError) as exc:
        services.asset_transfer_confirm(actor=receiver, transfer=transfer)
    assert "资产已被调配，请刷新" in exc.value.messages[0]
    asset.refresh_from_db()
    assert asset.custodian == world.user("teacher")


def test_a_confirmed_transfer_cannot_be_confirmed_rejected_or_cancelled(world, clerk, receiver, asset):
    transfer = create(world, clerk, [asset], receiver)
    services.asset_transfer_confirm(actor=receiver, transfer=transfer)
    with pytest.raises(ValidationError):
        services.asset_transfer_confirm(actor=receiver, transfer=transfer)
    with pytest.raises(ValidationError):
        services.asset_transfer_reject(actor=receiver, transfer=transfer, note="晚了")
    with pytest.raises(ValidationError):
        services.asset_transfer_cancel(actor=clerk, transfer=transfer)


def test_after_confirmation_the_asset_can_be_transferred_again(world, clerk, receiver, asset):
    services.asset_transfer_confirm(actor=receiver, transfer=create(world, clerk, [asset], receiver))
    asset.refresh_from_db()
    again = create(world, clerk, [asset], world.user("teacher"))
    assert again.items.get().from_custodian == receiver


# --- reject and cancel ------------------------------------------------------------------------------


def test_the_receiver_rejects_with_a_reason_and_nothing_moves(
    world, clerk, receiver, asset, django_capture_on_commit_callbacks
):
    transfer = create(world, clerk, [asset], receiver)
    with pytest.raises(ValidationError) as exc:
        services.asset_transfer_reject(actor=receiver, transfer=transfer, note="  ")
    assert "note" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.asset_transfer_reject(actor=clerk, transfer=transfer, note="代为拒收")
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_transfer_reject(actor=receiver, transfer=transfer, note="放不下")
    transfer.refresh_from_db()
    asset.refresh_from_db()
    assert transfer.status == TransferStatus.REJECTED and transfer.decision_note == "放不下"
    assert asset.custodian == world.user("teacher")
    assert not events(asset, "transferred").exists()
    assert events(transfer, "transfer_rejected").exists()
    assert "放不下" in Notification.objects.get(recipient=clerk, kind="assets.transfer").title


def test_the_creator_or_the_director_cancels_the_receiver_cannot(world, clerk, receiver, asset):
    transfer = create(world, clerk, [asset], receiver)
    with pytest.raises(PermissionDenied):
        services.asset_transfer_cancel(actor=receiver, transfer=transfer)
    director = acting(world.user("logistics_director"), world)
    services.asset_transfer_cancel(actor=director, transfer=transfer, reason="接收人出差")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED and transfer.decided_by == director
    assert events(transfer, "transfer_cancelled").get().changes["decision_note"] == [None, "接收人出差"]
    # the asset is free again
    create(world, clerk, [asset], receiver)


def test_available_actions_show_exactly_the_buttons(world, clerk, receiver, asset):
    transfer = create(world, clerk, [asset], receiver)
    teacher = acting(world.user("teacher"), world)
    director = acting(world.user("logistics_director"), world)
    assert services.transfer_available_actions(transfer, receiver) == ["confirm", "reject"]
    assert services.transfer_available_actions(transfer, clerk) == ["cancel"]
    assert services.transfer_available_actions(transfer, director) == ["cancel"]
    assert services.transfer_available_actions(transfer, teacher) == []
    services.asset_transfer_confirm(actor=receiver, transfer=transfer)
    transfer.refresh_from_db()
    assert services.transfer_available_actions(transfer, receiver) == []
    assert services.transfer_available_actions(transfer, clerk) == []


def test_the_asset_page_offers_transfer_only_when_it_can_be_transferred(world, clerk, receiver, asset):
    from houqin.assets.actions import asset_actions

    def keys(user):
        return [a.key for a in asset_actions(asset, user)]

    assert "transfer" in keys(clerk)
    assert "transfer" not in keys(acting(world.user("teacher"), world))
    create(world, clerk, [asset], receiver)
    assert "transfer" not in keys(clerk), "already waiting in a transfer"
