"""Helpers every app's services use: validated create and update with an audit record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

from . import audit

M = TypeVar("M", bound=models.Model)


def model_create(
    *,
    model: type[M],
    actor,
    data: dict[str, Any],
    verb: str = "created",
    m2m: dict[str, Iterable] | None = None,
) -> M:
    """Build, ``full_clean()`` (raises ``ValidationError`` with field errors), save, audit."""
    instance = model(**data)
    if hasattr(instance, "created_by_id") and actor is not None and actor.is_authenticated:
        instance.created_by = actor
        instance.updated_by = actor
    instance.full_clean()
    instance.save()
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)
    audit.record(
        actor=actor,
        verb=verb,
        target=instance,
        changes={k: [None, v] for k, v in data.items() if k not in {"school"} and v not in (None, "")},
    )
    return instance


def model_update(
    *, instance: M, actor, data: dict[str, Any], fields: Iterable[str], verb: str = "updated"
) -> tuple[M, dict[str, list[Any]]]:
    """Apply the allowed ``fields`` found in ``data``; save and audit only what changed."""
    fields = [f for f in fields if f in data]
    before = audit.snapshot(instance, fields)
    for name in fields:
        setattr(instance, name, data[name])
    changes = audit.diff(instance, before, fields)
    if not changes:
        return instance, {}
    update_fields = list(fields)
    if hasattr(instance, "updated_by_id") and actor is not None and actor.is_authenticated:
        instance.updated_by = actor
        update_fields.append("updated_by")
    if hasattr(instance, "updated_at"):
        update_fields.append("updated_at")
    instance.full_clean()
    instance.save(update_fields=update_fields)
    audit.record(actor=actor, verb=verb, target=instance, changes=changes)
    return instance, changes
