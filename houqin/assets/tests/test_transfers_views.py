"""调配 pages as people use them: the clerk starts a transfer from the asset page's 调配 button or by
searching cards, the receiver finds it on their to-do list and confirms (or refuses); errors lose
nothing; lists keep a constant query count (DESIGN.md rule 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.assets import services
from houqin.assets.choices import TransferStatus
from houqin.assets.models import Asset, AssetCategory, AssetTransfer


def make_asset(world, name, code):
    return services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=name,
        category=AssetCategory.objects.get(school=world.school, code="307"),
        quantity=1,
        unit="台",
        unit_price=Decimal("2000.00"),
        acquired_on=dt.date(2024, 3, 1),
        location=world.room,
        department=world.department,
        custodian=world.user("teacher"),
    )


def start(world, asset, receiver_role="head_teacher"):
    return services.asset_transfer_create(
        actor=None, school=world.school, assets=[asset], to_custodian=world.user(receiver_role)
    )


@pytest.fixture
def world(school_a):
    return school_a


def login(client, world, role):
    user = world.user(role)
    client.force_login(user)
    return user


# --- create ---------------------------------------------------------------------------------------


def test_the_asset_pages_button_preselects_the_card(client, world):
    login(client, world, "asset_clerk")
    response = client.get(reverse("assets:assettransfer_create"), {"asset": world.asset.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{world.asset.pk}" selected>' in body
    assert world.asset.code in body
    assert "data-asset-search" in body and "js/assets-transfers.js" in body


def test_the_create_page_renders_only_the_chosen_cards(client, world):
    """A school may hold 100,000 cards: only the chosen ones are in the page, the rest are searched."""
    other = make_asset(world, "摄像机", "ZC-V-9")
    login(client, world, "asset_clerk")
    body = client.get(reverse("assets:assettransfer_create")).content.decode()
    assert other.code not in body and world.asset.code not in body


def test_create_page_saves_through_the_service_and_the_receiver_sees_it(client, world):
    clerk = login(client, world, "asset_clerk")
    response = client.post(
        reverse("assets:assettransfer_create"),
        {"assets": [world.asset.pk], "to_custodian": world.user("head_teacher").pk, "reason": "换教室"},
    )
    transfer = AssetTransfer.objects.get(school=world.school, status=TransferStatus.PENDING)
    assert response.status_code == 302 and response["Location"] == transfer.get_absolute_url()
    assert transfer.created_by == clerk and transfer.reason == "换教室"
    login(client, world, "head_teacher")
    assert "项调配待我确认" in client.get(reverse("core:home")).content.decode()
    waiting = client.get(reverse("assets:assettransfer_list"))
    assert transfer in waiting.context["page"].object_list


def test_a_refused_transfer_shows_the_reason_and_keeps_the_choice(client, world):
    first = start(world, world.asset)
    login(client, world, "asset_clerk")
    response = client.post(
        reverse("assets:assettransfer_create"),
        {"assets": [world.asset.pk], "to_custodian": world.user("principal").pk, "reason": "再调一次"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert first.number in body and "不能重复调配" in body
    assert f'<option value="{world.asset.pk}" selected>' in body and "再调一次" in body
    assert AssetTransfer.objects.filter(school=world.school, status=TransferStatus.PENDING).count() == 1


def test_a_teacher_cannot_open_the_create_page(client, world):
    login(client, world, "teacher")
    assert client.get(reverse("assets:assettransfer_create")).status_code == 403
    assert client.get(reverse("assets:assettransfer_assetsearch"), {"q": "电脑"}).status_code == 403


def test_asset_search_finds_transferable_cards_of_this_school_only(client, world, school_b):
    projector = make_asset(world, "投影仪", "ZC-P-1")
    waiting = make_asset(world, "投影幕", "ZC-P-2")
    start(world, waiting)
    login(client, world, "asset_clerk")
    url = reverse("assets:assettransfer_assetsearch")
    found = client.get(url, {"q": "ty"}).json()["results"]
    assert [r["value"] for r in found] == [projector.pk], "pinyin initials; a card in a transfer is left out"
    assert "ZC-P-1 投影仪" in found[0]["text"]
    assert client.get(url, {"q": school_b.asset.code}).json()["results"] == []
    assert client.get(url).json()["results"] == []


# --- decide ---------------------------------------------------------------------------------------


def test_the_receiver_sees_confirm_and_reject_others_do_not(client, world):
    transfer = start(world, world.asset)
    url = transfer.get_absolute_url()
    login(client, world, "head_teacher")
    body = client.get(url).content.decode()
    assert 'id="confirm-button"' in body and 'id="reject-button"' in body and 'id="cancel-button"' not in body
    login(client, world, "logistics_director")
    body = client.get(url).content.decode()
    assert 'id="confirm-button"' not in body and 'id="cancel-button"' in body
    login(client, world, "teacher")
    body = client.get(url).content.decode()
    assert "confirm-button" not in body and "cancel-button" not in body and world.asset.code in body


def test_the_receiver_confirms_on_the_page_and_the_card_moves(client, world):
    transfer = start(world, world.asset)
    receiver = login(client, world, "head_teacher")
    response = client.post(reverse("assets:assettransfer_confirm", args=[transfer.pk]), follow=True)
    assert "已确认接收" in response.content.decode()
    world.asset.refresh_from_db()
    assert world.asset.custodian == receiver


def test_somebody_else_pressing_confirm_is_told_and_nothing_moves(client, world):
    transfer = start(world, world.asset)
    login(client, world, "logistics_director")
    response = client.post(reverse("assets:assettransfer_confirm", args=[transfer.pk]), follow=True)
    assert "只有接收责任人可以确认调配" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING


def test_confirm_is_post_only(client, world):
    transfer = start(world, world.asset)
    login(client, world, "head_teacher")
    assert client.get(reverse("assets:assettransfer_confirm", args=[transfer.pk])).status_code == 405


def test_reject_needs_a_reason_on_the_form(client, world):
    transfer = start(world, world.asset)
    login(client, world, "head_teacher")
    url = reverse("assets:assettransfer_reject", args=[transfer.pk])
    response = client.post(url, {"note": ""})
    assert response.status_code == 400 and "请填写拒收原因" in response.content.decode()
    client.post(url, {"note": "放不下"})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REJECTED and transfer.decision_note == "放不下"


def test_the_creator_cancels(client, world):
    login(client, world, "asset_clerk")
    client.post(
        reverse("assets:assettransfer_create"),
        {"assets": [world.asset.pk], "to_custodian": world.user("head_teacher").pk},
    )
    transfer = AssetTransfer.objects.get(school=world.school, status=TransferStatus.PENDING)
    client.post(reverse("assets:assettransfer_cancel", args=[transfer.pk]), {"reason": "不调了"})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED and transfer.decision_note == "不调了"


def test_another_schools_transfer_is_404(client, world, school_b):
    login(client, world, "logistics_director")
    assert (
        client.get(reverse("assets:assettransfer_detail", args=[school_b.asset_transfer.pk])).status_code
        == 404
    )
    assert (
        client.post(reverse("assets:assettransfer_cancel", args=[school_b.asset_transfer.pk])).status_code
        == 404
    )


# --- list -----------------------------------------------------------------------------------------


def test_list_tabs_filter_and_htmx_partial(client, world):
    mine = start(world, world.asset)
    other = start(world, make_asset(world, "音响", "ZC-S-1"), receiver_role="principal")
    login(client, world, "head_teacher")
    url = reverse("assets:assettransfer_list")
    assert list(client.get(url).context["page"].object_list) == [mine]
    everything = client.get(url, {"tab": "all"}).context["page"].object_list
    assert {mine, other} <= set(everything)
    by_asset = client.get(url, {"tab": "all", "q": "ZC-S-1"}).context["page"].object_list
    assert list(by_asset) == [other]
    done = client.get(url, {"tab": "all", "status": "confirmed"}).context["page"].object_list
    assert list(done) == []
    partial = client.get(url, {"tab": "all"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = partial.content.decode()
    assert 'id="results"' in body and "<html" not in body


def test_list_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for i in range(3):
        start(world, make_asset(world, f"设备{i}", f"ZC-L-{i}"))
    login(client, world, "head_teacher")
    url = reverse("assets:assettransfer_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"tab": "all"})
    for i in range(3, 30):
        start(world, make_asset(world, f"设备{i}", f"ZC-L-{i}"))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"tab": "all"})
    assert len(response.context["page"].object_list) >= 25
    assert Asset.objects.filter(school=world.school).count() >= 30
