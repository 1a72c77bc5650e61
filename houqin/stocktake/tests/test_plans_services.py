"""The plan (盘点计划) services and the deadline reminders: the snapshot of what to count by scope
(location subtree, department, category), counters defaulting to the rooms' custodians, the rules of
making, changing and voiding a plan, and the reminder to counters before the deadline (issue 5:
"reminders to counters before the deadline")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.assets import services as asset_services
from houqin.assets.models import AssetCategory
from houqin.core.registry import todos_for
from houqin.notify.models import Notification, ReminderRule
from houqin.notify.services import reminders_run
from houqin.org import services as org_services
from houqin.stocktake import services
from houqin.stocktake.choices import StocktakeStatus
from houqin.stocktake.wiring import plans as wiring

from .helpers import member, plan

pytestmark = pytest.mark.django_db


def room(world, name: str, *, custodian=None):
    """Another room on the world's floor."""
    return org_services.location_create(
        actor=None,
        school=world.school,
        campus=world.campus,
        name=f"{name}{world.school.code}",
        parent=world.floor,
        custodian=custodian,
    )


def card(world, code: str, *, location, department=None, category: str = "301", price: str = "100.00"):
    return asset_services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=AssetCategory.objects.get(school=world.school, code=category),
        quantity=1,
        unit="台",
        unit_price=Decimal(price),
        acquired_on=dt.date(2023, 9, 1),
        location=location,
        department=department or world.department,
    )


def cards_of(stocktake) -> set[str]:
    return set(stocktake.lines.values_list("asset__code", flat=True))


def set_custodian(world, location, user):
    return org_services.location_update(actor=None, location=location, data={"custodian": user})


# --- the snapshot -------------------------------------------------------------------------------------


def test_a_location_scope_takes_its_whole_subtree_and_nothing_else(school_a):
    """Issue 5: scope "by location subtree": a building holds its floors and rooms."""
    w = school_a
    lab = room(w, "实验室")
    card(w, "ZC-LAB-1", location=lab)
    other_building = org_services.location_create(
        actor=None, school=w.school, campus=w.campus, name="行政楼", kind="building"
    )
    office = org_services.location_create(
        actor=None, school=w.school, campus=w.campus, name="办公室", parent=other_building
    )
    card(w, "ZC-OFF-1", location=office)
    in_building = plan(w, scope_location=w.building)
    assert cards_of(in_building) == {w.asset.code, w.damaged_asset.code, "ZC-LAB-1"}
    assert set(in_building.locations.values_list("location", flat=True)) == {w.room.pk, lab.pk}
    assert in_building.expected_count == 3
    assert in_building.expected_value == Decimal("4800.00") + Decimal("10400.00") + Decimal("100.00")
    in_room = plan(w, scope_location=w.room)
    assert cards_of(in_room) == {w.asset.code, w.damaged_asset.code}


def test_department_and_category_scopes(school_a):
    """Issue 5: scope by department, by category (with its sub-categories)."""
    w = school_a
    teaching = org_services.department_create(actor=None, school=w.school, name="教务处")
    card(w, "ZC-T-1", location=w.room, department=teaching, category="302")
    assert cards_of(plan(w, scope_location=None, scope_department=teaching)) == {"ZC-T-1"}
    equipment = AssetCategory.objects.get(school=w.school, code="3")  # 设备: 301 电脑, 302 办公设备…
    assert cards_of(plan(w, scope_location=None, scope_category=equipment)) == {w.asset.code, "ZC-T-1"}
    computers = AssetCategory.objects.get(school=w.school, code="301")
    assert cards_of(plan(w, scope_location=None, scope_category=computers)) == {w.asset.code}


def test_counters_default_to_each_rooms_custodian(school_a):
    """Issue 5: "counters assigned per location (custodians by default)"; a room without a custodian
    waits for the office to name one; a counter named when making the plan wins."""
    w = school_a
    set_custodian(w, w.room, w.user("head_teacher"))
    lab = room(w, "实验室")
    card(w, "ZC-LAB-1", location=lab)
    stocktake = plan(w, scope_location=w.floor)
    counters = dict(stocktake.locations.values_list("location", "counter"))
    assert counters == {w.room.pk: w.user("head_teacher").pk, lab.pk: None}
    named = plan(w, scope_location=w.floor, counters={lab.pk: w.user("teacher")})
    assert dict(named.locations.values_list("location", "counter"))[lab.pk] == w.user("teacher").pk


def test_a_plan_must_have_a_future_deadline_and_something_to_count(school_a):
    w = school_a
    with pytest.raises(ValidationError) as exc:
        plan(w, deadline=timezone.localdate() - dt.timedelta(days=1))
    assert "截止日期不能早于今天。" in exc.value.message_dict["deadline"]
    empty = room(w, "空教室")
    with pytest.raises(ValidationError, match="盘点范围内没有在账资产"):
        plan(w, scope_location=empty)


def test_another_schools_scope_is_refused(school_a, school_b):
    """DESIGN.md rule 2: a room, department or category of another school is not a scope."""
    for field, value in (
        ("scope_location", school_b.room),
        ("scope_department", school_b.department),
        ("scope_category", AssetCategory.objects.get(school=school_b.school, code="301")),
    ):
        with pytest.raises(ValidationError) as exc:
            plan(school_a, **{"scope_location": None, field: value})
        assert field in exc.value.message_dict


def test_only_who_runs_stocktakes_makes_changes_or_voids_a_plan(school_a):
    w = school_a
    with pytest.raises(PermissionDenied):
        plan(w, role="teacher")
    stocktake = plan(w)
    teacher = member(w, "teacher")
    with pytest.raises(PermissionDenied):
        services.stocktake_update(actor=teacher, stocktake=stocktake, data={"title": "改名"})
    with pytest.raises(PermissionDenied):
        services.stocktake_cancel(actor=teacher, stocktake=stocktake, reason="不要了")
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.COUNTING and stocktake.title != "改名"


def test_update_changes_title_deadline_note_of_an_open_plan(school_a):
    w = school_a
    stocktake = plan(w)
    clerk = member(w, "asset_clerk")
    new_deadline = timezone.localdate() + dt.timedelta(days=3)
    services.stocktake_update(
        actor=clerk,
        stocktake=stocktake,
        data={"title": " 期末盘点 ", "deadline": new_deadline, "note": "请按时"},
    )
    stocktake.refresh_from_db()
    assert (stocktake.title, stocktake.deadline, stocktake.note) == ("期末盘点", new_deadline, "请按时")
    with pytest.raises(ValidationError) as exc:
        services.stocktake_update(
            actor=clerk,
            stocktake=stocktake,
            data={"title": "", "deadline": timezone.localdate() - dt.timedelta(days=1)},
        )
    assert set(exc.value.message_dict) == {"title", "deadline"}


def test_cancel_needs_a_reason_and_locks_the_plan(school_a):
    """DESIGN.md rule 4: records are voided with a reason, not deleted; a void plan is locked."""
    w = school_a
    stocktake = plan(w)
    clerk = member(w, "asset_clerk")
    with pytest.raises(ValidationError) as exc:
        services.stocktake_cancel(actor=clerk, stocktake=stocktake, reason="  ")
    assert "reason" in exc.value.message_dict
    services.stocktake_cancel(actor=clerk, stocktake=stocktake, reason="范围选错")
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.CANCELLED and stocktake.lines.exists()
    with pytest.raises(ValidationError):
        services.stocktake_cancel(actor=clerk, stocktake=stocktake, reason="再作废")
    with pytest.raises(ValidationError, match="不能修改"):
        services.stocktake_update(actor=clerk, stocktake=stocktake, data={"title": "x"})


def test_assign_takes_staff_of_this_school_while_counting(
    school_a, school_b, django_capture_on_commit_callbacks
):
    """The new counter is told (after the commit); only this school's staff may count."""
    w = school_a
    stocktake = plan(w)
    place = stocktake.locations.get()
    clerk = member(w, "asset_clerk")
    with django_capture_on_commit_callbacks(execute=True):
        services.stocktake_location_assign(actor=clerk, place=place, counter=w.user("teacher"))
    assert Notification.objects.filter(recipient=w.user("teacher"), kind=services.NOTIFY_ASSIGNED).exists()
    with pytest.raises(ValidationError):
        services.stocktake_location_assign(actor=clerk, place=place, counter=school_b.user("teacher"))
    services.stocktake_cancel(actor=clerk, stocktake=stocktake, reason="作废")
    with pytest.raises(ValidationError):
        services.stocktake_location_assign(actor=clerk, place=place, counter=w.user("principal"))


# --- to-do and reminders --------------------------------------------------------------------------------


def two_rooms(w):
    """A plan over the floor: the room counted by the teacher, a lab by the head teacher, who
    finished it."""
    lab = room(w, "实验室")
    card(w, "ZC-LAB-1", location=lab)
    stocktake = plan(
        w,
        scope_location=w.floor,
        deadline=timezone.localdate() + dt.timedelta(days=5),
        counters={w.room.pk: w.user("teacher"), lab.pk: w.user("head_teacher")},
    )
    services.stocktake_location_finish(
        actor=member(w, "head_teacher"), place=stocktake.locations.get(location=lab)
    )
    return stocktake


def reminders(**filters):
    return Notification.objects.filter(kind__startswith="reminder.", title__contains="未盘完", **filters)


def test_every_new_school_gets_the_counting_reminder_rule(school_a):
    rule = ReminderRule.objects.for_school(school_a.school).get(source=wiring.DUE_SOURCE)
    assert (rule.days_before, rule.notify) == (2, "responsible")
    assert (rule.escalate_after_days, rule.escalate_to_role) == (1, "asset_clerk")
    wiring.seed_counting_reminder(school_a.school)  # idempotent
    assert ReminderRule.objects.for_school(school_a.school).filter(source=wiring.DUE_SOURCE).count() == 1


def test_counters_with_unfinished_locations_are_reminded_before_the_deadline(school_a):
    """Issue 5: reminders to counters before the deadline: two days before and on the day, to the
    counters whose locations are not finished only; a day late, the asset clerk is told too."""
    w = school_a
    stocktake = two_rooms(w)
    deadline = stocktake.deadline
    reminders_run(today=deadline - dt.timedelta(days=3))
    assert not reminders().exists()
    reminders_run(today=deadline - dt.timedelta(days=2))
    sent = reminders(kind="reminder.due")
    assert list(sent.values_list("recipient", flat=True)) == [w.user("teacher").pk]
    assert stocktake.number in sent.get().title and sent.get().url == stocktake.get_absolute_url()
    reminders_run(today=deadline - dt.timedelta(days=2))  # once a day
    reminders_run(today=deadline)
    assert reminders(recipient=w.user("teacher")).count() == 2
    reminders_run(today=deadline + dt.timedelta(days=1))
    assert reminders(kind="reminder.overdue", recipient=w.user("asset_clerk")).count() == 1
    assert not reminders(recipient=w.user("head_teacher")).exists()


def test_finished_or_closed_counts_are_not_reminded(school_a):
    w = school_a
    stocktake = two_rooms(w)
    services.stocktake_location_finish(
        actor=member(w, "teacher"), place=stocktake.locations.get(location=w.room)
    )
    other = plan(w, deadline=timezone.localdate() + dt.timedelta(days=1))
    services.stocktake_cancel(actor=member(w, "asset_clerk"), stocktake=other, reason="重建")
    reminders_run(today=stocktake.deadline)
    assert not reminders().exists()
    assert list(wiring.due_unfinished_counts(w.school, other.deadline + dt.timedelta(days=30))) == []


def test_the_to_do_counts_my_unfinished_locations(school_a):
    """我的待办: "N 个位置待盘点" for a counter, nothing for someone with nothing to count."""
    w = school_a
    two_rooms(w)

    def todos(role):
        request = SimpleNamespace(user=member(w, role), school=w.school)
        return [t for t in todos_for(request) if "待盘点" in t.title]

    [item] = todos("teacher")
    assert item.title == "1 个位置待盘点" and item.count == 1
    assert item.url == "/stocktake/mine/"
    assert todos("head_teacher") == [] and todos("principal") == []
