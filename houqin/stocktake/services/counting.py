"""Counting (清点) on a phone: scan or type a code, mark it found with its condition; record items
with no card (盘盈); quantity counts for batch cards; a location is marked counted when done.

Weak signal (DESIGN.md rule 7): each scan is saved on its own request, and the phone gives every
scan a ``client_key``; a retried request with the same key changes nothing and answers the same.
Two people counting the same card: the first count stands, the second is told who counted it where
and when (the line's row lock makes this hold under concurrency).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.assets.models import Asset, AssetCategory
from houqin.core import audit

from ..choices import CountCondition
from ..models import Stocktake, StocktakeLine, StocktakeLocation, StocktakeSurplus
from ..permissions import can_count_location
from .common import require_counting, user_or_none

__all__ = [
    "MAX_COUNT_QUANTITY",
    "CountOutcome",
    "scanned_code",
    "stocktake_count",
    "stocktake_location_finish",
    "stocktake_location_reopen",
    "stocktake_surplus_add",
    "stocktake_surplus_withdraw",
    "stocktake_uncount",
]

MAX_COUNT_QUANTITY = 1_000_000


@dataclass(frozen=True)
class CountOutcome:
    line: StocktakeLine
    created: bool  # the card was outside the plan: a line was added for it
    repeated: bool  # the same scan again (same client key): nothing changed
    misplaced: bool  # found here, but the books put it elsewhere

    @property
    def message(self) -> str:
        asset = self.line.asset
        if self.misplaced:
            where = self.line.place if self.line.expected else _("盘点范围外")
            return _("%(asset)s：账面位置为“%(where)s”，已记为位置不符。") % {"asset": asset, "where": where}
        return _("%(asset)s：已盘到。") % {"asset": asset}


def scanned_code(text: str) -> str:
    """The asset code in what a scanner read: the label's URL (``…/assets/scan/?c=ZC-…``) or the
    bare code typed in by hand."""
    text = (text or "").strip()
    if "://" in text or text.startswith("/"):
        query = parse_qs(urlsplit(text).query)
        return (query.get("c") or [""])[0].strip()
    return text


def _client_key(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise ValidationError({"client_key": [_("扫码标识格式不正确。")]}) from exc


def _lock_place(actor, place: StocktakeLocation) -> tuple[StocktakeLocation, Stocktake]:
    """Lock the location row (reconciliation locks every location before it starts, so no count
    slips in after it), then read the plan's status as it is now."""
    place = StocktakeLocation.objects.select_for_update().get(pk=place.pk)
    stocktake = Stocktake.objects.get(pk=place.stocktake_id)
    place.stocktake = stocktake
    if actor is not None and not can_count_location(actor, place):
        raise PermissionDenied(_("你不是这个位置的盘点人。"))
    require_counting(stocktake)
    return place, stocktake


def _quantity(value, *, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        quantity = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"quantity": [_("数量应为整数。")]}) from exc
    if quantity < 1:
        raise ValidationError({"quantity": [_("实盘数量至少为 1；没有找到就不要录入。")]})
    if quantity > MAX_COUNT_QUANTITY:
        raise ValidationError({"quantity": [_("数量太大，请核对。")]})
    return quantity


def _line_for(stocktake: Stocktake, asset: Asset) -> tuple[StocktakeLine, bool]:
    """The plan's line of this card, locked; a card outside the plan's scope gets a new line."""
    created = False
    # no ordering here: Meta.ordering joins the (nullable) place, and PostgreSQL cannot lock the
    # nullable side of an outer join
    line = (
        StocktakeLine.objects.select_for_update().filter(stocktake=stocktake, asset=asset).order_by().first()
    )
    if line is None:
        _, created = StocktakeLine.objects.get_or_create(
            stocktake=stocktake,
            asset=asset,
            defaults={
                "school_id": stocktake.school_id,
                "expected": False,
                "expected_quantity": asset.quantity,
                "book_value": asset.total_value,
            },
        )
        line = StocktakeLine.objects.select_for_update().get(stocktake=stocktake, asset=asset)
    return line, created


@transaction.atomic
def stocktake_count(
    *,
    actor,
    place: StocktakeLocation,
    code: str,
    quantity: int | None = None,
    condition: str = CountCondition.GOOD,
    note: str = "",
    client_key=None,
) -> CountOutcome:
    """盘到: the card with ``code`` was found in ``place``. Batch cards take the counted quantity
    (default: the whole batch). Answers who counted it first if somebody else already did."""
    key = _client_key(client_key)
    place, stocktake = _lock_place(actor, place)
    code = scanned_code(code)
    if not code:
        raise ValidationError({"code": [_("请扫码或输入资产编号。")]})
    if condition not in CountCondition.values:
        raise ValidationError({"condition": [_("请选择资产状况。")]})
    # another school's code looks exactly like an unknown one (no hint that it exists)
    asset = Asset.objects.filter(school_id=stocktake.school_id, code=code).first()
    if asset is None:
        raise ValidationError(
            {"code": [_("本校没有编号为“%(code)s”的资产卡片。无卡物品请登记为盘盈。") % {"code": code}]},
            code="unknown_code",
        )
    if asset.is_disposed:
        raise ValidationError(
            {"code": [_("“%(asset)s”已处置，不在账上。") % {"asset": asset}]}, code="disposed"
        )
    line, created = _line_for(stocktake, asset)
    line.asset = asset
    if key is not None and line.client_key == key:
        return CountOutcome(line=line, created=False, repeated=True, misplaced=line.is_misplaced)
    if line.is_counted and actor is not None and line.counted_by_id not in (None, actor.pk):
        where = StocktakeLocation.objects.get(pk=line.found_in_id) if line.found_in_id else "-"
        raise ValidationError(
            _("“%(asset)s”已由%(who)s于%(when)s在“%(where)s”盘点，不再重复计数。")
            % {
                "asset": asset,
                "who": line.counted_by,
                "when": timezone.localtime(line.counted_at).strftime("%m-%d %H:%M"),
                "where": where,
            },
            code="already_counted",
        )
    line.counted_quantity = _quantity(quantity, default=line.expected_quantity or asset.quantity)
    line.found_in = place
    line.condition = condition
    line.note = (note or "").strip()[:200]
    line.counted_by = user_or_none(actor)
    line.counted_at = timezone.now()
    line.client_key = key
    line.updated_by = user_or_none(actor)
    line.save(
        update_fields=[
            "counted_quantity",
            "found_in",
            "condition",
            "note",
            "counted_by",
            "counted_at",
            "client_key",
            "updated_by",
            "updated_at",
        ]
    )
    return CountOutcome(line=line, created=created, repeated=False, misplaced=line.is_misplaced)


@transaction.atomic
def stocktake_uncount(*, actor, line: StocktakeLine) -> StocktakeLine:
    """撤销 a count made by mistake: the counter who made it, or whoever runs stocktakes. A card
    outside the plan's scope loses its line altogether."""
    # the same lock order as stocktake_count (the location first, then the line): a count and an
    # undo of the same card cannot deadlock
    current = StocktakeLine.objects.get(pk=line.pk)
    if not current.is_counted:
        return current
    place, stocktake = _lock_place(None, StocktakeLocation(pk=current.found_in_id))
    line = StocktakeLine.objects.select_for_update().get(pk=line.pk)
    if not line.is_counted or line.found_in_id != place.pk:
        return line  # undone (or recounted elsewhere) meanwhile: nothing of this count to undo
    if (
        actor is not None
        and line.counted_by_id != actor.pk
        and not actor.has_perm("stocktake.change_stocktake")
    ):
        raise PermissionDenied(_("只能撤销自己录入的盘点结果。"))
    audit.record(
        actor=actor,
        verb="count_withdrawn",
        target=stocktake,
        changes={"asset": [line.asset.code, None], "location": str(place)},
    )
    if not line.expected:
        line.delete()
        return line
    line.counted_quantity = None
    line.found_in = None
    line.condition = ""
    line.note = ""
    line.counted_by = None
    line.counted_at = None
    line.client_key = None
    line.updated_by = user_or_none(actor)
    line.save()
    return line


def _money(value, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["estimated_value"] = [_("估计原值应为数字。")]
        return None
    if amount < 0:
        errors["estimated_value"] = [_("估计原值不能为负数。")]
    return amount


@transaction.atomic
def stocktake_surplus_add(
    *,
    actor,
    place: StocktakeLocation,
    name: str,
    quantity: int = 1,
    unit: str = "",
    spec_model: str = "",
    category: AssetCategory | None = None,
    estimated_value=None,
    note: str = "",
    client_key=None,
    photos: Iterable = (),
) -> StocktakeSurplus:
    """盘盈: an item here with no card. Saved with its photos in one transaction; a retried
    request (same ``client_key``) returns the item already saved."""
    from houqin.core.attachments import attachment_add

    key = _client_key(client_key)
    place, stocktake = _lock_place(actor, place)
    if key is not None:
        existing = StocktakeSurplus.objects.filter(stocktake=stocktake, client_key=key).first()
        if existing is not None:
            return existing
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写物品名称。")]
    try:
        quantity = _quantity(quantity, default=1)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    value = _money(estimated_value, errors)
    if category is not None and category.school_id != stocktake.school_id:
        errors["category"] = [_("请选择本校的资产分类。")]
    if errors:
        raise ValidationError(errors)
    surplus = StocktakeSurplus.objects.create(
        school=stocktake.school,
        stocktake=stocktake,
        place=place,
        name=name[:100],
        spec_model=(spec_model or "").strip()[:100],
        quantity=quantity,
        unit=(unit or "").strip()[:10] or "件",
        category=category,
        estimated_value=value,
        note=(note or "").strip()[:200],
        counted_by=user_or_none(actor),
        counted_at=timezone.now(),
        client_key=key,
        created_by=user_or_none(actor),
        updated_by=user_or_none(actor),
    )
    for photo in photos or ():
        attachment_add(actor=None, target=surplus, upload=photo)
    audit.record(
        actor=actor,
        verb="surplus_found",
        target=stocktake,
        changes={"surplus": [None, str(surplus)], "location": str(place)},
    )
    return surplus


@transaction.atomic
def stocktake_surplus_withdraw(*, actor, surplus: StocktakeSurplus) -> StocktakeSurplus:
    """撤销 an unknown item recorded by mistake (it turned out to have a card)."""
    surplus = StocktakeSurplus.objects.select_for_update().get(pk=surplus.pk)
    _lock_place(None, surplus.place)
    if (
        actor is not None
        and surplus.counted_by_id != actor.pk
        and not actor.has_perm("stocktake.change_stocktake")
    ):
        raise PermissionDenied(_("只能撤销自己登记的盘盈物品。"))
    if surplus.withdrawn:
        return surplus
    surplus.withdrawn = True
    surplus.updated_by = user_or_none(actor)
    surplus.save(update_fields=["withdrawn", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="surplus_withdrawn",
        target=surplus.stocktake,
        changes={"surplus": [str(surplus), None]},
    )
    return surplus


@transaction.atomic
def stocktake_location_finish(*, actor, place: StocktakeLocation) -> StocktakeLocation:
    """本位置盘完: the counter says this location is done (cards not found here stay uncounted and
    become 盘亏 at reconciliation unless found elsewhere)."""
    place, stocktake = _lock_place(actor, place)
    if place.finished_at is not None:
        return place
    place.finished_at = timezone.now()
    place.finished_by = user_or_none(actor)
    place.save(update_fields=["finished_at", "finished_by", "updated_at"])
    progress = place.lines.progress()
    audit.record(
        actor=actor,
        verb="location_finished",
        target=stocktake,
        changes={"location": str(place), "counted": [None, f"{progress['counted']}/{progress['expected']}"]},
    )
    return place


@transaction.atomic
def stocktake_location_reopen(*, actor, place: StocktakeLocation) -> StocktakeLocation:
    """Count a finished location again (while the plan is still counting)."""
    place, stocktake = _lock_place(actor, place)
    if place.finished_at is None:
        return place
    place.finished_at = None
    place.finished_by = None
    place.save(update_fields=["finished_at", "finished_by", "updated_at"])
    audit.record(actor=actor, verb="location_reopened", target=stocktake, changes={"location": str(place)})
    return place
