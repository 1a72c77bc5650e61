"""The ledger summary "as of date X" (资产汇总表): hand-computed figures, the grouped SQL equal to the
sum of the cards' own net values to the cent, the page, its Excel file, its API and its query count.

Depreciation rules (DOMAIN.md, Assets; 《政府会计准则第3号——固定资产》): straight line by category
life, monthly, the month of acquisition counts, none for 文物和陈列品 / 图书和档案 and low-value items.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.assets import reports, services
from houqin.assets.choices import AssetClass, AssetStatus
from houqin.assets.models import Asset, AssetCategory
from houqin.core.testing import make_school
from houqin.org import services as org_services

AS_OF = dt.date(2026, 8, 31)


def category(world, code: str) -> AssetCategory:
    return AssetCategory.objects.get(school=world.school, code=code)


def card(world, code: str, *, cat: str = "301", price: str, qty: int = 1, on: dt.date, department="default"):
    return services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=category(world, cat),
        quantity=qty,
        unit="台",
        unit_price=Decimal(price),
        acquired_on=on,
        location=world.room,
        department=world.department if department == "default" else department,
    )


def dispose(asset: Asset, on: dt.date) -> None:
    """Set up a card that left the books on ``on`` (the disposal area's service uses today's date)."""
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.DISPOSED, disposed_on=on)


@pytest.fixture
def ledger(db):
    """The cards below, in two departments of their own, and the expected figures at 2026-08-31
    worked out by hand in each comment. make_school's sample cards (other areas') are in the
    school too: ``world.base`` is the summary before these cards, and totals are compared as deltas."""
    world = make_school("s")
    world.base = reports.ledger_summary(world.school, AS_OF)
    world.logistics = org_services.department_create(actor=None, school=world.school, name="后勤处s")
    world.office = org_services.department_create(actor=None, school=world.school, name="教务处s")
    main = world.logistics
    # 4,800-yuan computer of 2024-09: 24 of 72 months -> 4800*24/72 = 1600.00
    card(world, "A0", price="4800", on=dt.date(2024, 9, 1), department=main)
    # 6,000-yuan computer bought 2024-09, 6-year life: 24 of 72 months -> 6000*24/72 = 2000.00
    card(world, "A1", price="6000", on=dt.date(2024, 9, 15), department=main)
    # 40 desks at 300 (bulk furniture = fixed), 15 years: 72 of 180 months -> 12000*72/180 = 4800.00
    card(world, "A2", cat="601", price="300", qty=40, on=dt.date(2020, 9, 1), department=world.office)
    # books: life 0, not depreciated
    card(world, "A3", cat="5", price="50", qty=100, on=dt.date(2023, 1, 1), department=world.office)
    # office equipment at 500 yuan: a low-value consumable, not depreciated
    low = card(world, "A4", cat="302", price="500", on=dt.date(2025, 3, 1), department=main)
    assert low.asset_class == AssetClass.LOW_VALUE
    # acquired after the date: not in the books yet
    card(world, "A5", price="6000", on=dt.date(2026, 9, 10), department=main)
    # disposed before the date: gone
    dispose(card(world, "A6", price="3000", on=dt.date(2022, 1, 1), department=main), dt.date(2026, 6, 30))
    # disposed after the date: still in the books; vehicle, 8 years: 20 of 96 months -> 20000.00
    later = card(world, "A7", cat="303", price="96000", on=dt.date(2025, 1, 1), department=None)
    dispose(later, dt.date(2026, 10, 15))
    # bought 2018-01: fully depreciated by 2024 -> 6000.00
    card(world, "A8", price="6000", on=dt.date(2018, 1, 1), department=main)
    # rounding: 1000.01 * 7 / 72 = 97.2231... -> 97.22 (per card, ROUND_HALF_UP)
    card(world, "A9", price="1000.01", on=dt.date(2026, 2, 1), department=main)
    return world


def delta(rows, base_rows, key):
    """(cards, quantity, original, accumulated, net) of ``key`` minus the same before the test's cards."""
    now = next((r for r in rows if r.key == key or r.code == key), None)
    before = next((r for r in base_rows if r.key == key or r.code == key), None)

    def figures(r):
        return (r.cards, r.quantity, r.original, r.accumulated, r.net) if r else (0, 0, 0, 0, 0)

    return tuple(a - b for a, b in zip(figures(now), figures(before), strict=True))


def test_hand_computed_summary_as_of_2026_08_31(ledger):
    summary, base = reports.ledger_summary(ledger.school, AS_OF), ledger.base
    # in the books: A0, A1, A2, A3, A4, A7, A8, A9
    assert delta([summary.total], [base.total], None) == (
        8,
        1 + 1 + 40 + 100 + 1 + 1 + 1 + 1,
        Decimal("131300.01"),  # 4800+6000+12000+5000+500+96000+6000+1000.01
        Decimal("34497.22"),  # 1600+2000+4800+0+0+20000+6000+97.22
        Decimal("96802.79"),
    )
    assert {row.code for row in summary.by_category} <= {
        c.code for c in AssetCategory.objects.filter(depth=0)
    }
    # 设备: A0 A1 A4 A7 A8 A9
    assert delta(summary.by_category, base.by_category, "3") == (
        6,
        6,
        Decimal("114300.01"),
        Decimal("29697.22"),
        Decimal("84602.79"),
    )
    assert delta(summary.by_category, base.by_category, "6") == (
        1,
        40,
        Decimal("12000.00"),
        Decimal("4800.00"),
        Decimal("7200.00"),
    )
    assert delta(summary.by_category, base.by_category, "5") == (
        1,
        100,
        Decimal("5000.00"),
        Decimal("0.00"),
        Decimal("5000.00"),
    )
    by_department = {row.key: row for row in summary.by_department}
    main = by_department[ledger.logistics.pk]
    assert (main.cards, main.original, main.accumulated, main.net) == (
        5,
        Decimal("18300.01"),  # A0 A1 A4 A8 A9: 4800+6000+500+6000+1000.01 (A5 later, A6 gone)
        Decimal("9697.22"),  # 1600+2000+0+6000+97.22
        Decimal("8602.79"),
    )
    office = by_department[ledger.office.pk]
    assert (office.cards, office.original, office.accumulated) == (2, Decimal("17000.00"), Decimal("4800.00"))
    assert delta(summary.by_department, base.by_department, None)[2:4] == (
        Decimal("96000.00"),
        Decimal("20000.00"),
    )
    assert str(by_department[None].label) == "（未指定部门）"


def test_a_6000_computer_of_2024_09_has_2000_depreciated_at_2026_08_31(ledger):
    """6-year life: 24 of 72 months. The same figure from the card and from the grouped SQL."""
    a1 = Asset.objects.filter(school=ledger.school, code="A1")
    assert services.asset_net_value(a1.get(), as_of=AS_OF) == Decimal("4000.00")
    (row,) = reports.depreciation_rows(ledger.school, AS_OF, queryset=a1)
    assert (row["value_cents"], row["acc_cents"]) == (600000, 200000)


def test_date_boundaries_acquired_that_day_counts_disposed_that_day_does_not(ledger):
    def cards(day):
        return reports.ledger_summary(ledger.school, day).total.cards - ledger.base.total.cards

    # A5 bought 2026-09-10: in the books on the 10th, not on the 9th
    assert (cards(dt.date(2026, 9, 9)), cards(dt.date(2026, 9, 10))) == (8, 9)
    # A6 disposed 2026-06-30: still there on the 29th, gone at the end of the 30th
    assert (cards(dt.date(2026, 6, 29)), cards(dt.date(2026, 6, 30))) == (9, 8)
    # A7 disposed 2026-10-15: gone from the 15th
    assert (cards(dt.date(2026, 10, 14)), cards(dt.date(2026, 10, 15))) == (9, 8)


def per_card(school, as_of):
    """What the summary must equal: each card's own net value (``asset_net_value``), summed."""
    rules = services.category_rules(school)
    tops = {}
    for c in AssetCategory.objects.for_school(school):
        tops[c.pk] = int(c.path.strip("/").split("/")[0])
    by_category = defaultdict(lambda: [0, Decimal("0"), Decimal("0")])
    by_department = defaultdict(lambda: [0, Decimal("0"), Decimal("0")])
    for asset in reports.in_books_on(Asset.objects.for_school(school), as_of):
        net = services.asset_net_value(asset, as_of=as_of, rules=rules[asset.category_id])
        for bucket in (by_category[tops[asset.category_id]], by_department[asset.department_id]):
            bucket[0] += 1
            bucket[1] += asset.total_value
            bucket[2] += net
    return dict(by_category), dict(by_department)


def test_grouped_sql_equals_the_sum_of_every_cards_own_net_value_to_the_cent(db):
    """The summary is computed in SQL without loading the cards; per-card rounding makes a group's
    depreciation differ from "round(sum × months / life)", so the SQL rounds per card. 80 random cards
    (odd cents, every category, batches, low-value items, disposals) at several dates."""
    world = make_school("r")
    rng = random.Random(20261126)
    office = org_services.department_create(actor=None, school=world.school, name="教务处r")
    categories = list(AssetCategory.objects.for_school(world.school))
    items = []
    for i in range(80):
        items.append(
            {
                "code": f"R{i:03d}",
                "name": f"随机{i}",
                "category": rng.choice(categories),
                "quantity": rng.choice([1, 1, 1, 2, 7, 40]),
                "unit": "件",
                "unit_price": Decimal(rng.randint(1, 3_000_000)) / 100,
                "acquired_on": dt.date(rng.randint(1990, 2026), rng.randint(1, 10), rng.randint(1, 28)),
                "department": rng.choice([world.department, office, None]),
            }
        )
    created = services.asset_create_many(actor=None, school=world.school, items=items)
    for asset in rng.sample(created, 15):
        dispose(asset, asset.acquired_on + dt.timedelta(days=rng.randint(0, 4000)))
    assert {a.asset_class for a in created} == {AssetClass.FIXED, AssetClass.LOW_VALUE}
    for as_of in (dt.date(2000, 1, 1), dt.date(2015, 6, 30), dt.date(2024, 12, 31), dt.date(2026, 11, 1)):
        summary = reports.ledger_summary(world.school, as_of)
        by_category, by_department = per_card(world.school, as_of)
        assert {r.key: [r.cards, r.original, r.net] for r in summary.by_category} == by_category, as_of
        assert {r.key: [r.cards, r.original, r.net] for r in summary.by_department} == by_department, as_of
        assert summary.total.net == sum((v[2] for v in by_category.values()), Decimal("0")), as_of


def test_a_category_life_inherited_from_its_parent_and_a_sub_category_counts_under_its_top_level(db):
    world = make_school("i")
    equipment = category(world, "3")
    laptops = services.asset_category_create(
        actor=None, school=world.school, code="30101", name="笔记本电脑", parent=category(world, "301")
    )
    assert laptops.useful_life_years is None  # inherits 6 years from 301
    base = reports.ledger_summary(world.school, AS_OF)
    card(world, "L1", cat="30101", price="7200", on=dt.date(2026, 1, 1))  # 8 of 72 months -> 800.00
    summary = reports.ledger_summary(world.school, AS_OF)
    assert delta(summary.by_category, base.by_category, equipment.pk)[:4] == (
        1,
        1,
        Decimal("7200.00"),
        Decimal("800.00"),
    )


def test_summary_page_shows_both_tables_and_the_chart_data(client, ledger):
    client.force_login(ledger.user("teacher"))
    response = client.get(reverse("assets:asset_summary"), {"as_of": "2026-08-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "8602.79" in body  # net value of 后勤处s
    assert "教务处s" in body and "家具和用具" in body
    assert 'id="summary-chart-data"' in body and "<script>" not in body  # data only, no inline script
    assert response.context["chart"]["labels"] == ["设备", "图书和档案", "家具和用具"]
    assert "js/assets-reports.js" in body and "vendor/echarts/echarts.min.js" in body


def test_summary_page_defaults_to_today_and_shows_a_bad_date_as_an_error(client, ledger):
    client.force_login(ledger.user("teacher"))
    response = client.get(reverse("assets:asset_summary"))
    assert response.context["as_of"] == timezone.localdate()
    assert f'value="{timezone.localdate().isoformat()}"' in response.content.decode()  # the date box shows it
    # A6 and A7 are disposed by now, A5 has come
    today = reports.ledger_summary(ledger.school, timezone.localdate())
    assert response.context["summary"].total.cards == today.total.cards == ledger.base.total.cards + 8
    response = client.get(reverse("assets:asset_summary"), {"as_of": "not-a-date"})
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    response = client.get(reverse("assets:asset_summary"), {"as_of": "0001-01-01"})
    assert response.status_code == 200 and response.context["form"].errors["as_of"]


def test_summary_excel_has_a_sheet_by_category_and_one_by_department(client, ledger):
    client.force_login(ledger.user("principal"))
    response = client.get(reverse("assets:asset_summary"), {"as_of": "2026-08-31", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按资产分类", "按使用部门"]
    rows = list(book["按资产分类"].iter_rows(values_only=True))
    assert "2026-08-31" in rows[0][0]
    assert rows[2][:2] == ("3", "设备")
    total = ledger.base.total.net + Decimal("96802.79")
    assert rows[-1][1] == "合计" and Decimal(str(rows[-1][-1])) == total
    dept_rows = list(book["按使用部门"].iter_rows(values_only=True))
    assert ("后勤处s", 5, 5) in [r[:3] for r in dept_rows]
    assert Decimal(str(dept_rows[-1][-1])) == total


def _bulk(world, n: int, start: int = 0) -> None:
    cats = list(AssetCategory.objects.for_school(world.school))
    services.asset_create_many(
        actor=None,
        school=world.school,
        items=[
            {
                "code": f"Q{i}",
                "name": f"批量{i}",
                "category": cats[i % len(cats)],
                "unit_price": Decimal("1234.56"),
                "acquired_on": dt.date(2020 + i % 6, 1 + i % 12, 1),
                "department": world.department if i % 2 else None,
            }
            for i in range(start, start + n)
        ],
    )


def test_summary_query_count_does_not_grow_with_cards(client, db):
    """DESIGN.md rule 6: 3 cards or 30 (many categories and departments), the same queries."""
    world = make_school("qc")
    client.force_login(world.user("asset_clerk"))
    url = reverse("assets:asset_summary")
    _bulk(world, 3 - Asset.objects.for_school(world.school).count())  # make_school's samples + these
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _bulk(world, 27, start=100)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.context["summary"].total.cards == 30
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_summary_api(client, ledger):
    client.force_login(ledger.user("teacher"))
    response = client.get("/api/v1/asset-reports/summary/", {"as_of": "2026-08-31"})
    assert response.status_code == 200
    data = response.json()
    assert data["as_of"] == "2026-08-31"
    assert Decimal(data["total"]["net"]) == ledger.base.total.net + Decimal("96802.79")
    assert data["total"]["cards"] == ledger.base.total.cards + 8
    office = next(r for r in data["by_department"] if r["label"] == "教务处s")
    assert (office["cards"], office["original"], office["accumulated"]) == (2, "17000.00", "4800.00")
    assert {r["code"] for r in data["by_category"]} >= {"3", "5", "6"}
    assert response.wsgi_request.path == reverse("api:assets-report-summary")
    bad = client.get("/api/v1/asset-reports/summary/", {"as_of": "31.08.2026"})
    assert bad.status_code == 400 and "as_of" in bad.json()["errors"]


def test_summary_counts_only_this_schools_cards(client, ledger):
    before = reports.ledger_summary(ledger.school, AS_OF).total
    other = make_school("zz")
    other_before = reports.ledger_summary(other.school, AS_OF).total.cards
    card(other, "ZZ1", price="99999", on=dt.date(2024, 1, 1))
    assert reports.ledger_summary(ledger.school, AS_OF).total == before
    client.force_login(other.user("teacher"))
    data = client.get("/api/v1/asset-reports/summary/", {"as_of": "2026-08-31"}).json()
    assert data["total"]["cards"] == other_before + 1
    assert "教务处s" not in str(data)


def test_todays_summary_links_each_row_to_the_ledger_list(client, ledger):
    client.force_login(ledger.user("teacher"))
    body = client.get(reverse("assets:asset_summary")).content.decode()
    equipment = category(ledger, "3")
    assert f'href="{reverse("assets:asset_list")}?category={equipment.pk}"' in body
    assert f'href="{reverse("assets:asset_list")}?department={ledger.office.pk}"' in body
    past = client.get(reverse("assets:asset_summary"), {"as_of": "2026-08-31"}).content.decode()
    assert f"?category={equipment.pk}" not in past  # the list shows today, not that date
