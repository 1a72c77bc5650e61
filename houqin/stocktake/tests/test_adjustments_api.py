"""The adjustments API: list a plan's proposals, change them (PATCH) through the same service as the
page, ``submit`` on the plan (the plans' view set inherits ``StocktakeAdjustmentActions``), and the
decision on the approval (the approvals API) updating the ledger. Issue 5 "adjustments ... go through
the stocktake-adjustment approval policy"; DESIGN.md rule 2 (another school's id is 404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.assets.choices import AssetStatus
from houqin.stocktake.choices import StocktakeStatus
from houqin.stocktake.models import StocktakeAdjustment

from .helpers import approval_of, fresh
from .test_adjustments_helpers import DOC, adjustment, category, counted

pytestmark = pytest.mark.django_db

LIST = "api:stocktake-stocktakeadjustment-list"


def detail(pk):
    return reverse("api:stocktake-stocktakeadjustment-detail", args=[pk])


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_list_and_change_a_plans_proposals(client, school_a):
    """``?stocktake=`` lists one plan's proposals with what will change; PATCH goes through
    ``stocktake_adjustment_update`` (its rules answer as field errors)."""
    world = school_a
    case = counted(world)
    client.force_login(world.user("asset_clerk"))
    response = client.get(reverse(LIST), {"stocktake": case.stocktake.pk})
    assert response.status_code == 200, response.content
    rows = {r["kind"]: r for r in response.json()["results"]}
    assert set(rows) == {"write_off", "transfer", "quantity", "repair", "new_card"}
    assert rows["write_off"]["asset_code"] == "J-MISS" and rows["write_off"]["amount"] == "-1200.00"
    assert (rows["quantity"]["from_quantity"], rows["quantity"]["new_quantity"]) == (10, 8)
    assert rows["new_card"]["surplus_name"] == "无卡书柜" and rows["new_card"]["category"] is None
    new_card = adjustment(case, "new_card")
    response = patch(client, detail(new_card.pk), {"category": category(world).pk, "note": "阅览室"})
    assert response.status_code == 200, response.content
    assert response.json()["category"] == category(world).pk and response.json()["note"] == "阅览室"
    response = patch(client, detail(adjustment(case, "quantity").pk), {"new_quantity": 0})
    assert response.status_code == 400 and "new_quantity" in response.json()["errors"]
    response = patch(client, detail(adjustment(case, "write_off").pk), {"include": False})
    assert response.status_code == 200 and response.json()["include"] is False


def test_the_list_query_count_does_not_grow_with_rows(client, school_a):
    """DESIGN.md rule 6 on the API list."""
    world = school_a
    case = counted(world)
    client.force_login(world.user("asset_clerk"))

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(LIST), {"stocktake": case.stocktake.pk}).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    StocktakeAdjustment.objects.bulk_create(
        StocktakeAdjustment(
            school=world.school, stocktake=case.stocktake, kind=kind, asset=case.moved, surplus=case.surplus
        )
        for kind in ("transfer", "new_card", "write_off", "repair")
    )
    assert queries() <= before


def test_another_schools_proposals_are_not_found(client, school_a, school_b):
    """Another school's proposal is 404; its categories and places are not accepted."""
    client.force_login(school_a.user("asset_clerk"))
    other = school_b.stocktake_adjustment
    assert client.get(detail(other.pk)).status_code == 404
    assert patch(client, detail(other.pk), {"include": False}).status_code == 404
    assert client.get(reverse(LIST), {"stocktake": school_b.stocktake.pk}).json()["results"] == []
    mine = school_a.stocktake.adjustments.get(kind="new_card")
    response = patch(client, detail(mine.pk), {"category": category(school_b).pk})
    assert response.status_code == 400 and "category" in response.json()["errors"]
    assert fresh(other).include is True


def test_readers_may_not_change_proposals(client, school_a):
    client.force_login(school_a.user("principal"))
    proposal = school_a.stocktake_adjustment
    assert client.get(detail(proposal.pk)).status_code == 200
    assert patch(client, detail(proposal.pk), {"include": False}).status_code == 403
    client.force_login(school_a.user("teacher"))
    assert client.get(detail(proposal.pk)).status_code == 403


def test_submit_through_the_api_and_approve_through_the_approvals_api(client, school_a):
    """POST ``submit`` on the plan: every problem at once (400), then the approval; approving it on the
    approvals API applies the adjustments and closes the plan."""
    world = school_a
    case = counted(world)
    client.force_login(world.user("asset_clerk"))
    url = reverse("api:stocktake-stocktake-submit", args=[case.stocktake.pk])
    response = client.post(url, content_type="application/json")
    assert response.status_code == 400
    assert "资产分类" in str(response.json()["errors"])
    patch(client, detail(adjustment(case, "new_card").pk), {"category": category(world).pk})
    response = client.post(url, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == StocktakeStatus.SUBMITTED
    approval = approval_of(case.stocktake, DOC)
    assert approval.amount == Decimal("1300.00")
    for role in ("logistics_director", "principal"):
        client.force_login(world.user(role))
        approval.refresh_from_db()
        response = client.post(
            reverse("api:approvals-approvalrequest-approve", args=[approval.pk]),
            {"version": approval.version},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
    assert fresh(case.stocktake).status == StocktakeStatus.CLOSED
    assert fresh(case.missing).status == AssetStatus.DISPOSED
    client.force_login(world.user("teacher"))
    assert client.post(url, content_type="application/json").status_code in (403, 404)
