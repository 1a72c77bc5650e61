"""Writing and reading the audit trail.

Services call :func:`record` after each write that matters. The request's IP address reaches
services without being passed around: the school middleware puts it in a context variable.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("houqin_current_ip", default=None)

# verb -> label shown on timelines. Apps add their own verbs with register_verbs().
_VERB_LABELS: dict[str, Any] = {
    "created": _("创建"),
    "updated": _("修改"),
    "deactivated": _("停用"),
    "activated": _("启用"),
    "imported": _("Excel 导入"),
    "login": _("登录"),
    "logout": _("退出登录"),
    "login_failed": _("登录失败"),
    "school_switched": _("切换学校"),
    "roles_changed": _("角色变更"),
    "password_changed": _("修改密码"),
}


def register_verbs(labels: dict[str, Any]) -> None:
    _VERB_LABELS.update(labels)


# Labels of change keys that are not model fields (a file name, an export's filters...).
_CHANGE_LABELS: dict[str, Any] = {
    "attachment": _("附件"),
    "signature": _("签字"),
    "export": _("导出内容"),
    "filters": _("筛选条件"),
    "rows": _("行数"),
    "importer": _("导入内容"),
}


def register_change_labels(labels: dict[str, Any]) -> None:
    _CHANGE_LABELS.update(labels)


def verb_label(verb: str) -> str:
    return str(_VERB_LABELS.get(verb, verb))


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def diff(instance: models.Model, before: dict[str, Any], fields: Iterable[str]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed, in readable form."""
    changes = {}
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def _event(*, actor, verb: str, target, school, changes: dict | None) -> AuditEvent:
    if school is None and target is not None:
        school = getattr(target, "school", None)
        if school is None and target.__class__.__name__ == "School":
            school = target
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        school=school,
        actor=actor,
        verb=verb,
        changes={
            k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v]
            for k, v in (changes or {}).items()
        },
        ip_address=current_ip.get(),
    )
    if target is not None:
        from django.contrib.contenttypes.models import ContentType

        event.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        event.target_id = str(target.pk)
        event.target_repr = str(target)[:200]
    return event


def record(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    school=None,
    changes: dict | None = None,
) -> AuditEvent:
    event = _event(actor=actor, verb=verb, target=target, school=school, changes=changes)
    event.save()
    return event


def record_many(
    *, actor, verb: str, targets: Iterable[models.Model], school, changes: Callable[[Any], dict] | None = None
) -> list[AuditEvent]:
    """One event per target, written in one statement (batch services: imports)."""
    events = [
        _event(actor=actor, verb=verb, target=t, school=school, changes=changes(t) if changes else None)
        for t in targets
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=500)


def timeline(obj: models.Model, *, school) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.for_school(school).for_target(obj).select_related("actor")


def _readable_value(field, value: Any) -> Any:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else {}
    return choices.get(value, value)


def readable_changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """``(field label, old, new)`` for a timeline: verbose names and choice labels, not raw keys.

    No query: the content type comes from Django's cache.
    """
    if not event.changes:
        return []
    model = None
    if event.target_type_id:
        from django.contrib.contenttypes.models import ContentType

        model = ContentType.objects.get_for_id(event.target_type_id).model_class()
    rows = []
    for name, change in event.changes.items():
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a value that is not a field, or a field since removed
                field = None
        label = str(getattr(field, "verbose_name", "") or _CHANGE_LABELS.get(name, name))
        old, new = change if isinstance(change, list) and len(change) == 2 else (None, change)
        rows.append((label, _readable_value(field, old), _readable_value(field, new)))
    return rows
