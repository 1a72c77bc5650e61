"""Straight-line depreciation (DOMAIN.md, Assets: "computers 6 years ... none for 文物和陈列品, 图书和档案";
《政府会计准则第3号》: the month of acquisition counts, the month of disposal does not)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from houqin.assets import depreciation, services
from houqin.assets.choices import AssetClass
from houqin.assets.models import Asset, AssetCategory

D = Decimal


def test_months_between_counts_both_ends():
    assert depreciation.months_between(dt.date(2024, 9, 15), dt.date(2024, 9, 30)) == 1
    assert depreciation.months_between(dt.date(2024, 9, 1), dt.date(2025, 8, 31)) == 12
    assert depreciation.months_between(dt.date(2024, 9, 1), dt.date(2024, 8, 31)) == 0


def test_computer_six_years_month_of_acquisition_counts():
    """A 7,200-yuan computer over 6 years: 100 yuan a month, September counted (当月增加当月计提)."""
    kwargs = {"value": D("7200.00"), "life_years": 6, "acquired_on": dt.date(2024, 9, 20)}
    assert depreciation.accumulated(**kwargs, as_of=dt.date(2024, 9, 30)) == D("100.00")
    assert depreciation.accumulated(**kwargs, as_of=dt.date(2024, 12, 31)) == D("400.00")
    assert depreciation.net_value(**kwargs, as_of=dt.date(2025, 8, 31)) == D("6000.00")
    assert depreciation.net_value(**kwargs, as_of=dt.date(2030, 8, 31)) == D("0.00")  # 72 months
    assert depreciation.net_value(**kwargs, as_of=dt.date(2040, 1, 1)) == D("0.00")  # never below zero
    assert depreciation.net_value(**kwargs, as_of=dt.date(2024, 8, 31)) == D("7200.00")  # before acquisition


def test_rounding_to_cents_and_full_value_at_the_end():
    kwargs = {"value": D("1000.00"), "life_years": 6, "acquired_on": dt.date(2024, 1, 1)}
    assert depreciation.accumulated(**kwargs, as_of=dt.date(2024, 1, 31)) == D("13.89")  # 1000/72
    assert depreciation.accumulated(**kwargs, as_of=dt.date(2029, 12, 31)) == D("1000.00")


@pytest.mark.parametrize("life", [0, None])
def test_no_life_means_no_depreciation(life):
    """文物和陈列品, 图书和档案: life 0; a category without any life: none either."""
    assert depreciation.net_value(
        value=D("5000"), life_years=life, acquired_on=dt.date(2000, 1, 1), as_of=dt.date(2026, 1, 1)
    ) == D("5000.00")
    assert depreciation.schedule(value=D("5000"), life_years=life, acquired_on=dt.date(2000, 1, 1)) == []


def test_disposal_stops_depreciation_in_its_month():
    """当月减少当月不再计提: disposed in March 2026, the last month depreciated is February."""
    kwargs = {"value": D("7200.00"), "life_years": 6, "acquired_on": dt.date(2024, 9, 1)}
    disposed = dt.date(2026, 3, 10)
    expected = D("7200.00") - D("100.00") * 18  # Sep 2024 .. Feb 2026
    assert depreciation.net_value(**kwargs, as_of=dt.date(2027, 1, 1), disposed_on=disposed) == expected
    assert depreciation.net_value(**kwargs, as_of=dt.date(2026, 2, 28), disposed_on=disposed) == expected
    assert depreciation.net_value(**kwargs, as_of=dt.date(2025, 8, 31), disposed_on=disposed) == D("6000.00")
    rows = depreciation.schedule(**kwargs, disposed_on=disposed)
    assert [r.year for r in rows] == [2024, 2025, 2026]
    assert [r.months for r in rows] == [4, 12, 2]
    assert rows[-1].net_value == expected


def test_schedule_rows_add_up():
    rows = depreciation.schedule(value=D("7200.00"), life_years=6, acquired_on=dt.date(2024, 9, 1))
    assert [r.year for r in rows] == list(range(2024, 2031))
    assert [r.months for r in rows] == [4, 12, 12, 12, 12, 12, 8]
    assert sum(r.amount for r in rows) == D("7200.00")
    assert rows[0].amount == D("400.00") and rows[-1].net_value == D("0.00")
    assert all(r.net_value == D("7200.00") - r.accumulated for r in rows)


# --- on cards ------------------------------------------------------------------------------------------


def _card(world, code, price, acquired_on=dt.date(2024, 9, 1), **extra):
    return services.asset_create(
        actor=None,
        school=world.school,
        name="卡片",
        category=AssetCategory.objects.get(school=world.school, code=code),
        unit_price=D(price),
        acquired_on=acquired_on,
        **extra,
    )


@pytest.mark.django_db
def test_net_value_of_cards_uses_the_category_life(school_a):
    computer = _card(school_a, "301", "7200")
    assert services.asset_net_value(computer, as_of=dt.date(2025, 8, 31)) == D("6000.00")
    books = _card(school_a, "5", "7200", quantity=1)  # 图书和档案: fixed, no depreciation
    assert books.asset_class == AssetClass.FIXED
    assert services.asset_net_value(books, as_of=dt.date(2030, 1, 1)) == D("7200.00")
    relic = _card(school_a, "4", "20000")  # 文物和陈列品
    assert services.asset_net_value(relic, as_of=dt.date(2040, 1, 1)) == D("20000.00")


@pytest.mark.django_db
def test_low_value_items_are_not_depreciated(school_a):
    kettle = _card(school_a, "302", "300")
    assert kettle.asset_class == AssetClass.LOW_VALUE
    assert services.asset_net_value(kettle, as_of=dt.date(2035, 1, 1)) == D("300.00")


@pytest.mark.django_db
def test_a_disposed_card_keeps_its_net_value_at_disposal(school_a):
    computer = _card(school_a, "301", "7200")
    Asset.objects.filter(pk=computer.pk).update(disposed_on=dt.date(2025, 9, 5))
    computer.refresh_from_db()
    assert services.asset_net_value(computer, as_of=dt.date(2028, 1, 1)) == D("6000.00")


@pytest.mark.django_db
def test_own_life_overrides_the_inherited_one(school_a):
    """Lives are settings: a school gives its laptops 5 years under computers (6)."""
    laptops = services.asset_category_create(
        actor=None,
        school=school_a.school,
        code="30102",
        name="笔记本",
        parent=AssetCategory.objects.get(school=school_a.school, code="301"),
        useful_life_years=5,
    )
    card = services.asset_create(
        actor=None,
        school=school_a.school,
        name="笔记本",
        category=laptops,
        unit_price=D("6000"),
        acquired_on=dt.date(2024, 1, 1),
    )
    assert services.asset_net_value(card, as_of=dt.date(2024, 12, 31)) == D("4800.00")  # 100/month
