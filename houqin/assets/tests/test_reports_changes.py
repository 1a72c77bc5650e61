"""Changes in a period (资产增减表): additions by acquisition way, reductions by disposal kind
(报废、报损、调拨、出售、捐赠、置换, 《行政事业性国有资产管理条例》), the lists, exports and the API."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from houqin.assets import reports, services
from houqin.assets.choices import AcquisitionWay, AssetStatus, DisposalStatus
from houqin.assets.models import Asset, AssetCategory, AssetDisposal
from houqin.core.export_models import ExportJob
from houqin.core.testing import make_school

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def card(world, code, *, price, on, qty=1, way=AcquisitionWay.PURCHASE):
    return services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=AssetCategory.objects.get(school=world.school, code="301"),
        quantity=qty,
        unit="台",
        unit_price=Decimal(price),
        acquired_on=on,
        acquisition_way=way,
        department=world.department,
    )


def dispose(world, asset, on, kind=None):
    """A card that left the books on ``on``: through a disposal of ``kind`` (drafted by the service,
    which records the net value of each item; approved here, as the approval would) or, with no
    kind, with no disposal record at all (older books)."""
    if kind is not None:
        disposal = services.asset_disposal_create(
            actor=None,
            school=world.school,
            kind=kind,
            reason="测试",
            assets=[asset],
            counterparty="某回收公司",
            requested_by=world.user("asset_clerk"),
        )
        AssetDisposal.objects.filter(pk=disposal.pk).update(status=DisposalStatus.APPROVED, disposed_on=on)
    Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.DISPOSED, disposed_on=on)


@pytest.fixture
def changes(db):
    world = make_school("c")
    card(world, "C1", price="5000", on=dt.date(2025, 3, 1))
    card(world, "C2", price="3000", qty=2, on=dt.date(2025, 11, 30), way=AcquisitionWay.DONATION)
    card(world, "C3", price="9000", on=dt.date(2026, 1, 1))  # next year
    dispose(world, card(world, "R1", price="6000", on=dt.date(2020, 1, 1)), dt.date(2025, 6, 30), "scrap")
    dispose(world, card(world, "R2", price="2400", on=dt.date(2024, 1, 1)), dt.date(2025, 3, 1), "sale")
    dispose(world, card(world, "R3", price="1200", on=dt.date(2021, 1, 1)), dt.date(2026, 1, 5), "scrap")
    dispose(world, card(world, "R4", price="1500", on=dt.date(2019, 5, 1)), dt.date(2025, 12, 31))
    # bought and disposed in the same year: an addition and a reduction
    dispose(world, card(world, "C4", price="1800", on=dt.date(2025, 2, 1)), dt.date(2025, 9, 1), "loss")
    return world


def test_additions_are_cards_acquired_in_the_period_by_acquisition_way(changes):
    rows = reports.additions(changes.school, *YEAR_2025)
    assert [a.code for a in rows] == ["C4", "C1", "C2"]  # by acquisition date
    totals = reports.addition_totals(changes.school, *YEAR_2025)
    assert (totals.cards, totals.quantity, totals.value) == (3, 4, Decimal("12800.00"))
    assert totals.breakdown == [
        ("donation", "捐赠", 1, Decimal("6000.00")),
        ("purchase", "购置", 2, Decimal("6800.00")),
    ]


def test_reductions_are_cards_disposed_in_the_period_with_the_disposal_kind(changes):
    rows = list(reports.reductions(changes.school, *YEAR_2025))
    assert [(a.code, a.disposal_kind) for a in rows] == [
        ("R2", "sale"),
        ("R1", "scrap"),
        ("C4", "loss"),
        ("R4", None),  # no disposal record
    ]
    assert rows[0].disposal_number.startswith("CZ")
    totals = reports.reduction_totals(changes.school, *YEAR_2025)
    assert (totals.cards, totals.value) == (4, Decimal("11700.00"))
    labels = {key: (label, cards, value) for key, label, cards, value in totals.breakdown}
    assert labels["scrap"] == ("报废", 1, Decimal("6000.00"))
    assert labels["loss"] == ("报损", 1, Decimal("1800.00"))
    assert labels[""] == ("未记录处置方式", 1, Decimal("1500.00"))
    recorded = sum(a.disposal_net_value for a in rows if a.disposal_net_value is not None)
    assert totals.net_value == recorded


def test_period_boundaries_are_inclusive(changes):
    assert [
        a.code for a in reports.additions(changes.school, dt.date(2025, 11, 30), dt.date(2026, 1, 1))
    ] == [
        "C2",
        "C3",
    ]
    assert [
        a.code for a in reports.reductions(changes.school, dt.date(2025, 12, 31), dt.date(2026, 1, 5))
    ] == [
        "R4",
        "R3",
    ]


def test_changes_page_totals_tabs_and_htmx_list(client, changes):
    client.force_login(changes.user("teacher"))
    url = reverse("assets:asset_changes")
    response = client.get(url, {"start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "12800.00" in body and "11700.00" in body
    assert "资产C1" in body and "资产R1" not in body  # additions tab by default
    response = client.get(url, {"start": "2025-01-01", "end": "2025-12-31", "show": "reductions"})
    body = response.content.decode()
    assert "报废" in body and "出售" in body and "资产R4" in body and "资产C3" not in body
    partial = client.get(
        url,
        {"start": "2025-01-01", "end": "2025-12-31", "show": "reductions", "page": 1},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode() and "资产R2" in partial.content.decode()


def test_changes_page_default_period_and_bad_input(client, changes):
    client.force_login(changes.user("teacher"))
    url = reverse("assets:asset_changes")
    response = client.get(url)
    today = response.context["end"]
    assert response.context["start"] == dt.date(today.year, 1, 1)
    response = client.get(url, {"start": "2025-12-31", "end": "2025-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["结束日期不能早于开始日期。"]
    assert response.context["start"].month == 1  # fell back to the default period
    response = client.get(url, {"start": "9999-12-31"})
    assert response.status_code == 200 and response.context["form"].errors["start"]


def test_changes_exports_the_list_shown(client, changes):
    client.force_login(changes.user("principal"))
    response = client.get(
        reverse("assets:asset_changes"),
        {"start": "2025-01-01", "end": "2025-12-31", "show": "reductions", "export": "xlsx"},
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "资产编号" and "处置方式" in rows[0]
    kind = rows[0].index("处置方式")
    assert [(r[0], r[kind]) for r in rows[1:]] == [
        ("R2", "出售"),
        ("R1", "报废"),
        ("C4", "报损"),
        ("R4", None),
    ]


def test_a_big_changes_export_runs_as_a_task(client, changes, settings, django_capture_on_commit_callbacks):
    settings.HOUQIN = {**settings.HOUQIN, "EXPORT_SYNC_MAX_ROWS": 1}
    settings.TASKS = IMMEDIATE
    clerk = changes.user("asset_clerk")
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("assets:asset_changes"), {"start": "2025-01-01", "end": "2025-12-31", "export": "xlsx"}
        )
    job = ExportJob.objects.for_school(changes.school).get(created_by=clerk)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows_total == 3


def test_changes_list_query_count_does_not_grow(client, changes):
    client.force_login(changes.user("asset_clerk"))
    url = reverse("assets:asset_changes")
    params = {"start": "2025-01-01", "end": "2025-12-31", "show": "reductions"}
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    for i in range(12):
        dispose(
            changes,
            card(changes, f"X{i}", price="1100", on=dt.date(2018, 1, 1)),
            dt.date(2025, 5, 1),
            "scrap",
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, params)
    assert response.context["page"].count == 16
    assert len(many) == len(few)


def test_changes_api(client, changes):
    client.force_login(changes.user("teacher"))
    url = reverse("api:assets-report-changes")
    data = client.get(url, {"start": "2025-01-01", "end": "2025-12-31"}).json()
    assert data["additions"]["cards"] == 3 and data["additions"]["value"] == "12800.00"
    assert data["reductions"]["cards"] == 4 and data["reductions"]["value"] == "11700.00"
    assert {b["key"] for b in data["reductions"]["breakdown"]} == {"scrap", "sale", "loss", ""}
    assert data["additions"]["net_value"] is None
    bad = client.get(url, {"start": "2025-12-31", "end": "2025-01-01"})
    assert bad.status_code == 400 and "end" in bad.json()["errors"]
    assert client.post(url, {}).status_code in (403, 405)  # read-only
