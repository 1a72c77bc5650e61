"""Human document numbers per school, document type and year: ``BX-2026-00042``, ``CG-2026-0007``.

Call :func:`next_number` inside the service's own transaction, right before saving the document::

    @transaction.atomic
    def repair_order_create(*, actor, school, ...):
        number = next_number(school=school, key="repairs.repairorder", prefix="BX")
        ...

The sequence row is locked (``SELECT ... FOR UPDATE``) until the caller commits, so two requests
never get the same number; if the caller rolls back, the increment rolls back with it, so numbers
have no gaps. On SQLite, writes are serialised by ``BEGIN IMMEDIATE`` (see settings).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from .models import DocumentSequence

_CREATE_ATTEMPTS = 5


def format_number(*, prefix: str, year: int, value: int, width: int = 5) -> str:
    return f"{prefix}-{year}-{value:0{width}d}"


def _locked_sequence(*, school, key: str, year: int) -> DocumentSequence:
    """The sequence row, locked for the rest of the caller's transaction; created when missing.

    Two first numbers of a year may race to create the row: the loser's INSERT fails on the unique
    constraint (inside a savepoint, so the caller's transaction survives) and it reads the winner's
    row, waiting on its lock.
    """
    qs = DocumentSequence.objects.select_for_update().filter(school=school, key=key, year=year)
    for _attempt in range(_CREATE_ATTEMPTS):
        sequence = qs.first()
        if sequence is not None:
            return sequence
        try:
            with transaction.atomic():
                return DocumentSequence.objects.create(school=school, key=key, year=year, last_value=0)
        except IntegrityError:
            continue
    raise RuntimeError(f"could not create the number sequence {key}/{year}")  # pragma: no cover


def next_number(*, school, key: str, prefix: str, width: int = 5, year: int | None = None) -> str:
    """The next number for ``key`` (e.g. ``"repairs.repairorder"``) in ``school`` and ``year``.

    ``year`` defaults to the school's local year (``Asia/Shanghai``: a repair reported at 00:30 on
    1 January is in the new year). Must run inside the caller's ``transaction.atomic()``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "next_number() must run inside the caller's transaction (transaction.atomic)"
        )
    if not key or not prefix:
        raise ValueError("next_number() needs a key and a prefix")
    if year is None:
        year = timezone.localdate().year
    sequence = _locked_sequence(school=school, key=key, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value", "updated_at"])
    return format_number(prefix=prefix, year=year, value=sequence.last_value, width=width)


def next_numbers(
    *, school, key: str, prefix: str, count: int, width: int = 5, year: int | None = None
) -> list[str]:
    """``count`` consecutive numbers at once (an import of thousands of records locks the
    sequence once); the same rules as :func:`next_number`."""
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "next_numbers() must run inside the caller's transaction (transaction.atomic)"
        )
    if not key or not prefix:
        raise ValueError("next_numbers() needs a key and a prefix")
    if count <= 0:
        return []
    if year is None:
        year = timezone.localdate().year
    sequence = _locked_sequence(school=school, key=key, year=year)
    start = sequence.last_value
    sequence.last_value += count
    sequence.save(update_fields=["last_value", "updated_at"])
    return [format_number(prefix=prefix, year=year, value=start + i + 1, width=width) for i in range(count)]


def peek_number(*, school, key: str, prefix: str, width: int = 5, year: int | None = None) -> str:
    """The number the next document would get, for display only (not reserved)."""
    if year is None:
        year = timezone.localdate().year
    last = (
        DocumentSequence.objects.for_school(school)
        .filter(key=key, year=year)
        .values_list("last_value", flat=True)
        .first()
    )
    return format_number(prefix=prefix, year=year, value=(last or 0) + 1, width=width)
