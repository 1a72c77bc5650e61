"""Counting services (issue 5, "Counting on a phone" and "Bad input"): scans by code and by label,
clear messages for unknown and foreign codes, closed plans, double counts, misplaced and
out-of-scope cards, batch quantities, unknown items with photos, and retried requests.

Also the helpers the other counting tests share (``setup``, ``room2``, ``card``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from houqin.assets import services as asset_services
from houqin.assets.choices import AssetStatus
from houqin.assets.models import Asset, AssetCategory
from houqin.core.attachments import attachments_for
from houqin.core.models import Attachment
from houqin.org import services as org_services
from houqin.stocktake import services
from houqin.stocktake.models import StocktakeLine, StocktakeSurplus

from .helpers import member, photo, plan

pytestmark = pytest.mark.django_db


# --- shared helpers -------------------------------------------------------------------------------


def card(world, code: str, *, location=None, quantity: int = 1) -> Asset:
    return asset_services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=AssetCategory.objects.get(school=world.school, code="301"),
        quantity=quantity,
        unit="台",
        unit_price=Decimal("100.00"),
        acquired_on=dt.date(2023, 9, 1),
        location=location or world.room,
    )


def room2(world, name: str = "音乐室"):
    return org_services.location_create(
        actor=None, school=world.school, campus=world.campus, name=name, parent=world.floor
    )


def setup(world, *, floor: bool = False):
    """A counting plan over the world's room (or its floor, with a second room) counted by the
    teacher; returns (plan, place of the room)."""
    counters = {world.room.pk: world.user("teacher")}
    stocktake = plan(world, scope_location=world.floor if floor else world.room, counters=counters)
    return stocktake, stocktake.locations.get(location=world.room)


def not_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg")


def messages_of(exc) -> str:
    return " ".join(str(m) for m in exc.value.messages)


# --- scanning -------------------------------------------------------------------------------------


def test_a_scan_by_code_or_by_the_labels_url_counts_the_card(school_a):
    """Issue 5: "scan QR labels with the camera or type a code, mark found"; the label holds the
    scan URL (issue 4), the service reads the code out of it."""
    other = card(school_a, "ZC-CNT-2")
    stocktake, place = setup(school_a)
    teacher = member(school_a, "teacher")
    outcome = services.stocktake_count(actor=teacher, place=place, code=school_a.asset.code)
    assert outcome.line.is_counted and outcome.line.found_in == place and not outcome.misplaced
    assert outcome.line.counted_quantity == 1 and outcome.line.counted_by == teacher
    label = f"https://houqin.example.edu.cn/assets/scan/?c={other.code}"
    outcome = services.stocktake_count(actor=teacher, place=place, code=label)
    assert outcome.line.asset == other and not outcome.repeated
    assert stocktake.lines.counted().count() == 2


def test_unknown_and_another_schools_code_get_the_same_message(school_a, school_b):
    """Issue 5 "Bad input: a code from another school": it looks exactly like an unknown code."""
    _, place = setup(school_a)
    teacher = member(school_a, "teacher")
    with pytest.raises(ValidationError) as unknown:
        services.stocktake_count(actor=teacher, place=place, code="ZC-NOPE-1")
    with pytest.raises(ValidationError) as foreign:
        services.stocktake_count(actor=teacher, place=place, code=school_b.asset.code)
    assert messages_of(unknown).replace("ZC-NOPE-1", "X") == messages_of(foreign).replace(
        school_b.asset.code, "X"
    )
    assert "本校没有编号为" in messages_of(foreign)
    assert not StocktakeLine.objects.filter(asset=school_b.asset, stocktake__school=school_a.school).exists()


def test_a_disposed_card_is_refused(school_a):
    """DOMAIN.md: disposed cards stay in the books but are not on the active ledger."""
    gone = card(school_a, "ZC-CNT-D")
    _, place = setup(school_a)
    Asset.objects.filter(pk=gone.pk).update(status=AssetStatus.DISPOSED)
    with pytest.raises(ValidationError) as exc:
        services.stocktake_count(actor=member(school_a, "teacher"), place=place, code=gone.code)
    assert "已处置" in messages_of(exc)


def test_no_scan_on_a_reconciling_or_closed_plan(school_a):
    """Issue 5 "Bad input: a scan on a closed plan" → a clear message."""
    stocktake, place = setup(school_a)
    services.stocktake_close_counting(actor=member(school_a, "asset_clerk"), stocktake=stocktake)
    with pytest.raises(ValidationError) as exc:
        services.stocktake_count(actor=member(school_a, "teacher"), place=place, code=school_a.asset.code)
    assert "不能再录入" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:  # the sample plan is reconciled
        services.stocktake_surplus_add(
            actor=member(school_a, "teacher"), place=school_a.stocktake_place, name="椅子"
        )
    assert "不能再录入" in messages_of(exc)


def test_the_same_scan_sent_twice_counts_once(school_a):
    """Issue 5: "a lost request is retried without duplicating the count" (same client_key)."""
    _, place = setup(school_a)
    teacher = member(school_a, "teacher")
    key = uuid.uuid4()
    first = services.stocktake_count(actor=teacher, place=place, code=school_a.asset.code, client_key=key)
    again = services.stocktake_count(
        actor=teacher, place=place, code=school_a.asset.code, client_key=str(key), note="changed"
    )
    assert not first.repeated and again.repeated
    assert again.line.pk == first.line.pk and again.line.counted_at == first.line.counted_at
    assert StocktakeLine.objects.get(pk=first.line.pk).note == ""


def test_a_card_counted_by_someone_else_is_not_counted_twice(school_a):
    """Issue 5 "the same asset counted twice by two people → clear messages, no double counts"."""
    _, place = setup(school_a)
    first = services.stocktake_count(actor=member(school_a, "teacher"), place=place, code=school_a.asset.code)
    with pytest.raises(ValidationError) as exc:
        services.stocktake_count(actor=member(school_a, "asset_clerk"), place=place, code=school_a.asset.code)
    assert "已由" in messages_of(exc) and "不再重复计数" in messages_of(exc)
    line = StocktakeLine.objects.get(pk=first.line.pk)
    assert line.counted_by == school_a.user("teacher")


def test_found_elsewhere_is_misplaced_and_an_out_of_scope_card_gets_a_line(school_a):
    """Issue 5: "found-elsewhere (asset belongs to another location → proposed transfer)"; a card
    of the school outside the plan's scope gets an unexpected line."""
    music = room2(school_a)
    there = card(school_a, "ZC-CNT-M", location=music)
    stocktake, place = setup(school_a, floor=True)
    clerk = member(school_a, "asset_clerk")
    outcome = services.stocktake_count(actor=clerk, place=place, code=there.code)
    assert outcome.misplaced and not outcome.created
    assert "账面位置" in outcome.message and "音乐室" in outcome.message and "位置不符" in outcome.message

    outside = card(school_a, "ZC-CNT-O", location=school_a.building)  # not under the floor
    outcome = services.stocktake_count(actor=clerk, place=place, code=outside.code)
    assert outcome.created and outcome.misplaced and not outcome.line.expected
    assert "盘点范围外" in outcome.message
    assert stocktake.lines.filter(expected=False).count() == 1
    services.stocktake_uncount(actor=clerk, line=outcome.line)  # the unexpected line goes away
    assert stocktake.lines.filter(expected=False).count() == 0


def test_batch_quantity_must_be_a_positive_whole_number(school_a):
    """Issue 5: "quantity counts for batch cards"; rule 5: bad input gets a clear error."""
    chairs = card(school_a, "ZC-CNT-B", quantity=40)
    _, place = setup(school_a)
    teacher = member(school_a, "teacher")
    for bad, text in (("0", "至少为 1"), (-3, "至少为 1"), ("三十", "整数"), ("2.5", "整数")):
        with pytest.raises(ValidationError) as exc:
            services.stocktake_count(actor=teacher, place=place, code=chairs.code, quantity=bad)
        assert text in messages_of(exc)
    assert not StocktakeLine.objects.get(asset=chairs, stocktake=place.stocktake).is_counted
    outcome = services.stocktake_count(actor=teacher, place=place, code=chairs.code, quantity="38")
    assert outcome.line.counted_quantity == 38 and outcome.line.expected_quantity == 40
    assert (
        services.stocktake_count(actor=teacher, place=place, code=school_a.asset.code).line.counted_quantity
        == 1
    )


def test_an_unknown_item_is_saved_with_its_photo_and_a_bad_file_saves_nothing(school_a):
    """Issue 5: "unknown items (no card → proposed surplus with photo)"; rule 5: the item and its
    photo are saved in one transaction."""
    stocktake, place = setup(school_a)
    teacher = member(school_a, "teacher")
    with pytest.raises(ValidationError):
        services.stocktake_surplus_add(
            actor=teacher, place=place, name="旧钢琴", photos=[not_image()], estimated_value="800"
        )
    assert not StocktakeSurplus.objects.filter(stocktake=stocktake).exists()
    assert not Attachment.objects.filter(school=school_a.school, original_name="x.jpg").exists()
    surplus = services.stocktake_surplus_add(
        actor=teacher, place=place, name="旧钢琴", quantity="1", estimated_value="800", photos=[photo()]
    )
    assert surplus.estimated_value == Decimal("800.00")
    assert len(attachments_for(surplus, school_a.school)) == 1
    with pytest.raises(ValidationError) as exc:
        services.stocktake_surplus_add(
            actor=teacher, place=place, name="", quantity="0", estimated_value="-1"
        )
    assert set(exc.value.message_dict) == {"name", "quantity", "estimated_value"}


def test_a_retried_unknown_item_is_saved_once(school_a):
    """Issue 5: a lost request is retried (same client_key) without a second item."""
    stocktake, place = setup(school_a)
    teacher = member(school_a, "teacher")
    key = str(uuid.uuid4())
    first = services.stocktake_surplus_add(
        actor=teacher, place=place, name="椅子", quantity=3, client_key=key
    )
    again = services.stocktake_surplus_add(
        actor=teacher, place=place, name="椅子", quantity=3, client_key=key
    )
    assert first.pk == again.pk
    assert StocktakeSurplus.objects.filter(stocktake=stocktake).count() == 1


def test_only_the_counter_or_the_office_counts_and_undoes(school_a):
    """permissions.can_count_location: the location's counter, or whoever runs stocktakes."""
    _, place = setup(school_a)
    with pytest.raises(PermissionDenied):
        services.stocktake_count(
            actor=member(school_a, "head_teacher"), place=place, code=school_a.asset.code
        )
    outcome = services.stocktake_count(
        actor=member(school_a, "teacher"), place=place, code=school_a.asset.code
    )
    with pytest.raises(PermissionDenied):
        services.stocktake_uncount(actor=member(school_a, "head_teacher"), line=outcome.line)
    line = services.stocktake_uncount(actor=member(school_a, "asset_clerk"), line=outcome.line)
    assert not StocktakeLine.objects.get(pk=line.pk).is_counted
