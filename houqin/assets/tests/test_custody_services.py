"""承包管理 services. Issue 4: "at term start a class or office takes over its desks, chairs, doors,
windows, handles, multimedia set, listed item by item with condition; signed by the head teacher;
handed back at term end with a condition check". DOMAIN.md: "classes and offices contract their
desks, chairs, doors, windows, handles (承包管理)"."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from houqin.assets import services
from houqin.assets.choices import Condition, CustodyHolder, CustodyStatus
from houqin.assets.models import AssetCategory, AssetCustody
from houqin.core.models import Attachment, AttachmentKind, AuditEvent
from houqin.core.permissions import attach_school_context
from houqin.org import services as org_services

TERM = "2026-2027学年第一学期"


def acting(user, world):
    class Request:
        pass

    attach_school_context(Request(), user, world.school.pk)
    return user


def signature(ink: bool = True) -> str:
    """A PNG data URL as signature_pad sends it: a stroke of ink, or a blank pad."""
    image = Image.new("RGBA", (300, 150), (0, 0, 0, 0))
    if ink:
        for x in range(20, 220):
            for dy in range(3):
                image.putpixel((x, 50 + x // 8 + dy), (0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def events(obj, verb):
    return AuditEvent.objects.for_target(obj).filter(verb=verb)


def card(world, name, *, category="601", quantity=1, location=None):
    return services.asset_create(
        actor=None,
        school=world.school,
        name=name,
        category=AssetCategory.objects.get(school=world.school, code=category),
        quantity=quantity,
        unit="套",
        unit_price=Decimal("300.00"),
        acquired_on=dt.date(2024, 3, 1),
        location=location or world.room,
    )


@pytest.fixture
def world(school_a):
    head = school_a.user("head_teacher")
    org_services.school_class_update(
        actor=None, school_class=school_a.school_class, data={"head_teacher": head}
    )
    school_a.school_class.refresh_from_db()
    return school_a


@pytest.fixture
def clerk(world):
    return acting(world.user("asset_clerk"), world)


@pytest.fixture
def head(world):
    return acting(world.user("head_teacher"), world)


def class_sheet(world, actor, **kwargs):
    return services.asset_custody_create(
        actor=actor,
        school=world.school,
        holder_kind=CustodyHolder.SCHOOL_CLASS,
        school_class=world.school_class,
        location=kwargs.pop("location", None),
        term=kwargs.pop("term", TERM),
        **kwargs,
    )


# --- create -----------------------------------------------------------------------------------------


def test_sheet_lists_the_rooms_cards_and_the_standard_fixtures(world, clerk):
    """The class takes over its desks and chairs (cards) and doors, windows, handles... (fixtures)."""
    desks = card(world, "学生课桌椅", quantity=45)
    card(world, "空调", category="306")
    sheet = class_sheet(world, clerk)
    assert sheet.number.startswith("CB-") and sheet.status == CustodyStatus.DRAFT
    assert sheet.location == world.room, "a class's room defaults to its classroom"
    assert sheet.responsible == world.user("head_teacher"), "signed by the head teacher"
    lines = {i.name: i for i in sheet.items.all()}
    assert lines["学生课桌椅"].asset == desks and lines["学生课桌椅"].quantity == 45
    assert world.asset.name in lines, "the sample computer in the room is listed"
    for fixture in ("门", "窗", "门把手/锁", "灯", "多媒体一体机"):
        assert fixture in lines and lines[fixture].asset is None
    assert "电扇/空调" not in lines, "the air conditioner has a card: no fixture line for it"
    assert all(i.condition_out == Condition.GOOD for i in lines.values())
    assert events(sheet, "created").get().actor == clerk


def test_office_sheet_is_signed_by_the_head_of_the_department(world, clerk):
    office = org_services.location_create(
        actor=None, school=world.school, campus=world.campus, parent=world.floor, name="总务办公室a"
    )
    sheet = services.asset_custody_create(
        actor=clerk,
        school=world.school,
        holder_kind=CustodyHolder.OFFICE,
        department=world.department,
        location=office,
        term=TERM,
    )
    assert sheet.responsible == world.user("logistics_director")
    assert sheet.school_class is None


def test_a_class_without_head_teacher_needs_a_named_signer(school_a):
    clerk = acting(school_a.user("asset_clerk"), school_a)
    with pytest.raises(ValidationError) as exc:
        class_sheet(school_a, clerk)
    assert "班主任" in exc.value.message_dict["responsible"][0]


def test_one_open_sheet_per_room_and_term(world, clerk, head):
    first = class_sheet(world, clerk)
    with pytest.raises(ValidationError) as exc:
        class_sheet(world, clerk)
    assert first.number in exc.value.message_dict["location"][0]
    class_sheet(world, clerk, term="2026-2027学年第二学期")  # another term is fine


def test_given_lines_replace_the_defaults_and_bad_lines_are_all_reported(world, clerk):
    with pytest.raises(ValidationError) as exc:
        class_sheet(world, clerk, items=[{"name": "", "quantity": 0}, {"name": "黑板", "condition_out": "x"}])
    problems = exc.value.message_dict["items"]
    assert any(p.startswith("第 1 行") for p in problems) and any(p.startswith("第 2 行") for p in problems)
    sheet = class_sheet(
        world, clerk, items=[{"name": "黑板", "quantity": 1, "condition_out": Condition.WORN}]
    )
    assert [(i.name, i.condition_out) for i in sheet.items.all()] == [("黑板", Condition.WORN)]


def test_another_schools_class_room_signer_and_card_are_refused(world, school_b, clerk):
    with pytest.raises(ValidationError) as exc:
        services.asset_custody_create(
            actor=clerk,
            school=world.school,
            holder_kind=CustodyHolder.SCHOOL_CLASS,
            school_class=school_b.school_class,
            location=school_b.room,
            term=TERM,
        )
    assert set(exc.value.message_dict) >= {"school_class", "location"}
    with pytest.raises(ValidationError) as exc:
        class_sheet(world, clerk, responsible=school_b.user("teacher"))
    assert "本校在职教职工" in exc.value.message_dict["responsible"][0]
    with pytest.raises(ValidationError) as exc:
        class_sheet(world, clerk, items=[{"asset": school_b.asset, "quantity": 1}])
    assert "不属于本校" in exc.value.message_dict["items"][0]


def test_a_head_teacher_draws_up_only_their_own_class_a_teacher_none(world, head):
    teacher = acting(world.user("teacher"), world)
    with pytest.raises(PermissionDenied):
        class_sheet(world, teacher)
    with pytest.raises(PermissionDenied):
        class_sheet(world, head, responsible=world.user("teacher"))
    assert class_sheet(world, head).responsible == head


# --- lines ------------------------------------------------------------------------------------------


def test_lines_are_added_edited_and_removed_while_waiting_for_the_signature(world, clerk, head):
    sheet = class_sheet(world, clerk)
    lines = list(sheet.items.all())
    door = next(i for i in lines if i.name == "门")
    kept = [
        {
            "id": i.pk,
            "name": i.name,
            "quantity": i.quantity,
            "asset": i.asset,
            "condition_out": i.condition_out,
        }
        for i in lines
        if i.name not in {"灯"}
    ]
    for line in kept:
        if line["id"] == door.pk:
            line.update(quantity=2, condition_out=Condition.WORN, note="后门有划痕")
    kept.append({"name": "窗帘", "quantity": 4})
    services.asset_custody_update_items(actor=head, custody=sheet, items=kept)
    names = {i.name: i for i in sheet.items.all()}
    assert "灯" not in names and names["窗帘"].quantity == 4
    assert (names["门"].quantity, names["门"].condition_out, names["门"].note) == (2, "worn", "后门有划痕")
    event = events(sheet, "custody_items_updated").get()
    assert event.changes["added"] == [None, ["窗帘"]] and event.changes["removed"] == [None, ["灯"]]
    assert event.changes["changed"] == [None, ["门"]]


def test_a_line_of_another_sheet_cannot_be_edited_through_this_one(world, clerk):
    sheet = class_sheet(world, clerk)
    other = class_sheet(world, clerk, term="别的学期")
    foreign = other.items.first()
    with pytest.raises(ValidationError):
        services.asset_custody_update_items(
            actor=clerk, custody=sheet, items=[{"id": foreign.pk, "name": "偷改", "quantity": 1}]
        )
    foreign.refresh_from_db()
    assert foreign.name != "偷改"


def test_a_teacher_cannot_edit_and_nobody_edits_a_signed_sheet(world, clerk, head):
    sheet = class_sheet(world, clerk)
    with pytest.raises(PermissionDenied):
        services.asset_custody_update_items(
            actor=acting(world.user("teacher"), world), custody=sheet, items=[{"name": "门", "quantity": 1}]
        )
    services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    with pytest.raises(ValidationError):
        services.asset_custody_update_items(actor=clerk, custody=sheet, items=[{"name": "门", "quantity": 1}])


# --- sign -------------------------------------------------------------------------------------------


def test_the_head_teacher_signs_by_hand_and_the_class_holds_the_things(world, clerk, head):
    """Signed by the head teacher: the handwritten signature is kept with the sheet."""
    desks = card(world, "学生课桌椅", quantity=45)
    sheet = class_sheet(world, clerk)
    services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.SIGNED and sheet.signed_at is not None
    stored = Attachment.objects.for_target(sheet).get(kind=AttachmentKind.SIGNATURE)
    assert stored.signer == head and sheet.number in stored.signed_for
    assert events(sheet, "custody_signed").get().actor == head
    on_card = events(desks, "custody_signed").get()
    assert on_card.changes == {"custody": [None, sheet.number], "holder": [None, str(world.school_class)]}


def test_only_the_responsible_person_signs(world, clerk):
    sheet = class_sheet(world, clerk)
    for role in ("asset_clerk", "logistics_director", "teacher", "principal"):
        with pytest.raises(PermissionDenied):
            services.asset_custody_sign(
                actor=acting(world.user(role), world), custody=sheet, signature_data_url=signature()
            )
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.DRAFT
    assert not Attachment.objects.for_target(sheet).exists()


def test_a_blank_signature_is_refused_and_nothing_changes(world, clerk, head):
    sheet = class_sheet(world, clerk)
    with pytest.raises(ValidationError) as exc:
        services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature(ink=False))
    assert "签" in exc.value.messages[0]
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.DRAFT


def test_a_signed_sheet_cannot_be_signed_again(world, clerk, head):
    sheet = class_sheet(world, clerk)
    services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    with pytest.raises(ValidationError):
        services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    assert Attachment.objects.for_target(sheet).count() == 1


# --- return at term end ------------------------------------------------------------------------------


def signed_sheet(world, clerk, head):
    sheet = class_sheet(world, clerk)
    services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    return sheet


def test_the_clerk_checks_every_line_back_and_damage_is_recorded(world, clerk, head):
    """Handed back at term end with a condition check; the damaged card's timeline shows it."""
    desks = card(world, "学生课桌椅", quantity=45)
    sheet = signed_sheet(world, clerk, head)
    lines = {i.name: i for i in sheet.items.all()}
    conditions = {i.pk: Condition.GOOD for i in lines.values()}
    conditions[lines["学生课桌椅"].pk] = Condition.DAMAGED
    conditions[lines["门把手/锁"].pk] = Condition.MISSING
    services.asset_custody_return(
        actor=clerk,
        custody=sheet,
        conditions=conditions,
        notes={lines["学生课桌椅"].pk: "两张桌面断裂"},
        note="期末检查",
    )
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.RETURNED and sheet.return_checked_by == clerk
    lines = {i.name: i for i in sheet.items.all()}
    assert (
        lines["学生课桌椅"].condition_back == Condition.DAMAGED and "两张桌面断裂" in lines["学生课桌椅"].note
    )
    returned = events(sheet, "custody_returned").get()
    assert len(returned.changes["damaged_items"][1]) == 2
    assert events(desks, "custody_returned").get().changes["condition"] == ["完好", "损坏"]


def test_every_line_needs_its_condition(world, clerk, head):
    sheet = signed_sheet(world, clerk, head)
    first = sheet.items.first()
    with pytest.raises(ValidationError) as exc:
        services.asset_custody_return(actor=clerk, custody=sheet, conditions={first.pk: Condition.GOOD})
    assert "逐项" in exc.value.message_dict["conditions"][0]
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.SIGNED


def test_only_the_clerk_takes_back_and_only_a_signed_sheet(world, clerk, head):
    sheet = class_sheet(world, clerk)
    all_good = {i.pk: Condition.GOOD for i in sheet.items.all()}
    with pytest.raises(ValidationError):
        services.asset_custody_return(actor=clerk, custody=sheet, conditions=all_good)
    services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    with pytest.raises(PermissionDenied):
        services.asset_custody_return(actor=head, custody=sheet, conditions=all_good)
    services.asset_custody_return(actor=clerk, custody=sheet, conditions=all_good)
    with pytest.raises(ValidationError):
        services.asset_custody_return(actor=clerk, custody=sheet, conditions=all_good)


def test_after_return_the_room_may_be_contracted_again_in_the_same_term(world, clerk, head):
    sheet = signed_sheet(world, clerk, head)
    services.asset_custody_return(
        actor=clerk, custody=sheet, conditions={i.pk: Condition.GOOD for i in sheet.items.all()}
    )
    assert class_sheet(world, clerk).pk != sheet.pk


def test_available_actions_follow_the_sheet(world, clerk, head):
    teacher = acting(world.user("teacher"), world)
    sheet = class_sheet(world, clerk)
    assert services.custody_available_actions(sheet, head) == ["edit", "sign"]
    assert services.custody_available_actions(sheet, clerk) == ["edit"]
    assert services.custody_available_actions(sheet, teacher) == []
    services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())
    sheet = AssetCustody.objects.get(pk=sheet.pk)
    assert services.custody_available_actions(sheet, head) == []
    assert services.custody_available_actions(sheet, clerk) == ["return"]


def test_current_term():
    assert services.current_term(dt.date(2026, 9, 1)) == "2026-2027学年第一学期"
    assert services.current_term(dt.date(2027, 1, 10)) == "2026-2027学年第一学期"
    assert services.current_term(dt.date(2027, 3, 1)) == "2026-2027学年第二学期"
