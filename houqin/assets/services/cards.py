"""Asset cards (资产卡片), categories, custom fields and the school's asset settings.

Every path that puts a card in the books — the form, the API, the Excel import and a procurement
acceptance (``asset_register_from_acceptance``) — ends in ``_build_asset`` + ``_check_asset`` so
the rules are the same: code unique per school, value not negative, quantity at least 1, no
future acquisition date, place / department / custodian of this school, custom fields valid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.numbering import next_number, next_numbers
from houqin.core.pinyin import search_text
from houqin.core.services import BatchValidationError, validate
from houqin.org.models import Membership, School

from ..choices import ALLOWED_TRANSITIONS, AssetStatus
from ..models import Asset, AssetCustomField, AssetSettings
from .categories import (
    CategoryRules,
    _clean_custom_values,
    _rules_for,
    asset_settings_for,
    category_rules,
    classify,
    custom_fields_for,
)

__all__ = [
    "asset_code_next",
    "asset_create",
    "asset_create_many",
    "asset_mark_used",
    "asset_register_from_acceptance",
    "asset_set_status",
    "asset_update",
]

CENT = Decimal("0.01")

# --- cards ------------------------------------------------------------------------------------------

CARD_FIELDS = [
    "code",
    "name",
    "category",
    "spec_model",
    "brand",
    "serial_number",
    "quantity",
    "unit",
    "unit_price",
    "acquired_on",
    "acquisition_way",
    "funding_source",
    "supplier",
    "invoice_number",
    "warranty_until",
    "location",
    "department",
    "custodian",
    "is_bookable",
    "custom_fields",
    "note",
    "source",
]
# Fields an edit may change; location / department / custodian move through a transfer (调配) once
# the card is in the books, and status through the lifecycle services.
EDITABLE_FIELDS = [f for f in CARD_FIELDS if f not in {"code", "source"}]


def asset_code_next(school: School) -> str:
    """Next generated code, e.g. ``ZC-2026-00042``; must run inside the caller's transaction.

    A code typed by hand or imported may already hold a generated number: it is skipped.
    """
    prefix = asset_settings_for(school).code_prefix or "ZC"
    while True:
        code = next_number(school=school, key="assets.asset", prefix=prefix)
        if not Asset.objects.for_school(school).filter(code=code).exists():
            return code


def _asset_codes_next(school: School, count: int, *, taken: set[str]) -> list[str]:
    """``count`` generated codes at once (an import of thousands of cards locks the sequence once).

    Must run inside the caller's transaction; codes in ``taken`` or already in the books are skipped.
    """
    if count <= 0:
        return []
    prefix = asset_settings_for(school).code_prefix or "ZC"
    codes: list[str] = []
    while len(codes) < count:
        batch = next_numbers(school=school, key="assets.asset", prefix=prefix, count=count - len(codes))
        used = set(Asset.objects.for_school(school).filter(code__in=batch).values_list("code", flat=True))
        codes += [c for c in batch if c not in used and c not in taken]
    return codes


def _money(value) -> Decimal:
    return Decimal(value if value not in (None, "") else 0).quantize(CENT)


def _asset_text(asset: Asset) -> str:
    custom = " ".join(str(v) for v in (asset.custom_fields or {}).values())
    return search_text(asset.name, asset.spec_model, asset.brand, asset.code, custom)


def _check_links(school: School, asset: Asset, *, staff: set[int] | None = None) -> dict[str, list]:
    """Related objects must be this school's (a location of another school is refused)."""
    errors: dict[str, list] = {}
    checks = (
        ("category", asset.category, _("资产分类不属于本校。")),
        ("location", asset.location, _("存放地点不属于本校。")),
        ("department", asset.department, _("使用部门不属于本校。")),
    )
    for name, obj, message in checks:
        if obj is not None and obj.school_id != school.pk:
            errors[name] = [message]
    if asset.custodian_id is not None:
        is_staff = (
            asset.custodian_id in staff
            if staff is not None
            else Membership.objects.for_school(school).filter(user_id=asset.custodian_id).exists()
        )
        if not is_staff:
            errors["custodian"] = [_("责任人必须是本校教职工。")]
    return errors


def _check_values(asset: Asset) -> dict[str, list]:
    errors: dict[str, list] = {}
    if asset.acquired_on and asset.acquired_on > timezone.localdate():
        errors["acquired_on"] = [_("取得日期不能晚于今天。")]
    if asset.unit_price is not None and asset.unit_price < 0:
        errors["unit_price"] = [_("单价不能为负数。")]
    if asset.quantity is not None and asset.quantity < 1:
        errors["quantity"] = [_("数量至少为 1。")]
    if asset.warranty_until and asset.acquired_on and asset.warranty_until < asset.acquired_on:
        errors["warranty_until"] = [_("保修截止不能早于取得日期。")]
    return errors


def _derive(asset: Asset, *, rules: CategoryRules, settings: AssetSettings) -> None:
    asset.unit_price = _money(asset.unit_price)
    asset.total_value = (asset.unit_price * (asset.quantity or 0)).quantize(CENT)
    asset.asset_class = classify(unit_price=asset.unit_price, rules=rules, settings=settings)
    asset.search_text = _asset_text(asset)


def _build_asset(school: School, actor, data: dict[str, Any]) -> Asset:
    data = {k: v for k, v in data.items() if k in CARD_FIELDS}
    for key in (
        "code",
        "name",
        "spec_model",
        "brand",
        "serial_number",
        "unit",
        "supplier",
        "invoice_number",
        "note",
    ):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    asset = Asset(school=school, **data)
    asset.custom_fields = data.get("custom_fields") or {}
    if actor is not None and getattr(actor, "is_authenticated", False):
        asset.created_by = actor
        asset.updated_by = actor
    return asset


def _check_code(school: School, asset: Asset) -> dict[str, list]:
    """Asset codes are unique per school: a clear error on the code, not a constraint message."""
    taken = Asset.objects.for_school(school).filter(code=asset.code)
    if asset.pk:
        taken = taken.exclude(pk=asset.pk)
    if asset.code and taken.exists():
        return {"code": [_("资产编号“%(code)s”已被本校其他资产使用。") % {"code": asset.code}]}
    return {}


def _merge(errors: dict[str, list], exc: ValidationError) -> dict[str, list]:
    """Add a model check's errors, except on fields the service has already explained."""
    for name, messages in exc.update_error_dict({}).items():
        if name not in errors:
            errors[name] = list(messages)
    return errors


def _full_check(asset: Asset, school: School, *, settings: AssetSettings, staff=None) -> CategoryRules | None:
    errors = {
        **_check_links(school, asset, staff=staff),
        **_check_values(asset),
        **_check_code(school, asset),
    }
    rules = None
    if asset.category_id is not None and "category" not in errors:
        rules = _rules_for(asset.category)
        try:
            asset.custom_fields = _clean_custom_values(
                custom_fields_for(asset.category), asset.custom_fields or {}
            )
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        _derive(asset, rules=rules, settings=settings)
    try:
        # uniqueness of the code and the check constraints are checked above with clear messages
        validate(asset, constraints=False)
    except ValidationError as exc:
        errors = _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    return rules


def _custom_changes(fields: list[AssetCustomField], old: dict | None, new: dict | None) -> dict[str, list]:
    """Custom field values on the timeline under their labels: ``{"处理器": ["i5", "i7"]}``.

    ``fields``: the fields of the card's category line (old and new line after a category change).
    """
    old, new = old or {}, new or {}
    labels = {f.key: f.label for f in fields}
    keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    return {labels.get(k, k): [old.get(k), new.get(k)] for k in keys}


@transaction.atomic
def asset_create(*, actor, school: School, verb: str = "created", **data: Any) -> Asset:
    """登记造册: put a card in the books. ``code`` blank → the next generated code."""
    settings = asset_settings_for(school)
    asset = _build_asset(school, actor, data)
    if not asset.code:
        asset.code = asset_code_next(school)
    _full_check(asset, school, settings=settings)
    asset.save()
    changes = {
        k: [None, audit._plain(getattr(asset, k))]
        for k in [*CARD_FIELDS, "total_value", "asset_class"]
        if k != "custom_fields" and getattr(asset, k, None) not in (None, "", False)
    }
    if asset.custom_fields:
        changes.update(_custom_changes(custom_fields_for(asset.category), {}, asset.custom_fields))
    audit.record(actor=actor, verb=verb, target=asset, changes=changes)
    return asset


@transaction.atomic
def asset_update(*, actor, asset: Asset, data: dict[str, Any]) -> Asset:
    """Edit a card; every changed field is recorded (field-level history, who / what / when)."""
    asset = Asset.objects.select_for_update().select_related("category").get(pk=asset.pk)
    if asset.is_disposed:
        raise ValidationError(_("已处置的资产不能再修改，卡片和历史保留备查。"))
    fields = [f for f in EDITABLE_FIELDS if f in data]
    compared = [f for f in fields if f != "custom_fields"] + ["total_value", "asset_class"]
    before = audit.snapshot(asset, compared)
    custom_before = dict(asset.custom_fields or {})
    category_before = asset.category
    for name in fields:
        value = data[name]
        setattr(asset, name, value.strip() if isinstance(value, str) else value)
    _full_check(asset, asset.school, settings=asset_settings_for(asset.school))
    changes = audit.diff(asset, before, compared)
    if custom_before != (asset.custom_fields or {}):
        fields_shown = custom_fields_for(asset.category)
        if asset.category_id != category_before.pk:
            fields_shown += custom_fields_for(category_before)
        changes.update(_custom_changes(fields_shown, custom_before, asset.custom_fields))
    if not changes:
        return asset
    asset.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    asset.save()
    audit.record(actor=actor, verb="updated", target=asset, changes=changes)
    return asset


@transaction.atomic
def asset_create_many(
    *, actor, school: School, items: list[dict[str, Any]], verb: str = "imported"
) -> list[Asset]:
    """Register many cards at once (Excel import) under the rules of ``asset_create``.

    Every item is checked in a few queries for the whole batch (codes taken in the school or
    repeated in the file, links of this school, custom fields); any error raises
    ``BatchValidationError`` with every bad item and nothing is written.
    """
    settings = asset_settings_for(school)
    rules = category_rules(school)
    fields_by_category: dict[int, list[AssetCustomField]] = {}
    codes = {(item.get("code") or "").strip() for item in items} - {""}
    taken: set[str] = set()
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):  # SQLite limits the parameters of one query
        chunk = ordered[start : start + 500]
        taken.update(Asset.objects.for_school(school).filter(code__in=chunk).values_list("code", flat=True))
    staff = set(
        Membership.objects.for_school(school)
        .filter(user_id__in={i["custodian"].pk for i in items if i.get("custodian") is not None})
        .values_list("user_id", flat=True)
    )
    errors: dict[int, ValidationError] = {}
    assets: list[Asset] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        asset = _build_asset(school, actor, item)
        problems = {**_check_links(school, asset, staff=staff), **_check_values(asset)}
        if asset.code and (asset.code in taken or asset.code in seen):
            problems.setdefault("code", []).append(
                _("资产编号“%(code)s”已被本校其他资产使用。") % {"code": asset.code}
            )
        seen.add(asset.code)
        if asset.category_id is not None and "category" not in problems:
            if asset.category_id not in fields_by_category:
                fields_by_category[asset.category_id] = custom_fields_for(asset.category)
            try:
                asset.custom_fields = _clean_custom_values(
                    fields_by_category[asset.category_id], asset.custom_fields
                )
            except ValidationError as exc:
                problems = exc.update_error_dict(problems)
            _derive(asset, rules=rules[asset.category_id], settings=settings)
        if not asset.code:
            asset.code = "pending"
        try:
            validate(asset, constraints=False)
        except ValidationError as exc:
            problems = exc.update_error_dict(problems)
        if problems:
            errors[index] = ValidationError(problems)
        assets.append(asset)
    if errors:
        raise BatchValidationError(errors)
    pending = [asset for asset in assets if asset.code == "pending"]
    for asset, code in zip(pending, _asset_codes_next(school, len(pending), taken=seen), strict=True):
        asset.code = code
    Asset.objects.bulk_create(assets, batch_size=500)
    audit.record_many(
        actor=actor,
        verb=verb,
        targets=assets,
        school=school,
        changes=lambda a: {
            "code": [None, a.code],
            "name": [None, a.name],
            "total_value": [None, str(a.total_value)],
        },
    )
    return assets


@transaction.atomic
def asset_register_from_acceptance(
    *, actor, school: School, source: str, items: list[dict[str, Any]]
) -> list[Asset]:
    """Entry point for the Procurement issue: an acceptance (验收) puts its items in the books.

    ``source`` is the acceptance's number, kept on every card; ``items`` are card fields as for
    ``asset_create`` (``acquisition_way`` defaults to purchase, ``acquired_on`` to today).
    """
    today = timezone.localdate()
    prepared = [{"acquired_on": today, **item, "source": source} for item in items]
    return asset_create_many(actor=actor, school=school, items=prepared, verb="registered_from_acceptance")


@transaction.atomic
def asset_set_status(*, actor, asset: Asset, status: str, reason: str = "") -> Asset:
    """A status change by hand (idle ↔ in use, damaged, under repair) along ``ALLOWED_TRANSITIONS``."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if status not in AssetStatus.values:
        raise ValidationError({"status": [_("“%(value)s”不是有效的资产状态。") % {"value": status}]})
    if status == asset.status:
        return asset
    if status not in ALLOWED_TRANSITIONS.get(asset.status, set()):
        raise ValidationError(
            {
                "status": [
                    _("资产当前为“%(old)s”，不能改为“%(new)s”。")
                    % {"old": AssetStatus(asset.status).label, "new": AssetStatus(status).label}
                ]
            }
        )
    if actor is not None and not actor.has_perm("assets.change_asset"):
        raise PermissionDenied(_("没有修改资产状态的权限。"))
    old = asset.status
    asset.status = status
    asset.updated_by = actor
    asset.save(update_fields=["status", "updated_by", "updated_at"])
    changes = {"status": [old, status]}
    if reason:
        changes["reason"] = [None, reason]
    audit.record(actor=actor, verb="status_changed", target=asset, changes=changes)
    return asset


def asset_mark_used(*, asset: Asset, on: dt.date | None = None) -> None:
    """Record that a card was used (a loan, a booking): the idle report reads ``last_used_on``."""
    day = on or timezone.localdate()
    Asset.objects.filter(pk=asset.pk).exclude(last_used_on__gte=day).update(last_used_on=day)
