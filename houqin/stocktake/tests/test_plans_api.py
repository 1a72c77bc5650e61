"""The plans API: make a plan (the same service and errors as the page), read it with each
location's progress and the actions the user may take, change it, ``cancel`` it, and ``assign`` a
counter on the counting step's locations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.stocktake import services
from houqin.stocktake.choices import StocktakeStatus

from .helpers import member, plan

pytestmark = pytest.mark.django_db

LIST = reverse("api:stocktake-stocktake-list")


def url(pk, name="detail"):
    return reverse(f"api:stocktake-stocktake-{name}", args=[pk])


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def future(days=7) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_a_plan_made_through_the_api_with_its_locations_and_actions(client, school_a):
    w = school_a
    client.force_login(w.user("asset_clerk"))
    response = post(client, LIST, {"kind": "term_end", "deadline": future(), "scope_location": w.room.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("PD") and body["status"] == StocktakeStatus.COUNTING
    assert body["expected_count"] == 2 and body["counted"] == 0 and body["percent"] == 0
    assert body["actions"] == ["update", "assign", "close_counting", "cancel"]
    [place] = body["locations"]
    assert place["location"] == w.room.pk and place["expected_count"] == 2 and place["counter"] is None
    assert [e["verb"] for e in body["timeline"]] == ["created"]


def test_bad_input_gets_field_errors(client, school_a, school_b):
    """DESIGN.md rule 5 and 2: a past deadline, another school's room, an empty scope."""
    client.force_login(school_a.user("asset_clerk"))
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = post(client, LIST, {"kind": "annual", "deadline": yesterday})
    assert response.status_code == 400 and "截止日期不能早于今天。" in response.json()["errors"]["deadline"]
    response = post(
        client, LIST, {"kind": "annual", "deadline": future(), "scope_location": school_b.room.pk}
    )
    assert response.status_code == 400 and "scope_location" in response.json()["errors"]
    response = post(client, LIST, {"kind": "nope", "deadline": future()})
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_the_list_has_progress_in_constant_queries(client, school_a):
    w = school_a
    first = plan(w)
    services.stocktake_count(actor=member(w, "asset_clerk"), place=first.locations.get(), code=w.asset.code)
    client.force_login(w.user("principal"))

    def run():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, {"status": StocktakeStatus.COUNTING})
        assert response.status_code == 200
        return response.json(), len(ctx.captured_queries)

    body, few = run()
    assert [(r["number"], r["counted"]) for r in body["results"]] == [(first.number, 1)]
    assert body["results"][0]["actions"] == []  # the principal reads only
    for _ in range(4):
        plan(w)
    body, more = run()
    assert len(body["results"]) == 5 and more == few


def test_change_and_cancel(client, school_a):
    w = school_a
    stocktake = plan(w)
    client.force_login(w.user("logistics_director"))
    response = client.patch(
        url(stocktake.pk), {"title": "期末盘点（补）", "deadline": future(2)}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "期末盘点（补）" and response.json()["deadline"] == future(2)
    response = post(client, url(stocktake.pk, "cancel"), {})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = post(client, url(stocktake.pk, "cancel"), {"reason": "重复建立"})
    assert response.status_code == 200 and response.json()["status"] == StocktakeStatus.CANCELLED
    assert response.json()["actions"] == []
    response = client.patch(url(stocktake.pk), {"title": "x"}, content_type="application/json")
    assert response.status_code == 400


def test_a_counter_reads_only_the_plans_they_count_in_and_changes_nothing(client, school_a):
    """permissions.can_view_stocktake through the API; a teacher may not make or change plans."""
    w = school_a
    mine = plan(w, counters={w.room.pk: w.user("teacher")})
    other = plan(w)
    client.force_login(w.user("teacher"))
    numbers = {r["number"] for r in client.get(LIST).json()["results"]}
    assert mine.number in numbers and other.number not in numbers
    assert client.get(url(mine.pk)).json()["actions"] == []
    assert client.get(url(other.pk)).status_code == 404
    assert post(client, LIST, {"kind": "annual", "deadline": future()}).status_code == 403
    response = client.patch(url(mine.pk), {"title": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert post(client, url(mine.pk, "cancel"), {"reason": "x"}).status_code == 403
    client.force_login(w.user("head_teacher"))  # counts nowhere
    assert client.get(LIST).json()["results"] == []


def test_assign_a_counter_on_a_location(client, school_a, school_b):
    """StocktakeLocationPlanActions on the counting step's location view set."""
    w = school_a
    stocktake = plan(w)
    place = stocktake.locations.get()
    assign = reverse("api:stocktake-stocktakelocation-assign", args=[place.pk])
    client.force_login(w.user("asset_clerk"))
    response = post(client, assign, {"counter": school_b.user("teacher").pk})
    assert response.status_code == 400 and "counter" in response.json()["errors"]
    response = post(client, assign, {"counter": w.user("teacher").pk})
    assert response.status_code == 200, response.content
    assert response.json()["counter"]["id"] == w.user("teacher").pk
    client.force_login(w.user("teacher"))  # now the counter: may see the location, not reassign it
    assert post(client, assign, {"counter": None}).status_code == 403
    place.refresh_from_db()
    assert place.counter == w.user("teacher")
