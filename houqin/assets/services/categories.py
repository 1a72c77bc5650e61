"""Categories, custom fields and a school's asset settings: the rules a card gets from its
category (life, special equipment, bulk-as-fixed), its classification and its net value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from houqin.core import audit
from houqin.core.pinyin import search_text
from houqin.core.services import model_create, model_update
from houqin.org.models import School

from .. import depreciation
from ..choices import AssetClass, CustomFieldType
from ..models import Asset, AssetCategory, AssetCustomField, AssetSettings

__all__ = [
    "CategoryRules",
    "asset_categories_seed",
    "asset_category_create",
    "asset_category_update",
    "asset_custom_field_create",
    "asset_custom_field_update",
    "asset_net_value",
    "asset_settings_for",
    "asset_settings_update",
    "category_rules",
    "classify",
    "custom_fields_for",
    "rules_for_category",
]

CENT = Decimal("0.01")

# --- settings ---------------------------------------------------------------------------------------


def asset_settings_for(school: School) -> AssetSettings:
    """The school's settings row, created with DOMAIN.md's defaults the first time it is asked for."""
    settings, _created = AssetSettings.objects.get_or_create(school=school)
    return settings


SETTINGS_FIELDS = [
    "fixed_asset_threshold",
    "special_equipment_threshold",
    "code_prefix",
    "idle_months",
    "loan_days",
]


@transaction.atomic
def asset_settings_update(*, actor, school: School, data: dict[str, Any]) -> AssetSettings:
    settings = AssetSettings.objects.select_for_update().get(pk=asset_settings_for(school).pk)
    model_update(instance=settings, actor=actor, data=data, fields=SETTINGS_FIELDS)
    return settings


# --- categories -------------------------------------------------------------------------------------

# GB/T 14885-2022 top level (DOMAIN.md) with the lives DOMAIN.md names; a few common second-level
# classes so a school can start at once. Life 0: not depreciated. Schools import deeper codes.
GBT_14885_SEED: list[tuple[str, str | None, str, int | None, bool, bool]] = [
    # code, parent code, name, life (years), special equipment, fixed regardless of unit value
    ("1", None, "土地、海域及无居民海岛", 0, False, False),
    ("2", None, "房屋和构筑物", 50, False, True),
    ("201", "2", "房屋", 50, False, True),
    ("202", "2", "构筑物", 30, False, True),
    ("3", None, "设备", 6, False, False),
    ("301", "3", "计算机设备", 6, False, False),
    ("302", "3", "办公设备", 6, False, False),
    ("303", "3", "车辆", 8, False, False),
    ("304", "3", "教学仪器设备", 10, True, False),
    ("305", "3", "体育器材", 5, True, False),
    ("306", "3", "电气设备（空调等）", 6, False, False),
    ("307", "3", "多媒体及音像设备", 6, False, False),
    ("4", None, "文物和陈列品", 0, False, True),
    ("5", None, "图书和档案", 0, False, True),
    ("6", None, "家具和用具", 15, False, True),
    ("601", "6", "课桌椅", 15, False, True),
    ("602", "6", "办公家具", 15, False, True),
    ("7", None, "特种动植物", 0, False, False),
    ("8", None, "物资", 0, False, False),
    ("9", None, "无形资产", 10, False, False),
]


def _category_path(category: AssetCategory) -> None:
    parent = category.parent
    category.path = f"{parent.path if parent else '/'}{category.pk}/"
    category.depth = parent.depth + 1 if parent else 0


def _category_text(category: AssetCategory) -> str:
    return search_text(category.name, category.code)


@transaction.atomic
def asset_categories_seed(school: School, *, actor=None) -> int:
    """Give a school the seeded category tree (a school setup hook; idempotent by code).

    Every new school runs this, so it writes in bulk: one insert per tree level, one path
    update, one audit insert — the seed is fixed data, checked by the tests, not user input.
    """
    existing = {
        c.code: c for c in AssetCategory.objects.for_school(school).only("pk", "code", "path", "depth")
    }
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    created: list[AssetCategory] = []
    for level_is_top in (True, False):
        batch = []
        for code, parent_code, name, life, special, bulk in GBT_14885_SEED:
            if code in existing or (parent_code is None) != level_is_top:
                continue
            parent = existing.get(parent_code) if parent_code else None
            if parent_code and parent is None:
                continue  # its parent was removed from the seed by hand: leave it to the school
            category = AssetCategory(
                school=school,
                parent=parent,
                code=code,
                name=name,
                useful_life_years=life,
                is_special_equipment=special,
                fixed_regardless_of_value=bulk,
                created_by=user,
                updated_by=user,
                path="pending",
            )
            category.search_text = _category_text(category)
            batch.append(category)
        AssetCategory.objects.bulk_create(batch)
        for category in batch:
            _category_path(category)
            existing[category.code] = category
        AssetCategory.objects.bulk_update(batch, ["path", "depth"])
        created += batch
    audit.record_many(
        actor=actor,
        verb="created",
        targets=created,
        school=school,
        changes=lambda c: {"code": [None, c.code], "name": [None, c.name]},
    )
    asset_settings_for(school)
    return len(created)


CATEGORY_FIELDS = [
    "code",
    "name",
    "useful_life_years",
    "is_special_equipment",
    "fixed_regardless_of_value",
    "is_active",
]


@transaction.atomic
def asset_category_create(
    *,
    actor,
    school: School,
    code: str,
    name: str,
    parent: AssetCategory | None = None,
    useful_life_years: int | None = None,
    is_special_equipment: bool = False,
    fixed_regardless_of_value: bool = False,
) -> AssetCategory:
    if parent is not None and parent.school_id != school.pk:
        raise ValidationError({"parent": [_("上级分类不属于本校。")]})
    _check_category_code(school, code.strip())
    category = model_create(
        model=AssetCategory,
        actor=actor,
        data={
            "school": school,
            "parent": parent,
            "code": code.strip(),
            "name": name.strip(),
            "useful_life_years": useful_life_years,
            "is_special_equipment": is_special_equipment,
            "fixed_regardless_of_value": fixed_regardless_of_value,
            "path": "pending",
        },
    )
    _category_path(category)
    category.search_text = _category_text(category)
    category.save(update_fields=["path", "depth", "search_text"])
    return category


def _check_category_code(school: School, code: str, *, exclude: int | None = None) -> None:
    """Category codes are unique per school (a field error, not a constraint message)."""
    taken = AssetCategory.objects.for_school(school).filter(code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if code and taken.exists():
        raise ValidationError({"code": [_("分类代码“%(code)s”已被本校其他分类使用。") % {"code": code}]})


def _check_new_parent(category: AssetCategory, parent: AssetCategory | None) -> None:
    if parent is None:
        return
    if parent.school_id != category.school_id:
        raise ValidationError({"parent": [_("上级分类不属于本校。")]})
    if parent.path.startswith(category.path):
        raise ValidationError({"parent": [_("不能把分类移到它自己或它的下级分类下面。")]})


@transaction.atomic
def asset_category_update(*, actor, category: AssetCategory, data: dict[str, Any]) -> AssetCategory:
    """Edit a category; a new ``parent`` moves the category with its whole subtree."""
    category = AssetCategory.objects.select_for_update().get(pk=category.pk)
    if "code" in data:
        data = {**data, "code": data["code"].strip()}
        _check_category_code(category.school, data["code"], exclude=category.pk)
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
    old_parent_id, old_path = category.parent_id, category.path
    if "parent" in data:
        _check_new_parent(category, data["parent"])
    model_update(instance=category, actor=actor, data=data, fields=[*CATEGORY_FIELDS, "parent"])
    update = []
    if category.parent_id != old_parent_id:
        _category_path(category)
        update += ["path", "depth"]
        subtree = list(
            AssetCategory.objects.for_school(category.school)
            .filter(path__startswith=old_path)
            .exclude(pk=category.pk)
        )
        for node in subtree:
            node.path = category.path + node.path[len(old_path) :]
            node.depth = len(node.path.strip("/").split("/")) - 1
        AssetCategory.objects.bulk_update(subtree, ["path", "depth"], batch_size=500)
    text = _category_text(category)
    if text != category.search_text:
        category.search_text = text
        update.append("search_text")
    if update:
        category.save(update_fields=update)
    return category


@dataclass(frozen=True)
class CategoryRules:
    """What a category inherits from its ancestors: life, special equipment, bulk-as-fixed."""

    life_years: int | None
    special: bool
    fixed_regardless: bool


def category_rules(school: School) -> dict[int, CategoryRules]:
    """Effective rules of every category of the school, in one query (ledger reports use it)."""
    rows = list(
        AssetCategory.objects.for_school(school).values_list(
            "pk", "path", "useful_life_years", "is_special_equipment", "fixed_regardless_of_value"
        )
    )
    by_pk = {pk: (life, special, bulk) for pk, _path, life, special, bulk in rows}
    rules: dict[int, CategoryRules] = {}
    for pk, path, *_rest in rows:
        chain = [int(p) for p in path.strip("/").split("/") if p.isdigit() and int(p) in by_pk]
        life = None
        for ancestor in reversed(chain):  # nearest first
            if by_pk[ancestor][0] is not None:
                life = by_pk[ancestor][0]
                break
        rules[pk] = CategoryRules(
            life_years=life,
            special=any(by_pk[a][1] for a in chain),
            fixed_regardless=any(by_pk[a][2] for a in chain),
        )
    return rules


def rules_for_category(category: AssetCategory) -> CategoryRules:
    """Effective rules of one category (one query): the card page and ``asset_net_value`` use it."""
    return _rules_for(category)


def _rules_for(category: AssetCategory) -> CategoryRules:
    ids = [int(p) for p in category.path.strip("/").split("/") if p.isdigit()]
    chain = {c.pk: c for c in AssetCategory.objects.filter(pk__in=ids)}
    ordered = [chain[i] for i in ids if i in chain] or [category]
    life = next((c.useful_life_years for c in reversed(ordered) if c.useful_life_years is not None), None)
    return CategoryRules(
        life_years=life,
        special=any(c.is_special_equipment for c in ordered),
        fixed_regardless=any(c.fixed_regardless_of_value for c in ordered),
    )


def classify(*, unit_price: Decimal, rules: CategoryRules, settings: AssetSettings) -> str:
    """固定资产 or 低值易耗品 (DOMAIN.md, Assets): unit value at least the threshold (the special
    equipment threshold for special equipment), or a bulk kind (books, furniture) whatever its price."""
    if rules.fixed_regardless:
        return AssetClass.FIXED
    threshold = settings.special_equipment_threshold if rules.special else settings.fixed_asset_threshold
    return AssetClass.FIXED if unit_price >= threshold else AssetClass.LOW_VALUE


def asset_net_value(
    asset: Asset, *, as_of: dt.date | None = None, rules: CategoryRules | None = None
) -> Decimal:
    """Net value of a card at ``as_of`` (today by default); low-value items are not depreciated."""
    if asset.asset_class != AssetClass.FIXED:
        return asset.total_value
    rules = rules or _rules_for(asset.category)
    return depreciation.net_value(
        value=asset.total_value,
        life_years=rules.life_years,
        acquired_on=asset.acquired_on,
        as_of=as_of or timezone.localdate(),
        disposed_on=asset.disposed_on,
    )


# --- custom fields ----------------------------------------------------------------------------------


def custom_fields_for(category: AssetCategory | None) -> list[AssetCustomField]:
    """The active custom fields of a category and its ancestors, in display order."""
    if category is None:
        return []
    ids = [int(p) for p in category.path.strip("/").split("/") if p.isdigit()] or [category.pk]
    return list(
        AssetCustomField.objects.filter(
            school_id=category.school_id, category_id__in=ids, is_active=True
        ).order_by("sort_order", "pk")
    )


def _clean_custom_values(fields: list[AssetCustomField], values: dict[str, Any]) -> dict[str, Any]:
    """Check values against the category's fields; raises ``ValidationError({"custom_fields": ...})``."""
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for field in fields:
        raw = values.get(field.key)
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in (None, ""):
            if field.required:
                problems.append(_("“%(label)s”必须填写。") % {"label": field.label})
            continue
        if field.field_type == CustomFieldType.NUMBER:
            try:
                cleaned[field.key] = str(Decimal(str(raw)))
            except (InvalidOperation, ValueError):
                problems.append(_("“%(label)s”应为数字。") % {"label": field.label})
        elif field.field_type == CustomFieldType.DATE:
            try:
                value = raw if isinstance(raw, dt.date) else parse_date(str(raw))
            except ValueError:  # well formed but not a day, e.g. 2026-02-30
                value = None
            if value is None:
                problems.append(_("“%(label)s”应为日期，如 2026-09-01。") % {"label": field.label})
            else:
                cleaned[field.key] = value.isoformat()
        elif field.field_type == CustomFieldType.CHOICE:
            if str(raw) not in [str(o) for o in field.options]:
                problems.append(
                    _("“%(label)s”只能是：%(options)s。")
                    % {"label": field.label, "options": "、".join(map(str, field.options))}
                )
            else:
                cleaned[field.key] = str(raw)
        else:
            cleaned[field.key] = str(raw)[:200]
    if problems:
        raise ValidationError({"custom_fields": problems})
    return cleaned


CUSTOM_FIELD_FIELDS = ["label", "field_type", "options", "required", "sort_order", "is_active"]
_OPTION_SEPARATORS = (",", "，", "、", ";", "；", "\n")


def _split_options(text: str) -> list[str]:
    for sep in _OPTION_SEPARATORS[1:]:
        text = text.replace(sep, ",")
    return list(dict.fromkeys(o.strip() for o in text.split(",") if o.strip()))


def _check_custom_field(data: dict[str, Any]) -> dict[str, Any]:
    options = data.get("options")
    if isinstance(options, str):
        data = {**data, "options": _split_options(options)}
    elif isinstance(options, list | tuple):
        data = {**data, "options": list(dict.fromkeys(str(o).strip() for o in options if str(o).strip()))}
    if "label" in data and isinstance(data["label"], str):
        data = {**data, "label": data["label"].strip()}
    if data.get("field_type") == CustomFieldType.CHOICE and not data.get("options"):
        raise ValidationError({"options": [_("选项类型的字段至少要有一个可选值。")]})
    return data


def _related_categories(category: AssetCategory) -> list[int]:
    """The category, its ancestors and its descendants: their cards share one set of field keys."""
    ancestors = [int(p) for p in category.path.strip("/").split("/") if p.isdigit()]
    below = AssetCategory.objects.for_school(category.school_id).filter(path__startswith=category.path)
    return list({*ancestors, *below.values_list("pk", flat=True)})


def _field_key(label: str, taken: set[str]) -> str:
    """A key made from the label's pinyin: 处理器 -> ``chuliqi``; ``chuliqi_2`` when taken."""
    base = slugify("".join(lazy_pinyin(label)))[:36].strip("-_") or "field"
    base = base.replace("-", "_")
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


@transaction.atomic
def asset_custom_field_create(
    *, actor, school: School, category: AssetCategory, key: str = "", label: str, **data: Any
) -> AssetCustomField:
    """A field the school adds to the cards of ``category`` and its sub-categories.

    ``key`` blank → made from the label's pinyin. A key is unique along the category's line
    (ancestors and descendants), since those cards show the fields together.
    """
    if category.school_id != school.pk:
        raise ValidationError({"category": [_("资产分类不属于本校。")]})
    data = _check_custom_field(data)
    key = (key or "").strip()
    label = (label or "").strip()
    taken = set(
        AssetCustomField.objects.for_school(school)
        .filter(category_id__in=_related_categories(category))
        .values_list("key", flat=True)
    )
    if not key:
        key = _field_key(label, taken)
    elif key in taken:
        raise ValidationError({"key": [_("字段标识“%(key)s”在本分类或上下级分类中已使用。") % {"key": key}]})
    return model_create(
        model=AssetCustomField,
        actor=actor,
        data={"school": school, "category": category, "key": key, "label": label, **data},
    )


@transaction.atomic
def asset_custom_field_update(*, actor, field: AssetCustomField, data: dict[str, Any]) -> AssetCustomField:
    """Edit a field's label, type, options, required flag, order or switch it off (the key stays)."""
    field = AssetCustomField.objects.select_for_update().get(pk=field.pk)
    model_update(instance=field, actor=actor, data=_check_custom_field(data), fields=CUSTOM_FIELD_FIELDS)
    return field
