"""Pages and API of the reconciliation and its reports (issue 5: "a result report per location and a
summary by category and value"; "Printable ... result reports; export to Excel"): who may close,
reopen and read, the task's progress partial, the results page's filters and constant queries, the
A4 report, the Excel export and the API actions."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from houqin.stocktake import services
from houqin.stocktake.choices import LineResult, StocktakeStatus
from houqin.stocktake.models import Stocktake

from .helpers import member, photo, plan, reconcile
from .test_reconcile_results import IMMEDIATE, _plan_with, counted_plan


@pytest.fixture
def counted(school_a):
    return counted_plan(school_a)


def url(name: str, stocktake) -> str:
    return reverse(f"stocktake:{name}", args=[stocktake.pk])


def login(client, world, role: str):
    user = world.user(role)
    client.force_login(user)
    return user


def test_close_page_shows_what_is_uncounted_and_the_post_reconciles_as_a_task(
    client, counted, settings, django_capture_on_commit_callbacks
):
    """结束盘点并对账: the confirmation shows the uncounted cards and unfinished locations; the POST
    closes the count and the reconciliation task runs on commit."""
    settings.TASKS = IMMEDIATE
    world, stocktake, *_ = counted
    login(client, world, "asset_clerk")
    page = client.get(url("stocktake_close", stocktake))
    assert page.status_code == 200
    uncounted = stocktake.lines.filter(expected=True, counted_at__isnull=True).count()
    assert page.context["uncounted"] == uncounted > 0
    assert page.context["unfinished_count"] == 2
    assert b'id="confirm-close"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("stocktake_close", stocktake))
    assert response.status_code == 302 and response["Location"] == stocktake.get_absolute_url()
    assert Stocktake.objects.get(pk=stocktake.pk).status == StocktakeStatus.RECONCILED


@pytest.mark.parametrize("role", ["teacher", "principal", "finance"])
def test_close_and_reopen_pages_are_refused_to_readers_and_counters(client, counted, role):
    """Only those who run stocktakes close or reopen (403), whatever they may read."""
    world, stocktake, *_ = counted
    login(client, world, role)
    assert client.get(url("stocktake_close", stocktake)).status_code == 403
    assert client.post(url("stocktake_close", stocktake)).status_code == 403
    assert client.post(url("stocktake_reopen", stocktake)).status_code == 403
    assert Stocktake.objects.get(pk=stocktake.pk).status == StocktakeStatus.COUNTING


def test_reopen_from_the_page_and_a_wrong_state_is_a_message(client, counted):
    """重新盘点 goes back to counting; reopening a counting plan says why it cannot."""
    world, stocktake, *_ = counted
    login(client, world, "logistics_director")
    response = client.post(url("stocktake_reopen", stocktake), follow=True)
    assert "不能重新打开盘点" in response.content.decode()
    reconcile(world, stocktake)
    client.post(url("stocktake_reopen", stocktake))
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.COUNTING and not stocktake.adjustments.exists()


def test_progress_partial_polls_while_reconciling_then_refreshes(client, counted):
    """The task's progress is polled by htmx every 2 s; once reconciled the page is reloaded."""
    world, stocktake, *_ = counted
    login(client, world, "principal")
    services.stocktake_close_counting(actor=member(world, "asset_clerk"), stocktake=stocktake)
    partial = client.get(url("stocktake_reconcilestatus", stocktake), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200 and 'hx-trigger="every 2s"' in body and "progress-bar" in body
    services.stocktake_reconcile(stocktake=stocktake)
    done = client.get(url("stocktake_reconcilestatus", stocktake), headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"


def test_results_page_by_location_category_and_result(client, counted):
    """The result report per location and the summary by category and value, with tabs by result."""
    world, stocktake, _cards, places, _ = counted
    reconcile(world, stocktake)
    login(client, world, "principal")
    page = client.get(url("stocktake_results", stocktake))
    assert page.status_code == 200
    rows = {row["place"].pk: row for row in page.context["places"]}
    assert rows[places["a"].pk]["moved_in"] == 3  # from room B (two) and from outside the scope
    assert rows[places["b"].pk]["moved_out"] == 2 and rows[places["b"].pk]["surplus"] == 1
    assert page.context["chart"]["labels"] and b'data-chart="category-chart-data"' in page.content
    missing = client.get(url("stocktake_results", stocktake), {"result": LineResult.MISSING})
    codes = {line.asset.code for line in missing.context["page"].object_list}
    assert {"T-MISS", "T-GONE"} <= codes and "T-FOUND" not in codes
    here = client.get(url("stocktake_results", stocktake), {"result": "problems", "place": places["b"].pk})
    assert {line.asset.code for line in here.context["page"].object_list} == {"T-MOVED", "T-MOVDMG"}


def test_surplus_tab_shows_the_photos(client, counted):
    """盘盈 list with the photos' thumbnails (one query for all photos)."""
    world, stocktake, _, places, _ = counted
    services.stocktake_surplus_add(
        actor=member(world, "asset_clerk"), place=places["a"], name="无卡投影仪", photos=[photo("p.jpg")]
    )
    reconcile(world, stocktake)
    login(client, world, "asset_clerk")
    page = client.get(url("stocktake_results", stocktake), {"result": "surplus"})
    body = page.content.decode()
    assert "无卡投影仪" in body and "无卡书柜" in body and "/thumbnail" in body


def test_results_visible_to_the_plans_counter_not_to_other_staff(client, counted, school_b):
    """can_view_stocktake: readers and the plan's counters; other staff get 403; another school 404."""
    world, stocktake, _, places, _ = counted
    services.stocktake_location_assign(
        actor=member(world, "asset_clerk"), place=places["b"], counter=world.user("head_teacher")
    )
    login(client, world, "head_teacher")
    assert client.get(url("stocktake_results", stocktake)).status_code == 200
    login(client, world, "guard")
    assert client.get(url("stocktake_results", stocktake)).status_code == 403
    assert client.get(url("stocktake_report", stocktake)).status_code == 403
    login(client, school_b, "asset_clerk")
    assert client.get(url("stocktake_results", stocktake)).status_code == 404


def test_results_page_query_count_does_not_grow_with_lines(client, school_a):
    """Lists paginated with select_related: the same queries for 30 lines as for 300."""
    small = services.stocktake_reconcile(stocktake=_plan_with(school_a, 30, "s"))
    big = services.stocktake_reconcile(stocktake=_plan_with(school_a, 300, "b"))
    login(client, school_a, "asset_clerk")
    counts = []
    for stocktake in (small, big):
        for params in ({}, {"result": "problems"}):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url("stocktake_results", stocktake), params).status_code == 200
            counts.append(len(ctx.captured_queries))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("stocktake_report", stocktake)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[:3] == counts[3:]


def test_print_report_lists_every_difference_by_location_with_signatures(client, counted):
    """Printable result report: summary by result and category, differences grouped by location,
    signature lines 盘点负责人/资产管理员/总务主任."""
    world, stocktake, *_ = counted
    reconcile(world, stocktake)
    login(client, world, "asset_clerk")
    body = client.get(url("stocktake_report", stocktake)).content.decode()
    for text in ("盘点结果报告", "T-MISS", "T-MOVED", "T-SHORT", "T-OVER", "T-DAMAGED", "无卡书柜"):
        assert text in body
    assert "T-FOUND" not in body
    for text in ("盘点负责人", "资产管理员", "总务主任"):
        assert text in body


def test_excel_export_of_the_lines_keeps_the_filters(client, counted):
    """Export to Excel (ExportSpec ``stocktake.stocktakeline``): the plan's lines, the tab applied."""
    world, stocktake, *_ = counted
    reconcile(world, stocktake)
    login(client, world, "finance")
    response = client.get(
        url("stocktake_results", stocktake), {"result": LineResult.MISSING, "export": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    codes = {row[header.index("资产编号")] for row in rows[1:]}
    assert {"T-MISS", "T-GONE"} <= codes and "T-FOUND" not in codes
    assert {row[header.index("盘点结果")] for row in rows[1:]} == {"盘亏"}


def test_api_close_status_results_and_reopen(client, counted, settings, django_capture_on_commit_callbacks):
    """API: close-counting (task on commit), reconcile-status, results (summary + per location),
    reopen-counting; the same services and rules as the pages."""
    settings.TASKS = IMMEDIATE
    world, stocktake, _, places, _ = counted
    base = f"/api/v1/stocktake/stocktakes/{stocktake.pk}"
    login(client, world, "principal")
    assert client.post(f"{base}/close-counting/").status_code == 403
    login(client, world, "asset_clerk")
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(f"{base}/close-counting/")
    assert closed.status_code == 200, closed.content
    status = client.get(f"{base}/reconcile-status/").json()
    assert status["status"] == StocktakeStatus.RECONCILED and status["percent"] == 100
    assert status["done"] == status["total"] and status["error"] == ""
    results = client.get(f"{base}/results/").json()
    by_key = {row["key"]: row for row in results["results"]}
    assert by_key["surplus"]["count"] == 1 and by_key[LineResult.MISSING]["count"] >= 2
    place_b = next(row for row in results["locations"] if row["id"] == places["b"].pk)
    assert place_b["moved_out"] == 2 and results["categories"]
    again = client.post(f"{base}/close-counting/")
    assert again.status_code == 400
    reopened = client.post(f"{base}/reopen-counting/")
    assert reopened.status_code == 200 and reopened.json()["status"] == StocktakeStatus.COUNTING


def test_api_status_needs_read_rights(client, counted):
    """reconcile-status and results are read like the plan: a guard (no stocktake rights) gets 403."""
    world, stocktake, *_ = counted
    login(client, world, "guard")
    assert client.get(f"/api/v1/stocktake/stocktakes/{stocktake.pk}/reconcile-status/").status_code in (
        403,
        404,
    )
    plan(world)  # unrelated plan: nothing leaks into the figures
    login(client, world, "principal")
    assert client.get(f"/api/v1/stocktake/stocktakes/{stocktake.pk}/results/").status_code == 200
