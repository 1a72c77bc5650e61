"""Straight-line depreciation (DOMAIN.md, Assets; 《政府会计准则第3号——固定资产》).

* Fixed assets only; low-value consumables are expensed when issued.
* Monthly, straight line, no residual value; the month of acquisition counts (当月增加当月计提),
  a disposed card stops in the month it is disposed (当月减少当月不再计提).
* The life comes from the category (or its nearest ancestor that sets one); a life of 0 means no
  depreciation (文物和陈列品, 图书和档案, land).

Pure functions over plain values, so the card, the ledger report "as of date X" and the API share
one calculation and it is tested without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def months_between(start: dt.date, end: dt.date) -> int:
    """Depreciation months from ``start``'s month to ``end``'s month, both counted; 0 if before."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return max(months, 0)


def accumulated(
    *,
    value: Decimal,
    life_years: int | None,
    acquired_on: dt.date,
    as_of: dt.date,
    disposed_on: dt.date | None = None,
) -> Decimal:
    """Depreciation accumulated up to the end of ``as_of``'s month."""
    if not life_years or value <= 0:
        return Decimal("0.00")
    if disposed_on is not None and disposed_on <= as_of:
        # the month it leaves the books is not depreciated
        last = disposed_on.replace(day=1) - dt.timedelta(days=1)
        as_of = min(as_of, last)
    total_months = life_years * 12
    months = min(months_between(acquired_on, as_of), total_months)
    if months >= total_months:
        return value.quantize(CENT)
    return (value * months / total_months).quantize(CENT, rounding=ROUND_HALF_UP)


def net_value(
    *,
    value: Decimal,
    life_years: int | None,
    acquired_on: dt.date,
    as_of: dt.date,
    disposed_on: dt.date | None = None,
) -> Decimal:
    return (
        value
        - accumulated(
            value=value, life_years=life_years, acquired_on=acquired_on, as_of=as_of, disposed_on=disposed_on
        )
    ).quantize(CENT)


@dataclass(frozen=True)
class ScheduleRow:
    year: int
    months: int
    amount: Decimal
    accumulated: Decimal
    net_value: Decimal


def schedule(
    *, value: Decimal, life_years: int | None, acquired_on: dt.date, disposed_on: dt.date | None = None
) -> list[ScheduleRow]:
    """The year-by-year schedule shown on the card: one row per calendar year until fully depreciated,
    or until the year the card left the books (its month of disposal is not depreciated)."""
    if not life_years or value <= 0:
        return []
    rows: list[ScheduleRow] = []
    previous = Decimal("0.00")
    year = acquired_on.year
    total_months = life_years * 12
    while True:
        year_end = dt.date(year, 12, 31)
        acc = accumulated(
            value=value,
            life_years=life_years,
            acquired_on=acquired_on,
            as_of=year_end,
            disposed_on=disposed_on,
        )
        months = _months_depreciated(acquired_on, year_end, total_months, disposed_on) - _months_depreciated(
            acquired_on, dt.date(year - 1, 12, 31), total_months, disposed_on
        )
        rows.append(
            ScheduleRow(
                year=year,
                months=months,
                amount=acc - previous,
                accumulated=acc,
                net_value=(value - acc).quantize(CENT),
            )
        )
        previous = acc
        if acc >= value or (disposed_on is not None and year >= disposed_on.year):
            return rows
        year += 1


def _months_depreciated(
    acquired_on: dt.date, as_of: dt.date, total_months: int, disposed_on: dt.date | None
) -> int:
    if disposed_on is not None and disposed_on <= as_of:
        as_of = min(as_of, disposed_on.replace(day=1) - dt.timedelta(days=1))
    return min(months_between(acquired_on, as_of), total_months)
