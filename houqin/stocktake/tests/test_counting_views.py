"""The count page and its endpoints (issue 5 "Counting on a phone ... works on a weak connection"):
who sees and counts, the JSON answer of a queued scan and its retry, the plain form without
JavaScript, unknown items with photos, undo, 本位置盘完, the paper count sheet, and a page whose
query count does not grow with the number of cards (DESIGN.md rule 6)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.core.attachments import attachments_for
from houqin.stocktake import services
from houqin.stocktake.models import StocktakeLine, StocktakeLocation, StocktakeSurplus

from .helpers import member, photo
from .test_counting_services import card, not_image, setup

pytestmark = pytest.mark.django_db


def url(name, pk):
    return reverse(f"stocktake:{name}", args=[pk])


def post_json(client, place, **data):
    return client.post(
        url("stocktakelocation_count", place.pk),
        data=json.dumps(data),
        content_type="application/json",
        headers={"Accept": "application/json"},
    )


def test_the_counter_and_the_clerk_count_others_may_not(client, school_a):
    """permissions.can_view_location / can_count_location: a teacher who is not the counter gets
    403; the principal reads without the count controls; counter and clerk count."""
    _, place = setup(school_a)
    client.force_login(school_a.user("head_teacher"))
    assert client.get(url("stocktakelocation_detail", place.pk)).status_code == 403
    assert post_json(client, place, code=school_a.asset.code).status_code == 403
    client.force_login(school_a.user("principal"))
    page = client.get(url("stocktakelocation_detail", place.pk))
    assert page.status_code == 200 and 'id="count-form"' not in page.content.decode()
    assert post_json(client, place, code=school_a.asset.code).status_code == 403
    client.force_login(school_a.user("teacher"))
    page = client.get(url("stocktakelocation_detail", place.pk))
    assert 'id="count-form"' in page.content.decode() and school_a.asset.code in page.content.decode()
    client.force_login(school_a.user("asset_clerk"))
    assert post_json(client, place, code=school_a.asset.code)["Content-Type"] == "application/json"
    assert StocktakeLine.objects.get(stocktake=place.stocktake, asset=school_a.asset).is_counted


def test_a_queued_scan_and_its_retry_answer_the_same_json(client, school_a):
    """Weak connection: the phone sends each scan with a client_key and resends it when the answer
    is lost; the second answer says ``repeated`` and nothing is counted twice."""
    _, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    key = str(uuid.uuid4())
    first = post_json(client, place, code=school_a.asset.code, client_key=key, condition="good")
    again = post_json(client, place, code=school_a.asset.code, client_key=key, condition="good")
    assert first.status_code == again.status_code == 200
    body, body2 = first.json(), again.json()
    assert body["ok"] and not body["repeated"] and body2["repeated"]
    assert body["line"]["id"] == body2["line"]["id"] and body["line"]["code"] == school_a.asset.code
    assert body["misplaced"] is False and "已盘到" in body["message"]
    bad = post_json(client, place, code="ZC-NOPE", client_key=str(uuid.uuid4()))
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert "本校没有编号为" in bad.json()["errors"]["code"][0]
    text = post_json(client, place, code=school_a.asset.code, quantity="abc", client_key=str(uuid.uuid4()))
    assert text.status_code == 400  # counted already by the teacher: it recounts, and the quantity is bad
    assert "quantity" in text.json()["errors"]


def test_without_javascript_the_typed_code_posts_and_redirects(client, school_a):
    """The page works without JavaScript: a plain form post, then the page with a message; a bad
    code shows the page again (400) with the code still typed in."""
    _, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    response = client.post(
        url("stocktakelocation_count", place.pk), {"code": school_a.asset.code}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("stocktakelocation_detail", place.pk)
    assert "已盘到" in response.content.decode()
    response = client.post(url("stocktakelocation_count", place.pk), {"code": "ZC-TYPO-9"})
    assert response.status_code == 400
    assert 'value="ZC-TYPO-9"' in response.content.decode() and "本校没有编号为" in response.content.decode()


def test_a_damaged_card_keeps_its_photo_on_the_line(client, school_a):
    """Issue 5: "condition (good, damaged, needs repair), note and photo"."""
    _, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    response = client.post(
        url("stocktakelocation_count", place.pk),
        {"code": school_a.asset.code, "condition": "damaged", "note": "屏幕裂了", "photo": photo()},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.content
    line = StocktakeLine.objects.get(pk=response.json()["line"]["id"])
    assert line.condition == "damaged" and line.note == "屏幕裂了"
    assert len(attachments_for(line, school_a.school)) == 1


def test_an_unknown_item_with_a_photo_and_a_bad_file(client, school_a):
    """Unknown items (盘盈) with photo; a non-image file saves nothing and keeps what was typed."""
    stocktake, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    key = str(uuid.uuid4())
    response = client.post(
        url("stocktakelocation_surplus", place.pk),
        {"name": "旧钢琴", "quantity": "1", "unit": "台", "client_key": key, "photo": not_image()},
    )
    assert response.status_code == 400 and "旧钢琴" in response.content.decode()
    assert not StocktakeSurplus.objects.filter(stocktake=stocktake).exists()
    for _ in range(2):  # the second press (same key in the form) saves nothing more
        response = client.post(
            url("stocktakelocation_surplus", place.pk),
            {"name": "旧钢琴", "quantity": "1", "unit": "台", "client_key": key, "photo": photo()},
        )
        assert response.status_code == 302
    surplus = StocktakeSurplus.objects.get(stocktake=stocktake)
    assert len(attachments_for(surplus, school_a.school)) == 1
    response = client.post(url("stocktakesurplus_withdraw", surplus.pk))
    assert response.status_code == 302 and StocktakeSurplus.objects.get(pk=surplus.pk).withdrawn


def test_undo_finish_and_reopen(client, school_a):
    """撤销 a count; 本位置盘完 and 重新盘点."""
    _, place = setup(school_a)
    client.force_login(school_a.user("teacher"))
    line = post_json(client, place, code=school_a.asset.code).json()["line"]
    assert client.post(url("stocktakeline_uncount", line["id"])).status_code == 302
    assert not StocktakeLine.objects.get(pk=line["id"]).is_counted
    client.post(url("stocktakelocation_finish", place.pk))
    assert StocktakeLocation.objects.get(pk=place.pk).is_finished
    page = client.get(url("stocktakelocation_detail", place.pk)).content.decode()
    assert 'id="count-reopen"' in page
    client.post(url("stocktakelocation_reopen", place.pk))
    assert not StocktakeLocation.objects.get(pk=place.pk).is_finished


def test_a_closed_plan_shows_the_page_without_count_controls(client, school_a):
    """A scan on a closed plan is refused ("不能再录入") and the page says so."""
    place = school_a.stocktake_place  # reconciled
    client.force_login(school_a.user("teacher"))
    page = client.get(url("stocktakelocation_detail", place.pk)).content.decode()
    assert 'id="count-closed"' in page and 'id="count-form"' not in page
    response = post_json(client, place, code=school_a.asset.code)
    assert response.status_code == 400 and "不能再录入" in response.json()["message"]


def test_the_count_page_and_sheet_do_not_grow_in_queries(client, school_a):
    """DESIGN.md rule 6: constant queries whatever the number of cards (page, search, print)."""
    for i in range(3):
        card(school_a, f"ZC-Q-{i}")
    _, place = setup(school_a)
    teacher = member(school_a, "teacher")
    services.stocktake_count(actor=teacher, place=place, code="ZC-Q-0")
    client.force_login(school_a.user("teacher"))

    def queries(name, **params):
        client.get(url(name, place.pk), params)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(name, place.pk), params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = [queries("stocktakelocation_detail"), queries("stocktakelocation_print")]
    for i in range(3, 25):
        card(school_a, f"ZC-Q-{i}")
    _, place = setup(school_a)
    for i in range(0, 10):
        services.stocktake_count(actor=teacher, place=place, code=f"ZC-Q-{i}")
    many = [queries("stocktakelocation_detail"), queries("stocktakelocation_print")]
    assert many == few
    sheet = client.get(url("stocktakelocation_print", place.pk)).content.decode()
    assert "ZC-Q-24" in sheet and "实盘数量" in sheet and "复核人" in sheet
    search = client.get(
        url("stocktakelocation_detail", place.pk),
        {"q": "ZC-Q-2"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    body = search.content.decode()
    assert "ZC-Q-21" in body and "ZC-Q-13" not in body and "<html" not in body


def test_asset_card_offers_counting_to_its_counter_only(client, school_a):
    """Issue 4's note: the 盘点 action on a scanned card belongs to the stocktake. A card expected in a
    location the user counts, in a plan still counting, offers 盘点 → the count page searching its
    code; another staff member does not see it."""
    from houqin.assets.actions import asset_actions
    from houqin.stocktake.tests.helpers import member, plan

    world = school_a
    stocktake = plan(world, counters={world.room.pk: world.user("head_teacher")})
    place = stocktake.locations.get(location=world.room)
    actions = {a.key: a for a in asset_actions(world.asset, member(world, "head_teacher"))}
    assert actions["stocktake_count"].url.endswith(f"/stocktake/locations/{place.pk}/?q={world.asset.code}")
    assert "stocktake_count" not in {a.key for a in asset_actions(world.asset, member(world, "teacher"))}
