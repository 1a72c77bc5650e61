"""Plan pages: the list (filters, progress, Excel, constant queries), making a plan with errors on
the form, the plan page with live progress per location (issue 5: "progress per location and
overall, live on the plan page"), changing, voiding, naming counters, and 我的盘点."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.stocktake import services
from houqin.stocktake.choices import StocktakeStatus
from houqin.stocktake.models import Stocktake

from .helpers import member, plan
from .test_plans_services import card, room

pytestmark = pytest.mark.django_db

LIST = reverse("stocktake:stocktake_list")
CREATE = reverse("stocktake:stocktake_create")
MINE = reverse("stocktake:stocktakelocation_mine")


def login(client, world, role="asset_clerk"):
    client.force_login(world.user(role))
    return client


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def count_in_room(world, stocktake, role="teacher"):
    place = stocktake.locations.get(location=world.room)
    return services.stocktake_count(actor=member(world, role), place=place, code=world.asset.code)


def test_the_list_shows_progress_with_constant_queries(client, school_a):
    """DESIGN.md rule 6: the list's query count does not grow with its rows."""
    w = school_a
    first = plan(w)
    count_in_room(w, first, role="asset_clerk")
    login(client, w)
    queries(client, LIST)
    few = queries(client, LIST)
    for _ in range(5):
        plan(w)
    assert queries(client, LIST) == few
    body = client.get(LIST).content.decode()
    assert first.number in body and "已盘 1 / 2" in body
    assert 'id="add-stocktake"' in body


def test_the_list_filters_and_exports(client, school_a):
    w = school_a
    counting = plan(w, title="期末盘点甲")
    body = login(client, w).get(LIST, {"status": StocktakeStatus.COUNTING}).content.decode()
    assert counting.number in body and w.stocktake.number not in body
    body = client.get(LIST, {"status": StocktakeStatus.RECONCILED}).content.decode()
    assert w.stocktake.number in body and counting.number not in body
    response = client.get(LIST, {"export": "xlsx", "kind": "term_end"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_readers_see_the_list_teachers_do_not(client, school_a):
    """Rule 3: the principal reads (no 新建 button); a teacher neither lists nor makes plans."""
    body = login(client, school_a, "principal").get(LIST).content.decode()
    assert school_a.stocktake.number in body and 'id="add-stocktake"' not in body
    assert client.get(CREATE).status_code == 403
    login(client, school_a, "teacher")
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403


def test_making_a_plan_from_the_page(client, school_a):
    w = school_a
    login(client, w)
    body = client.get(CREATE).content.decode()
    assert "保管责任人" in body  # the help text says who counts
    deadline = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        CREATE,
        {"kind": "term_start", "title": "", "deadline": deadline.isoformat(), "scope_location": w.room.pk},
    )
    stocktake = Stocktake.objects.for_school(w.school).latest("pk")
    assert response.status_code == 302 and response["Location"] == stocktake.get_absolute_url()
    assert stocktake.kind == "term_start" and stocktake.expected_count == 2 and "期初盘点" in stocktake.title


def test_errors_are_shown_on_the_form_and_nothing_typed_is_lost(client, school_a):
    """DESIGN.md rule 5: the service's errors land on the form; the typed title stays."""
    w = school_a
    login(client, w)
    empty = room(w, "空教室")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        CREATE, {"kind": "annual", "title": "年度盘点X", "deadline": yesterday.isoformat()}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "截止日期不能早于今天。" in body and 'value="年度盘点X"' in body
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    body = client.post(
        CREATE, {"kind": "annual", "title": "年度盘点X", "deadline": future, "scope_location": empty.pk}
    ).content.decode()
    assert "盘点范围内没有在账资产" in body
    body = client.post(
        CREATE, {"kind": "annual", "deadline": future, "scope_location": school_a.room.pk + 10_000}
    ).content.decode()
    assert "invalid-feedback" in body
    assert not Stocktake.objects.for_school(w.school).filter(title="年度盘点X").exists()


def test_the_plan_page_shows_progress_per_location_in_constant_queries(client, school_a):
    w = school_a
    stocktake = plan(w, scope_location=w.floor, counters={w.room.pk: w.user("teacher")})
    count_in_room(w, stocktake)
    url = stocktake.get_absolute_url()
    login(client, w)
    queries(client, url)
    few = queries(client, url)
    body = client.get(url).content.decode()
    assert "已盘 1 / 2（50%）" in body and 'hx-trigger="every 10s"' in body
    assert f'id="assign-{stocktake.locations.get().pk}"' in body and 'id="cancel-stocktake"' in body
    for i in range(4):
        card(w, f"ZC-V-{i}", location=room(w, f"教室{i}"))
    bigger = plan(w, scope_location=w.floor)
    assert bigger.locations.count() == 5
    assert queries(client, bigger.get_absolute_url()) == few


def test_the_progress_partial_polls_only_while_counting(client, school_a):
    w = school_a
    stocktake = plan(w)
    url = reverse("stocktake:stocktake_progress", args=[stocktake.pk])
    body = login(client, w).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="stocktake-progress"' in body and "every 10s" in body and "<html" not in body
    services.stocktake_cancel(actor=member(w, "asset_clerk"), stocktake=stocktake, reason="作废")
    assert "every 10s" not in client.get(url).content.decode()


def test_a_counter_sees_the_plan_they_count_in_only(client, school_a):
    """permissions.can_view_stocktake: a counter opens their plan (and their location's link), not others."""
    w = school_a
    mine = plan(w, counters={w.room.pk: w.user("teacher")})
    other = plan(w)
    login(client, w, "teacher")
    body = client.get(mine.get_absolute_url()).content.decode()
    place = mine.locations.get()
    assert reverse("stocktake:stocktakelocation_detail", args=[place.pk]) in body
    assert 'id="cancel-stocktake"' not in body and "assign-" not in body
    assert client.get(other.get_absolute_url()).status_code == 404
    progress = reverse("stocktake:stocktake_progress", args=[other.pk])
    assert client.get(progress).status_code == 404


def test_update_and_cancel_pages(client, school_a):
    w = school_a
    stocktake = plan(w)
    login(client, w)
    edit = reverse("stocktake:stocktake_update", args=[stocktake.pk])
    deadline = timezone.localdate() + dt.timedelta(days=2)
    response = client.post(edit, {"title": "改后的名称", "deadline": deadline.isoformat(), "note": ""})
    assert response.status_code == 302
    stocktake.refresh_from_db()
    assert (stocktake.title, stocktake.deadline) == ("改后的名称", deadline)
    cancel = reverse("stocktake:stocktake_cancel", args=[stocktake.pk])
    response = client.post(cancel, {"reason": ""})
    assert response.status_code == 400 and "请填写作废原因。" in response.content.decode()
    assert client.post(cancel, {"reason": "范围选错"}).status_code == 302
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.CANCELLED
    body = client.get(stocktake.get_absolute_url()).content.decode()
    assert "已作废" in body and "范围选错" in body and 'id="edit-stocktake"' not in body
    response = client.get(edit, follow=True)
    assert "不能再编辑" in response.content.decode()
    login(client, w, "principal")
    assert client.get(cancel).status_code == 403


def test_naming_a_counter(client, school_a, school_b):
    w = school_a
    stocktake = plan(w)
    place = stocktake.locations.get()
    url = reverse("stocktake:stocktakelocation_assign", args=[place.pk])
    login(client, w)
    body = client.get(url).content.decode()
    assert w.user("teacher").username in body and school_b.user("teacher").username not in body
    response = client.post(url, {"counter": school_b.user("teacher").pk})
    assert response.status_code == 400
    response = client.post(url, {"counter": w.user("teacher").pk})
    assert response.status_code == 302 and response["Location"].endswith(f"#place-{place.pk}")
    place.refresh_from_db()
    assert place.counter == w.user("teacher")
    login(client, w, "teacher")
    assert client.get(url).status_code == 403


def test_my_stocktake_lists_my_locations_in_counting_plans(client, school_a):
    """我的盘点: the teacher's location with its progress and deadline, linking to the count page; the
    sample plan (already reconciled) is not there."""
    w = school_a
    stocktake = plan(w, counters={w.room.pk: w.user("teacher")})
    count_in_room(w, stocktake)
    login(client, w, "teacher")
    body = client.get(MINE).content.decode()
    place = stocktake.locations.get()
    assert reverse("stocktake:stocktakelocation_detail", args=[place.pk]) in body
    assert "1 / 2" in body and stocktake.deadline.isoformat() in body
    assert w.stocktake.title not in body
    body = login(client, w, "principal").get(MINE).content.decode()
    assert 'id="nothing-to-count"' in body
