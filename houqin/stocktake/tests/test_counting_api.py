"""Counting API (issue 5: counting from a phone app or a scanner gun): the locations to count, a
scan and its retry, unknown items, undo, finished / reopened, and who may do what."""

from __future__ import annotations

import uuid

import pytest

from houqin.stocktake.models import StocktakeLine, StocktakeLocation, StocktakeSurplus

from .helpers import photo
from .test_counting_services import setup

pytestmark = pytest.mark.django_db

BASE = "/api/v1/stocktake"


def test_a_counter_lists_their_locations_the_office_every_location_of_a_plan(client, school_a):
    """我的盘点: a counter sees the locations assigned to them; plan readers filter by plan."""
    stocktake, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    rows = client.get(f"{BASE}/locations/").json()["results"]
    assert place.pk in {r["id"] for r in rows}
    assert all(r["counter"]["id"] == school_a.user("teacher").pk for r in rows)
    client.force_login(school_a.user("head_teacher"))
    assert client.get(f"{BASE}/locations/").json()["results"] == []
    assert client.get(f"{BASE}/locations/{place.pk}/").status_code == 404
    client.force_login(school_a.user("asset_clerk"))
    rows = client.get(f"{BASE}/locations/", {"stocktake": stocktake.pk}).json()["results"]
    assert [r["id"] for r in rows] == [place.pk] and rows[0]["can_count"] is True
    detail = client.get(f"{BASE}/locations/{place.pk}/").json()
    lines = {line["asset_code"]: line for line in detail["lines"]}
    assert lines[school_a.asset.code]["is_counted"] is False


def test_count_through_the_api_and_retry(client, school_a):
    """A scan with a client_key, sent twice: one count, the second answer ``repeated``; bad input
    gets the API's error body with the same messages as the page."""
    _, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    key = str(uuid.uuid4())
    body = {"code": school_a.asset.code, "client_key": key, "condition": "needs_repair", "note": "键盘坏"}
    first = client.post(f"{BASE}/locations/{place.pk}/count/", body, content_type="application/json")
    again = client.post(f"{BASE}/locations/{place.pk}/count/", body, content_type="application/json")
    assert first.status_code == again.status_code == 200, first.content
    assert first.json()["repeated"] is False and again.json()["repeated"] is True
    assert first.json()["line"]["condition"] == "needs_repair"
    bad = client.post(
        f"{BASE}/locations/{place.pk}/count/", {"code": "ZC-NONE"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "本校没有编号为" in bad.json()["errors"]["code"][0]
    line_id = first.json()["line"]["id"]
    assert client.get(f"{BASE}/lines/{line_id}/").json()["is_counted"] is True
    client.force_login(school_a.user("head_teacher"))  # not the counter: cannot see or undo it
    assert client.post(f"{BASE}/lines/{line_id}/uncount/").status_code == 404
    client.force_login(school_a.user("teacher"))
    undone = client.post(f"{BASE}/lines/{line_id}/uncount/")
    assert undone.status_code == 200 and undone.json()["is_counted"] is False


def test_surplus_finish_and_reopen_through_the_api(client, school_a):
    """盘盈 with a photo (retried once: one item), then 本位置盘完 and 重新盘点."""
    stocktake, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            f"{BASE}/locations/{place.pk}/surplus/",
            {"name": "投影幕", "quantity": "2", "client_key": key, "photo": photo()},
        )
        assert response.status_code == 201, response.content
    assert StocktakeSurplus.objects.filter(stocktake=stocktake).count() == 1
    bad = client.post(f"{BASE}/locations/{place.pk}/surplus/", {"name": "椅子", "quantity": "-2"})
    assert bad.status_code == 400 and "quantity" in bad.json()["errors"]
    finished = client.post(f"{BASE}/locations/{place.pk}/finish/")
    assert finished.status_code == 200 and finished.json()["is_finished"] is True
    client.post(f"{BASE}/locations/{place.pk}/reopen/")
    assert not StocktakeLocation.objects.get(pk=place.pk).is_finished


def test_a_reader_may_not_count_and_a_closed_plan_refuses(client, school_a):
    """The principal reads plans but does not count (403); the reconciled sample plan says
    "不能再录入"."""
    _, place = setup(school_a)
    client.force_login(school_a.user("principal"))
    assert client.get(f"{BASE}/locations/{place.pk}/").status_code == 200
    response = client.post(
        f"{BASE}/locations/{place.pk}/count/", {"code": school_a.asset.code}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not StocktakeLine.objects.get(stocktake=place.stocktake, asset=school_a.asset).is_counted
    client.force_login(school_a.user("teacher"))
    closed = client.post(
        f"{BASE}/locations/{school_a.stocktake_place.pk}/count/",
        {"code": school_a.asset.code},
        content_type="application/json",
    )
    assert closed.status_code == 400 and "不能再录入" in str(closed.json()["errors"])
