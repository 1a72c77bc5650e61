"""Helpers every app's services use: validated create and update with an audit record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from . import audit

M = TypeVar("M", bound=models.Model)


def validate(instance: models.Model, *, constraints: bool = True) -> None:
    """``full_clean()`` without re-reading the related objects the service already holds.

    Django's ``full_clean()`` checks every foreign key with a query. Services pass model
    instances they looked up themselves (through ``for_school``), so those checks cost a query
    each and prove nothing; they are skipped. Field values, ``clean()``, uniqueness and
    constraints (codes unique per school) are checked as ``full_clean()`` does, unless the
    service checked them itself (``constraints=False``; the database constraint still guards).
    """
    cache = instance._state.fields_cache
    trusted = {
        f.name
        for f in instance._meta.concrete_fields
        if f.is_relation and cache.get(f.name) is not None and cache[f.name].pk is not None
    }
    errors: dict = {}
    for check in (lambda: instance.clean_fields(exclude=trusted), instance.clean):
        try:
            check()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    failed = set(errors)
    checks = (instance.validate_unique, instance.validate_constraints) if constraints else ()
    for check in checks:
        try:
            check(exclude=failed)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


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
    validate(instance)
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
    validate(instance)
    instance.save(update_fields=update_fields)
    audit.record(actor=actor, verb=verb, target=instance, changes=changes)
    return instance, changes


class BatchValidationError(Exception):
    """A batch service's errors, per item: ``{index: ValidationError}``. Nothing was written."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(f"{len(errors)} invalid item(s)")
        self.errors = errors
