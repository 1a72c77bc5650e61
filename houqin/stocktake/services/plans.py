"""The stocktake plan (盘点计划): kind, scope, deadline, counters; the snapshot of what to count.

DOMAIN.md "Stocktake": at term start, middle and end and at least yearly; by location, by
scanning labels on a phone. Making a plan snapshots the active cards in its scope, grouped by the
location on each card, and gives every location a counter (the room's custodian unless named).
The snapshot is what the books said that day: cards registered, moved or disposed of afterwards do
not change what the plan expects.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.assets.models import Asset, AssetCategory
from houqin.core import audit
from houqin.core.excel import in_chunks
from houqin.core.numbering import next_number
from houqin.core.services import validate
from houqin.org.models import Department, Location, Membership, School

from ..choices import STOCKTAKE_OPEN, StocktakeKind, StocktakeStatus
from ..models import Stocktake, StocktakeLine, StocktakeLocation
from .common import check_transition, lock, user_or_none

__all__ = [
    "NOTIFY_ASSIGNED",
    "stocktake_cancel",
    "stocktake_create",
    "stocktake_location_assign",
    "stocktake_scope_assets",
    "stocktake_update",
]

NOTIFY_ASSIGNED = "stocktake.assigned"
LINE_BATCH = 2000
User = get_user_model()


def _require(actor, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def stocktake_scope_assets(
    school: School,
    *,
    location: Location | None = None,
    department: Department | None = None,
    category: AssetCategory | None = None,
):
    """The active cards a plan with this scope expects (all three filters are optional)."""
    assets = Asset.objects.for_school(school).active()
    if location is not None:
        assets = assets.in_location(location)
    if department is not None:
        assets = assets.filter(department=department)
    if category is not None:
        assets = assets.in_category(category)
    return assets


def _is_staff(school: School, user) -> bool:
    return Membership.objects.for_school(school).filter(user=user, is_active=True).exists()


def _check_scope(school: School, data: dict[str, Any], errors: dict) -> None:
    for field, model in (
        ("scope_location", Location),
        ("scope_department", Department),
        ("scope_category", AssetCategory),
    ):
        value = data.get(field)
        if value is not None and (not isinstance(value, model) or value.school_id != school.pk):
            errors[field] = [_("请选择本校的%(what)s。") % {"what": model._meta.verbose_name}]


def _check_deadline(deadline, errors: dict, *, today: dt.date) -> None:
    if not isinstance(deadline, dt.date):
        errors["deadline"] = [_("请填写截止日期。")]
    elif deadline < today:
        errors["deadline"] = [_("截止日期不能早于今天。")]


def _default_title(kind: str, today: dt.date) -> str:
    return _("%(year)d年%(month)d月%(kind)s") % {
        "year": today.year,
        "month": today.month,
        "kind": StocktakeKind(kind).label,
    }


@transaction.atomic
def stocktake_create(
    *,
    actor,
    school: School,
    kind: str,
    deadline: dt.date,
    title: str = "",
    scope_location: Location | None = None,
    scope_department: Department | None = None,
    scope_category: AssetCategory | None = None,
    note: str = "",
    counters: dict[int | None, Any] | None = None,
) -> Stocktake:
    """盘点计划: snapshot the cards in scope into lines, one counting location per card location.

    ``counters`` maps a location id (``None`` for cards without a location) to the counter; any
    location not named gets its custodian (保管人), or nobody (the office assigns one later).
    """
    _require(actor, "stocktake.add_stocktake", _("没有新建盘点的权限。"))
    today = timezone.localdate()
    errors: dict[str, list] = {}
    if kind not in StocktakeKind.values:
        errors["kind"] = [_("请选择盘点类型。")]
    _check_deadline(deadline, errors, today=today)
    scope = {
        "scope_location": scope_location,
        "scope_department": scope_department,
        "scope_category": scope_category,
    }
    _check_scope(school, scope, errors)
    if errors:
        raise ValidationError(errors)
    assets = stocktake_scope_assets(
        school, location=scope_location, department=scope_department, category=scope_category
    )
    rows = list(assets.order_by("pk").values_list("pk", "location_id", "quantity", "total_value"))
    if not rows:
        raise ValidationError(_("盘点范围内没有在账资产，请调整范围。"), code="empty_scope")
    counters = dict(counters or {})
    for user in counters.values():
        if user is not None and not _is_staff(school, user):
            raise ValidationError({"counters": [_("盘点人“%(name)s”不是本校教职工。") % {"name": user}]})
    stocktake = Stocktake(
        school=school,
        number=next_number(school=school, key="stocktake.stocktake", prefix="PD"),
        title=(title or "").strip() or _default_title(kind, today),
        kind=kind,
        status=StocktakeStatus.COUNTING,
        deadline=deadline,
        note=(note or "").strip(),
        expected_count=len(rows),
        expected_value=sum((row[3] for row in rows), Decimal("0.00")),
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
        **scope,
    )
    validate(stocktake)
    stocktake.save()

    per_location = Counter(row[1] for row in rows)
    custodians = dict(
        Location.objects.for_school(school)
        .filter(pk__in=[pk for pk in per_location if pk is not None])
        .values_list("pk", "custodian_id")
    )
    places = StocktakeLocation.objects.bulk_create(
        [
            StocktakeLocation(
                school=school,
                stocktake=stocktake,
                location_id=location_id,
                counter_id=(
                    counters[location_id].pk
                    if counters.get(location_id) is not None
                    else custodians.get(location_id)
                ),
                expected_count=count,
                created_by=user_or_none(actor),
                updated_by=user_or_none(actor),
            )
            for location_id, count in sorted(
                per_location.items(), key=lambda item: (item[0] is None, item[0])
            )
        ]
    )
    place_of = {place.location_id: place.pk for place in places}
    for chunk in in_chunks(rows, LINE_BATCH):
        StocktakeLine.objects.bulk_create(
            [
                StocktakeLine(
                    school=school,
                    stocktake=stocktake,
                    place_id=place_of[location_id],
                    asset_id=asset_id,
                    expected=True,
                    expected_quantity=quantity,
                    book_value=value,
                )
                for asset_id, location_id, quantity, value in chunk
            ]
        )
    audit.record(
        actor=actor,
        verb="created",
        target=stocktake,
        changes={
            "kind": [None, kind],
            "deadline": [None, deadline.isoformat()],
            "expected_count": [None, stocktake.expected_count],
            "expected_value": [None, str(stocktake.expected_value)],
            "locations": [None, len(places)],
        },
    )
    _notify_counters(stocktake, {place.counter_id for place in places if place.counter_id}, actor=actor)
    return stocktake


def _notify_counters(stocktake: Stocktake, user_ids: set[int], *, actor) -> None:
    """Tell each counter once, after the commit: 你有盘点任务."""
    if not user_ids:
        return

    def send():
        from houqin.notify.services import notify

        people = list(User.objects.filter(pk__in=user_ids))
        if actor is not None:
            people = [u for u in people if u.pk != actor.pk]
        if not people:
            return
        notify(
            school=stocktake.school,
            recipients=people,
            kind=NOTIFY_ASSIGNED,
            title=_("盘点任务：%(title)s，截止 %(deadline)s")
            % {"title": stocktake.title, "deadline": stocktake.deadline.isoformat()},
            url=stocktake.get_absolute_url(),
            actor=user_or_none(actor),
            target=stocktake,
        )

    transaction.on_commit(send)


def _may_manage(actor, stocktake: Stocktake) -> bool:
    return actor is None or actor.has_perm("stocktake.change_stocktake")


@transaction.atomic
def stocktake_update(*, actor, stocktake: Stocktake, data: dict[str, Any]) -> Stocktake:
    """Change the title, deadline or note of an open plan (the scope is fixed by the snapshot)."""
    stocktake = lock(stocktake)
    if not _may_manage(actor, stocktake):
        raise PermissionDenied(_("没有修改盘点的权限。"))
    if stocktake.status not in STOCKTAKE_OPEN:
        raise ValidationError(_("已结账或已作废的盘点不能修改。"), code="locked")
    fields = [f for f in ("title", "deadline", "note") if f in data]
    errors: dict[str, list] = {}
    if "deadline" in data and data["deadline"] != stocktake.deadline:
        _check_deadline(data["deadline"], errors, today=timezone.localdate())
    if "title" in data and not (data["title"] or "").strip():
        errors["title"] = [_("请填写名称。")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(stocktake, fields)
    for name in fields:
        value = data[name]
        setattr(stocktake, name, value.strip() if isinstance(value, str) else value)
    changes = audit.diff(stocktake, before, fields)
    if not changes:
        return stocktake
    stocktake.updated_by = user_or_none(actor)
    validate(stocktake)
    stocktake.save()
    audit.record(actor=actor, verb="updated", target=stocktake, changes=changes)
    return stocktake


@transaction.atomic
def stocktake_location_assign(*, actor, place: StocktakeLocation, counter) -> StocktakeLocation:
    """Name (or change) who counts a location while the count is open; the new counter is told."""
    stocktake = lock(place.stocktake)
    if not _may_manage(actor, stocktake):
        raise PermissionDenied(_("没有安排盘点人的权限。"))
    if stocktake.status != StocktakeStatus.COUNTING:
        raise ValidationError(_("盘点已结束，不能再安排盘点人。"), code="not_counting")
    place = StocktakeLocation.objects.select_for_update().get(pk=place.pk)
    if counter is not None and not _is_staff(stocktake.school, counter):
        raise ValidationError({"counter": [_("盘点人须是本校教职工。")]})
    new_id = counter.pk if counter is not None else None
    if place.counter_id == new_id:
        return place
    old = place.counter_id
    place.counter_id = new_id
    place.updated_by = user_or_none(actor)
    place.save(update_fields=["counter", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="updated",
        target=stocktake,
        changes={"counter": [_user_name(old), str(counter) if counter else None], "location": str(place)},
    )
    if new_id:
        _notify_counters(stocktake, {new_id}, actor=actor)
    return place


def _user_name(pk: int | None) -> str | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk).first()
    return str(user) if user else None


@transaction.atomic
def stocktake_cancel(*, actor, stocktake: Stocktake, reason: str) -> Stocktake:
    """作废 a plan that will not be finished (counting, or reconciled and not submitted), with a
    reason; the record and whatever was counted stay, the books are not touched."""
    stocktake = lock(stocktake)
    if actor is None or not _may_manage(actor, stocktake):
        raise PermissionDenied(_("没有作废盘点的权限。"))
    check_transition(stocktake, StocktakeStatus.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写作废原因。")]})
    old = stocktake.status
    stocktake.status = StocktakeStatus.CANCELLED
    stocktake.updated_by = user_or_none(actor)
    stocktake.save(update_fields=["status", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="updated",
        target=stocktake,
        changes={"status": [old, stocktake.status], "reason": [None, reason]},
    )
    return stocktake
