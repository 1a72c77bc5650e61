"""The adjustments pages: the proposals grouped by kind with their include toggle and small form
(htmx, phone-first), the summary on the plan page, 提交差异审批 / 结账, and who may do what.
Issue 5: "proposed adjustments ... go through the stocktake-adjustment approval policy before the
books change"; DESIGN.md rules 2 (tenancy), 3 (permissions in views) and 6 (query counts)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.core.models import Attachment
from houqin.stocktake.choices import AdjustmentKind, StocktakeStatus
from houqin.stocktake.models import StocktakeAdjustment

from .helpers import fresh
from .test_adjustments_helpers import adjustment, approve_all, card, category, counted, ready, submit

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "adjustment"}


def page_url(stocktake, **params):
    url = reverse("stocktake:stocktake_adjustments", args=[stocktake.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def toggle_url(proposal):
    return reverse("stocktake:stocktakeadjustment_toggle", args=[proposal.pk])


def edit_url(proposal):
    return reverse("stocktake:stocktakeadjustment_update", args=[proposal.pk])


def test_the_page_groups_the_proposals_by_kind_with_what_will_change(client, school_a):
    """Each row: the card (or the surplus with its photo), from → to, the amount, the toggle; a
    new card's category select; the submit button while the plan waits for its adjustments."""
    world = school_a
    case = counted(world, surplus_photo=True)
    client.force_login(world.user("asset_clerk"))
    response = client.get(page_url(case.stocktake))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in AdjustmentKind:
        assert str(kind.label) in html
    assert "J-MISS" in html and "-1200.00" in html
    photo = Attachment.objects.for_school(world.school).for_target(case.surplus).get()
    assert "无卡书柜" in html and reverse("core:attachment_thumbnail", args=[photo.pk]) in html
    assert toggle_url(adjustment(case, "write_off")) in html
    assert f'name="adj{adjustment(case, "new_card").pk}-category"' in html
    assert f'name="adj{adjustment(case, "quantity").pk}-new_quantity"' in html
    assert 'id="submit-adjustments"' in html
    # one kind at a time
    html = client.get(page_url(case.stocktake, kind="transfer")).content.decode()
    assert "J-MOVED" in html and "J-MISS" not in html


def test_the_page_query_count_does_not_grow_with_rows(client, school_a):
    """DESIGN.md rule 6: the page's queries do not grow with the number of proposals."""
    world = school_a
    case = counted(world, surplus_photo=True)
    client.force_login(world.user("asset_clerk"))

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page_url(case.stocktake)).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    extra = [card(world, f"J-X{i}", location=world.room) for i in range(6)]
    StocktakeAdjustment.objects.bulk_create(
        [
            StocktakeAdjustment(
                school=world.school, stocktake=case.stocktake, kind=kind, asset=a, to_location=world.room
            )
            for a in extra
            for kind in (AdjustmentKind.WRITE_OFF, AdjustmentKind.TRANSFER)
        ]
        + [
            StocktakeAdjustment(
                school=world.school,
                stocktake=case.stocktake,
                kind=AdjustmentKind.NEW_CARD,
                surplus=case.surplus,
            )
            for _ in range(4)
        ]
    )
    assert queries() <= before


def test_the_toggle_and_the_row_form_answer_htmx_with_the_row(client, school_a):
    """纳入/不纳入 says which state it sets (a double tap lands on the same state); the figures above
    the list come along out of band; a bad value is shown on the row, nothing saved."""
    world = school_a
    case = counted(world)
    client.force_login(world.user("asset_clerk"))
    write_off = adjustment(case, "write_off")
    for _ in range(2):
        response = client.post(toggle_url(write_off), {"include": "0"}, **HTMX)
        assert response.status_code == 200
    html = response.content.decode()
    assert f'id="adjustment-{write_off.pk}"' in html and 'hx-swap-oob="true"' in html
    assert "¥100.00" in html  # the losses without the write-off
    assert fresh(write_off).include is False
    proposal = adjustment(case, "quantity")
    response = client.post(edit_url(proposal), {f"adj{proposal.pk}-new_quantity": "0"}, **HTMX)
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert fresh(proposal).new_quantity == 8
    new_card = adjustment(case, "new_card")
    response = client.post(
        edit_url(new_card),
        {f"adj{new_card.pk}-category": category(world).pk, f"adj{new_card.pk}-note": "放在阅览室"},
        **HTMX,
    )
    assert response.status_code == 200
    assert fresh(case.surplus).category == category(world) and fresh(new_card).note == "放在阅览室"
    # without JavaScript: the same, then back to the page
    response = client.post(toggle_url(write_off), {"include": "1"})
    assert response.status_code == 302 and fresh(write_off).include is True


def test_submit_from_the_page_and_the_summary_on_the_plan_page(client, school_a):
    """The managers' to-do lists the plans waiting for their adjustments; the plan page's summary
    (htmx) shows the kinds and the submit button; a refused submit says why on the adjustments page;
    a good one goes to approval, linked from the summary."""
    world = school_a
    case = counted(world)
    client.force_login(world.user("teacher"))
    assert "次盘点待处理差异" not in client.get(reverse("core:home")).content.decode()
    client.force_login(world.user("asset_clerk"))
    assert "2 次盘点待处理差异" in client.get(reverse("core:home")).content.decode()  # the to-do
    detail = client.get(reverse("stocktake:stocktake_detail", args=[case.stocktake.pk]))
    assert (
        reverse("stocktake:stocktake_adjustmentsummary", args=[case.stocktake.pk]) in detail.content.decode()
    )
    summary = client.get(reverse("stocktake:stocktake_adjustmentsummary", args=[case.stocktake.pk]))
    html = summary.content.decode()
    assert 'id="adjustment-kind-write_off"' in html and 'id="submit-adjustments"' in html
    submit_url = reverse("stocktake:stocktake_submit", args=[case.stocktake.pk])
    response = client.post(submit_url, follow=True)
    assert "资产分类" in response.content.decode()  # the surplus has no category yet
    assert fresh(case.stocktake).status == StocktakeStatus.RECONCILED
    ready(world, case)
    response = client.post(submit_url)
    assert response.status_code == 302
    assert fresh(case.stocktake).status == StocktakeStatus.SUBMITTED
    html = client.get(
        reverse("stocktake:stocktake_adjustmentsummary", args=[case.stocktake.pk])
    ).content.decode()
    assert 'id="open-adjustment-approval"' in html and "submit-adjustments" not in html


def test_a_closed_plan_shows_what_each_adjustment_led_to(client, school_a):
    """After approval the page shows the disposal, damage report and card of each row, no toggles."""
    world = school_a
    case = counted(world)
    ready(world, case)
    stocktake, approval = submit(world, case.stocktake)
    approve_all(world, approval)
    client.force_login(world.user("principal"))
    html = client.get(page_url(stocktake)).content.decode()
    applied = {a.kind: a for a in stocktake.adjustments.all()}
    assert applied["write_off"].reference in html and "/assets/disposals/" in html
    assert applied["repair"].reference in html and applied["new_card"].reference in html
    assert "stocktakeadjustment_toggle" not in html and "/toggle/" not in html
    client.force_login(world.user("asset_clerk"))
    assert client.post(toggle_url(applied["quantity"]), {"include": "0"}).status_code == 302
    assert fresh(applied["quantity"]).include is True


@pytest.mark.parametrize(
    ("role", "view", "write"),
    [("asset_clerk", 200, True), ("principal", 200, False), ("finance", 200, False), ("teacher", 403, False)],
)
def test_who_may_see_and_change_the_adjustments(client, school_a, role, view, write):
    """Readers see the page; only those who run stocktakes toggle and submit (403 otherwise)."""
    world = school_a
    stocktake = world.stocktake
    proposal = stocktake.adjustments.order_by("pk").first()
    client.force_login(world.user(role))
    assert client.get(page_url(stocktake)).status_code == view
    response = client.post(toggle_url(proposal), {"include": "0"}, **HTMX)
    assert response.status_code == (200 if write else 403)
    assert fresh(proposal).include is (not write)
    if not write:
        submit_url = reverse("stocktake:stocktake_submit", args=[stocktake.pk])
        assert client.post(submit_url).status_code == 403
        assert fresh(stocktake).status == StocktakeStatus.RECONCILED


def test_another_schools_adjustments_are_not_found(client, school_a, school_b):
    """DESIGN.md rule 2: another school's plan and proposals are 404."""
    client.force_login(school_a.user("asset_clerk"))
    other = school_b.stocktake_adjustment
    assert client.get(page_url(school_b.stocktake)).status_code == 404
    assert client.post(toggle_url(other), {"include": "0"}).status_code == 404
    assert client.post(edit_url(other), {}).status_code == 404
    assert client.post(reverse("stocktake:stocktake_submit", args=[school_b.stocktake.pk])).status_code == 404
    assert fresh(other).include is True
