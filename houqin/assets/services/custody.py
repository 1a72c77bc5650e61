"""承包管理: a class or an office takes over its room's things for a term, item by item.

Issue 4: "at term start a class or office takes over its desks, chairs, doors, windows, handles,
multimedia set, listed item by item with condition; signed by the head teacher; handed back at term
end with a condition check". DOMAIN.md: "classes and offices contract their desks, chairs, doors,
windows, handles (承包管理)". So:

* ``asset_custody_create`` lists the asset cards at the room plus the standard fixtures (门、窗、
  门把手/锁、灯、电扇/空调、多媒体一体机 when not carded) as editable lines; one open sheet per
  room and term;
* the lines are corrected while the sheet waits for the signature (``asset_custody_update_items``);
* only the responsible person (the class's head teacher, the office's head) signs, by hand on a phone
  (``asset_custody_sign``);
* at term end the asset clerk checks every line back (``asset_custody_return``); lines that came back
  damaged or missing are listed on the sheet with a link to report the damage (谁损坏谁赔偿).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import audit
from houqin.core.attachments import signature_add
from houqin.core.numbering import next_number
from houqin.core.services import model_create
from houqin.org.models import Department, Location, Membership, School, SchoolClass

from ..choices import CUSTODY_TRANSITIONS, Condition, CustodyHolder, CustodyStatus
from ..models import Asset, AssetCustody, AssetCustodyItem

__all__ = [
    "STANDARD_FIXTURES",
    "asset_custody_create",
    "asset_custody_default_items",
    "asset_custody_return",
    "asset_custody_sign",
    "asset_custody_update_items",
    "current_term",
    "custody_available_actions",
]

NOTIFY_KIND = "assets.custody"
OPEN_STATUSES = (CustodyStatus.DRAFT, CustodyStatus.SIGNED)
BAD_CONDITIONS = frozenset({Condition.DAMAGED, Condition.MISSING})

# Things every room has that are rarely on an asset card: (line name, words that mean a card at the
# room already covers it). A fixture whose words match a card's name is left out (the card is listed).
STANDARD_FIXTURES: list[tuple[Any, tuple[str, ...]]] = [
    (gettext_lazy("门"), ()),
    (gettext_lazy("窗"), ()),
    (gettext_lazy("门把手/锁"), ()),
    (gettext_lazy("灯"), ()),
    (gettext_lazy("电扇/空调"), ("电扇", "风扇", "吊扇", "空调")),
    (gettext_lazy("多媒体一体机"), ("一体机", "多媒体", "投影", "白板")),
]


# --- reads --------------------------------------------------------------------------------------------


def current_term(on: dt.date | None = None) -> str:
    """The school term of ``on`` (today): September–January is the first term of a school year,
    February–August the second, e.g. "2026-2027学年第一学期".

    The term is data, compared when checking one open sheet per room and term, so it is always
    written the same way (the school's own, Chinese), whatever the language of the page."""
    on = on or timezone.localdate()
    if on.month >= 9:
        start, half = on.year, "一"
    elif on.month == 1:
        start, half = on.year - 1, "一"
    else:
        start, half = on.year - 1, "二"
    return f"{start}-{start + 1}学年第{half}学期"


def custodies_waiting_for_signature(user, school):
    """承包清单待我签字: draft sheets whose responsible person is ``user``."""
    return AssetCustody.objects.for_school(school).filter(responsible=user, status=CustodyStatus.DRAFT)


def holder_name(custody: AssetCustody) -> str:
    holder = custody.school_class if custody.holder_kind == CustodyHolder.SCHOOL_CLASS else custody.department
    return str(holder) if holder is not None else ""


def asset_custody_default_items(school: School, location: Location) -> list[dict[str, Any]]:
    """The lines a new sheet starts with: every card at the room (not disposed), then the standard
    fixtures that no card there covers. Editable before signing."""
    assets = list(Asset.objects.for_school(school).active().filter(location=location).order_by("code", "pk"))
    items: list[dict[str, Any]] = [
        {"asset": a, "name": a.name, "quantity": a.quantity, "condition_out": Condition.GOOD} for a in assets
    ]
    names = [a.name for a in assets]
    for label, words in STANDARD_FIXTURES:
        if words and any(word in name for word in words for name in names):
            continue
        items.append({"asset": None, "name": str(label), "quantity": 1, "condition_out": Condition.GOOD})
    return items


# --- helpers ------------------------------------------------------------------------------------------


def _is_system(actor) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def _lock(custody: AssetCustody) -> AssetCustody:
    return (
        AssetCustody.objects.select_for_update(of=("self",))
        .select_related("school", "school_class", "department", "location", "responsible")
        .get(pk=custody.pk)
    )


def _check_transition(custody: AssetCustody, new: str) -> None:
    if new not in CUSTODY_TRANSITIONS.get(custody.status, set()):
        raise ValidationError(
            _("承包单 %(number)s 当前为“%(status)s”，不能进行这一步。")
            % {"number": custody.number, "status": CustodyStatus(custody.status).label}
        )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _is_staff(school: School, user) -> bool:
    return (
        user is not None
        and user.is_active
        and Membership.objects.for_school(school).filter(user=user, is_active=True).exists()
    )


def _notify_later(*, custody: AssetCustody, recipients, title: str, actor=None) -> None:
    recipients = [u for u in recipients if u is not None]
    if not recipients:
        return
    school, url = custody.school, custody.get_absolute_url()

    def send():
        from houqin.notify.services import notify

        notify(
            school=school,
            recipients=recipients,
            kind=NOTIFY_KIND,
            title=title,
            url=url,
            actor=actor,
            target=custody,
        )

    transaction.on_commit(send)


def _clean_items(
    school: School, items: list[dict[str, Any]], *, existing: set[int] | None = None
) -> list[dict]:
    """Check the lines (name, quantity ≥ 1, condition, the card of this school); every bad line is
    reported at once as ``{"items": ["第 N 行：..."]}``."""
    problems: list[str] = []
    cleaned: list[dict] = []
    for index, raw in enumerate(items, start=1):
        asset = raw.get("asset")
        name = (raw.get("name") or "").strip() or (asset.name if asset is not None else "")
        line_problems = []
        item_id = raw.get("id")
        if item_id is not None and (existing is None or int(item_id) not in existing):
            line_problems.append(_("不是这份清单的物品。"))
        if asset is not None and asset.school_id != school.pk:
            line_problems.append(_("资产不属于本校。"))
        elif asset is not None and asset.is_disposed:
            line_problems.append(_("资产“%(asset)s”已处置。") % {"asset": asset})
        if not name:
            line_problems.append(_("请填写物品名称。"))
        elif len(name) > 100:
            line_problems.append(_("物品名称最多 100 个字。"))
        try:
            quantity = int(raw.get("quantity") if raw.get("quantity") not in (None, "") else 1)
        except (TypeError, ValueError):
            quantity = 0
        if quantity < 1:
            line_problems.append(_("数量至少为 1。"))
        condition = raw.get("condition_out") or Condition.GOOD
        if condition not in Condition.values:
            line_problems.append(_("接收时状况无效。"))
        note = (raw.get("note") or "").strip()
        if len(note) > 200:
            line_problems.append(_("说明最多 200 个字。"))
        for problem in line_problems:
            problems.append(_("第 %(line)d 行：%(problem)s") % {"line": index, "problem": problem})
        cleaned.append(
            {
                "id": int(item_id) if item_id is not None else None,
                "asset": asset,
                "name": name,
                "quantity": quantity,
                "condition_out": condition,
                "note": note,
                "sort_order": index,
            }
        )
    if problems:
        raise ValidationError({"items": problems})
    return cleaned


# --- create -------------------------------------------------------------------------------------------


@transaction.atomic
def asset_custody_create(
    *,
    actor,
    school: School,
    holder_kind: str,
    location: Location | None,
    term: str,
    school_class: SchoolClass | None = None,
    department: Department | None = None,
    responsible=None,
    items: list[dict[str, Any]] | None = None,
    note: str = "",
) -> AssetCustody:
    """承包管理: a class (its head teacher signs) or an office (its head signs) takes over a room.

    ``location`` defaults to the class's classroom; ``responsible`` to the head teacher / the
    department's head; ``items`` to :func:`asset_custody_default_items`. One open sheet (waiting for
    the signature, or signed) per room and term. A head teacher (``add_assetcustody`` only) draws up
    sheets for their own class; the asset clerk for any.
    """
    if not _is_system(actor) and not actor.has_perm("assets.add_assetcustody"):
        raise PermissionDenied(_("没有建立承包清单的权限。"))
    errors: dict[str, list] = {}
    term = " ".join((term or "").split())
    if not term:
        errors["term"] = [_("请填写学期，如 2026-2027学年第一学期。")]
    if holder_kind == CustodyHolder.SCHOOL_CLASS:
        department = None
        if school_class is None:
            errors["school_class"] = [_("请选择承包的班级。")]
        elif school_class.school_id != school.pk:
            errors["school_class"] = [_("班级不属于本校。")]
        else:
            location = location or school_class.home_room
            responsible = responsible or school_class.head_teacher
            if responsible is None:
                errors["responsible"] = [_("班级还没有班主任，请指定签字责任人。")]
    elif holder_kind == CustodyHolder.OFFICE:
        school_class = None
        if department is None:
            errors["department"] = [_("请选择承包的办公室/部门。")]
        elif department.school_id != school.pk:
            errors["department"] = [_("部门不属于本校。")]
        else:
            responsible = responsible or department.head
            if responsible is None:
                errors["responsible"] = [_("部门还没有负责人，请指定签字责任人。")]
    else:
        errors["holder_kind"] = [_("请选择承包方：班级或办公室/部门。")]
    if location is None:
        errors.setdefault("location", [_("请选择承包的房间。")])
    elif location.school_id != school.pk:
        errors["location"] = [_("房间不属于本校。")]
    if responsible is not None and "responsible" not in errors and not _is_staff(school, responsible):
        errors["responsible"] = [_("签字责任人必须是本校在职教职工。")]
    if errors:
        raise ValidationError(errors)
    if (
        not _is_system(actor)
        and not actor.has_perm("assets.change_assetcustody")
        and responsible.pk != actor.pk
    ):
        raise PermissionDenied(_("班主任只能为自己的班级建立承包清单，由本人签字。"))

    # one open sheet per room and term: the room row is the lock two requests queue on
    Location.objects.select_for_update().filter(pk=location.pk).first()
    taken = (
        AssetCustody.objects.for_school(school)
        .filter(location=location, term=term, status__in=OPEN_STATUSES)
        .first()
    )
    if taken is not None:
        raise ValidationError(
            {
                "location": [
                    _("%(room)s 本学期已有承包单 %(number)s（%(status)s），不能重复建立。")
                    % {"room": location, "number": taken.number, "status": taken.get_status_display()}
                ]
            }
        )
    lines = _clean_items(school, asset_custody_default_items(school, location) if items is None else items)
    custody = model_create(
        model=AssetCustody,
        actor=None if _is_system(actor) else actor,
        data={
            "school": school,
            "number": next_number(school=school, key="assets.assetcustody", prefix="CB"),
            "term": term,
            "holder_kind": holder_kind,
            "school_class": school_class,
            "department": department,
            "location": location,
            "responsible": responsible,
            "note": (note or "").strip()[:200],
        },
    )
    AssetCustodyItem.objects.bulk_create(
        [AssetCustodyItem(custody=custody, **{k: v for k, v in line.items() if k != "id"}) for line in lines]
    )
    if responsible.pk != getattr(actor, "pk", None):
        _notify_later(
            custody=custody,
            recipients=[responsible],
            title=_("请核对并签字：%(holder)s 财产承包清单 %(number)s")
            % {"holder": holder_name(custody), "number": custody.number},
            actor=actor,
        )
    return custody


# --- lines while waiting for the signature ---------------------------------------------------------


def _may_edit(actor, custody: AssetCustody) -> bool:
    return (
        actor.has_perm("assets.change_assetcustody")
        or custody.created_by_id == actor.pk
        or custody.responsible_id == actor.pk
    )


@transaction.atomic
def asset_custody_update_items(*, actor, custody: AssetCustody, items: list[dict[str, Any]]) -> AssetCustody:
    """Replace the lines of a sheet that waits for the signature: a line with ``id`` is kept and
    edited, a line without is added, a line left out is removed. Refused once signed."""
    custody = _lock(custody)
    if custody.status != CustodyStatus.DRAFT:
        raise ValidationError(_("承包单已签字，清单不能再修改。"))
    if not _is_system(actor) and not _may_edit(actor, custody):
        raise PermissionDenied(_("没有修改这份承包清单的权限。"))
    current = {i.pk: i for i in custody.items.select_related("asset")}
    lines = _clean_items(custody.school, items, existing=set(current))
    if not lines:
        raise ValidationError({"items": [_("清单至少要有一项物品。")]})
    kept, added, changed, moved = set(), [], [], []
    content = ["asset", "name", "quantity", "condition_out", "note"]
    fields = [*content, "sort_order"]
    for line in lines:
        item = current.get(line["id"]) if line["id"] is not None else None
        if item is None:
            added.append(AssetCustodyItem(custody=custody, **{k: line[k] for k in fields}))
            continue
        kept.add(item.pk)
        before = [getattr(item, f) for f in fields]
        for f in fields:
            setattr(item, f, line[f])
        if before[: len(content)] != [getattr(item, f) for f in content]:
            changed.append(item)
        elif before[-1] != item.sort_order:
            moved.append(item)
    removed = [i for pk, i in current.items() if pk not in kept]
    AssetCustodyItem.objects.filter(pk__in=[i.pk for i in removed]).delete()
    AssetCustodyItem.objects.bulk_update([*changed, *moved], fields)
    AssetCustodyItem.objects.bulk_create(added)
    changes = {
        key: [None, [i.name for i in group]]
        for key, group in (("added", added), ("removed", removed), ("changed", changed))
        if group
    }
    if changes:
        custody.updated_by = None if _is_system(actor) else actor
        custody.save(update_fields=["updated_by", "updated_at"])
        audit.record(actor=actor, verb="custody_items_updated", target=custody, changes=changes)
    return custody


# --- sign ---------------------------------------------------------------------------------------------


@transaction.atomic
def asset_custody_sign(*, actor, custody: AssetCustody, signature_data_url: str) -> AssetCustody:
    """The responsible person (the head teacher for a class) signs by hand: the signature is kept
    with the sheet (``signature_add``) and the class or office now holds the things (承包中)."""
    custody = _lock(custody)
    _check_transition(custody, CustodyStatus.SIGNED)
    if _is_system(actor) or actor.pk != custody.responsible_id:
        raise PermissionDenied(
            _("只有签字责任人（%(person)s）本人可以签字。") % {"person": custody.responsible}
        )
    items = list(custody.items.select_related("asset"))
    if not items:
        raise ValidationError(_("清单还没有任何物品，不能签字。"))
    signature_add(
        actor=actor,
        target=custody,
        data_url=signature_data_url,
        signed_for=_("财产承包责任书 %(number)s（%(holder)s，%(term)s）")
        % {"number": custody.number, "holder": holder_name(custody), "term": custody.term},
    )
    custody.status = CustodyStatus.SIGNED
    custody.signed_at = timezone.now()
    custody.updated_by = actor
    custody.save(update_fields=["status", "signed_at", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        verb="custody_signed",
        target=custody,
        changes={"status": [CustodyStatus.DRAFT, CustodyStatus.SIGNED]},
    )
    holder = holder_name(custody)
    audit.record_many(
        actor=actor,
        verb="custody_signed",
        targets=list({i.asset_id: i.asset for i in items if i.asset_id}.values()),
        school=custody.school,
        changes=lambda asset: {"custody": [None, custody.number], "holder": [None, holder]},
    )
    if custody.created_by_id and custody.created_by_id != actor.pk:
        _notify_later(
            custody=custody,
            recipients=[custody.created_by],
            title=_("%(person)s 已签字：财产承包清单 %(number)s")
            % {"person": actor, "number": custody.number},
            actor=actor,
        )
    return custody


# --- hand back at term end ----------------------------------------------------------------------------


@transaction.atomic
def asset_custody_return(
    *,
    actor,
    custody: AssetCustody,
    conditions: dict[int, str],
    notes: dict[int, str] | None = None,
    note: str = "",
) -> AssetCustody:
    """期末交回: the asset clerk checks every line back (完好 / 有磨损 / 损坏 / 缺失). Lines that come
    back damaged or missing are listed on the sheet for a damage report (谁损坏谁赔偿)."""
    custody = _lock(custody)
    _check_transition(custody, CustodyStatus.RETURNED)
    if not _is_system(actor) and not actor.has_perm("assets.change_assetcustody"):
        raise PermissionDenied(_("只有资产管理员可以验收交回。"))
    conditions = {_int(k): v for k, v in (conditions or {}).items()}
    notes = {_int(k): (v or "").strip() for k, v in (notes or {}).items()}
    items = list(custody.items.select_related("asset"))
    ids = {i.pk for i in items}
    problems = []
    if set(conditions) - ids:
        problems.append(_("有的物品不属于这份清单。"))
    missing = [i.name for i in items if not conditions.get(i.pk)]
    if missing:
        problems.append(_("请逐项填写交回时状况：%(names)s。") % {"names": "、".join(missing)})
    bad = [i.name for i in items if conditions.get(i.pk) and conditions[i.pk] not in Condition.values]
    if bad:
        problems.append(_("交回时状况无效：%(names)s。") % {"names": "、".join(bad)})
    if problems:
        raise ValidationError({"conditions": problems})
    for item in items:
        item.condition_back = conditions[item.pk]
        extra = notes.get(item.pk, "")
        if extra:
            item.note = (f"{item.note} / {extra}" if item.note else extra)[:200]
    AssetCustodyItem.objects.bulk_update(items, ["condition_back", "note"])
    custody.status = CustodyStatus.RETURNED
    custody.returned_at = timezone.now()
    custody.return_checked_by = None if _is_system(actor) else actor
    custody.updated_by = custody.return_checked_by
    note = (note or "").strip()
    fields = ["status", "returned_at", "return_checked_by", "updated_by", "updated_at"]
    if note:
        custody.note = note[:200]
        fields.append("note")
    custody.save(update_fields=fields)
    damaged = [i for i in items if i.condition_back in BAD_CONDITIONS]
    changes: dict[str, list] = {"status": [CustodyStatus.SIGNED, CustodyStatus.RETURNED]}
    if damaged:
        changes["damaged_items"] = [
            None,
            [f"{i.name}（{Condition(i.condition_back).label}）" for i in damaged],
        ]
    audit.record(actor=actor, verb="custody_returned", target=custody, changes=changes)
    carded = {i.asset_id: i for i in items if i.asset_id}
    audit.record_many(
        actor=actor,
        verb="custody_returned",
        targets=[i.asset for i in carded.values()],
        school=custody.school,
        changes=lambda asset: {
            "custody": [None, custody.number],
            "condition": [
                str(Condition(carded[asset.pk].condition_out).label),
                str(Condition(carded[asset.pk].condition_back).label),
            ],
        },
    )
    return custody


# --- what the user may press --------------------------------------------------------------------------


def custody_available_actions(custody: AssetCustody, user) -> list[str]:
    """The buttons ``user`` may press on ``custody`` now: ``edit``, ``sign``, ``return``."""
    from .. import permissions

    checks = (
        ("edit", permissions.can_edit_custody_items),
        ("sign", permissions.can_sign_custody),
        ("return", permissions.can_return_custody),
    )
    return [name for name, rule in checks if rule(user, custody)]


available_actions = custody_available_actions
