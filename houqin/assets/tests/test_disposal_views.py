"""Disposal pages: the list (constant queries), the draft with its card picker (htmx), submitting,
the detail with the approval steps, and the printable 资产处置清单 (issue 4: "a disposal list
printable for the record")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.assets import services
from houqin.assets.actions import asset_actions
from houqin.assets.choices import AssetStatus, DisposalKind, DisposalStatus
from houqin.assets.models import Asset, AssetDisposal

from .test_damage_helpers import approval_of, decide, fresh, make_asset, member

pytestmark = pytest.mark.django_db

LIST = reverse("assets:assetdisposal_list")
CREATE = reverse("assets:assetdisposal_create")


def login(client, world, role="asset_clerk"):
    client.force_login(world.user(role))
    return client


def draft(world, assets, **kwargs):
    return services.asset_disposal_create(
        actor=member(world, "asset_clerk"),
        school=world.school,
        kind=kwargs.pop("kind", DisposalKind.SCRAP),
        reason=kwargs.pop("reason", "无法修复"),
        assets=assets,
        **kwargs,
    )


def count(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_query_count_does_not_grow_with_rows(client, school_a):
    login(client, school_a)

    def add(n, start):
        for i in range(start, start + n):
            draft(school_a, [make_asset(school_a, f"ZC-L-{i}", "100.00")])

    add(2, 0)
    count(client, LIST)
    few = count(client, LIST)
    add(27, 2)
    assert count(client, LIST) == few
    assert AssetDisposal.objects.filter(school=school_a.school).count() == 30


def test_the_list_is_for_who_keeps_or_reads_the_books(client, school_a):
    assert login(client, school_a, "teacher").get(LIST).status_code == 403
    body = login(client, school_a, "principal").get(LIST).content.decode()
    assert AssetDisposal.objects.get(school=school_a.school).number in body
    assert 'id="add-disposal"' not in body


def test_preselected_cards_are_listed_with_their_value(client, school_a):
    other = make_asset(school_a, "ZC-P", "1500.00")
    body = login(client, school_a).get(CREATE, {"assets": f"{school_a.asset.pk},{other.pk}"}).content.decode()
    assert f'name="assets" value="{school_a.asset.pk}"' in body
    assert f'name="assets" value="{other.pk}"' in body
    assert "6300.00" in body  # 4800 + 1500
    body = client.get(CREATE, {"asset": other.pk}).content.decode()
    assert f'name="assets" value="{other.pk}"' in body and f'value="{school_a.asset.pk}"' not in body


def test_the_picker_finds_cards_that_can_be_disposed(client, school_a, school_b):
    wanted = make_asset(school_a, "ZC-PICK-1", "100.00")
    gone = make_asset(school_a, "ZC-PICK-2", "100.00")
    Asset.objects.filter(pk=gone.pk).update(status=AssetStatus.DISPOSED)
    held = make_asset(school_a, "ZC-PICK-3", "100.00")
    draft(school_a, [held])
    login(client, school_a)
    response = client.get(
        CREATE, {"asset_q": "zc-pick"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="asset-results"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "ZC-PICK-1" in body and "ZC-PICK-2" not in body and "ZC-PICK-3" not in body
    body = client.get(
        CREATE, {"asset_q": school_b.asset.code}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="asset-results"
    ).content.decode()
    assert school_b.asset.code not in body
    response = client.get(
        CREATE,
        {"assets": [school_a.asset.pk], "add": wanted.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="selected-assets",
    )
    body = response.content.decode()
    assert f'value="{wanted.pk}"' in body and f'value="{school_a.asset.pk}"' in body
    body = client.get(
        CREATE,
        {"assets": [school_a.asset.pk, wanted.pk], "remove": school_a.asset.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="selected-assets",
    ).content.decode()
    assert f'value="{wanted.pk}"' in body and f'value="{school_a.asset.pk}"' not in body


def test_the_picker_is_authorised_like_the_page(client, school_a):
    response = login(client, school_a, "teacher").get(
        CREATE, {"asset_q": "zc"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="asset-results"
    )
    assert response.status_code == 403


def test_a_draft_without_cards_is_refused_and_keeps_what_was_typed(client, school_a):
    response = login(client, school_a).post(CREATE, {"kind": DisposalKind.SCRAP, "reason": "电路板烧毁"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "请至少选择一项资产。" in body and "电路板烧毁" in body


def test_a_draft_is_saved_submitted_and_shows_its_approval(client, school_a):
    login(client, school_a)
    response = client.post(
        CREATE, {"kind": DisposalKind.SCRAP, "reason": "电路板烧毁", "assets": [school_a.asset.pk]}
    )
    disposal = AssetDisposal.objects.filter(school=school_a.school).latest("pk")
    assert response.status_code == 302 and response["Location"] == disposal.get_absolute_url()
    page = client.get(disposal.get_absolute_url()).content.decode()
    assert school_a.asset.code in page and 'id="submit-disposal"' in page
    response = client.post(reverse("assets:assetdisposal_submit", args=[disposal.pk]))
    assert response.status_code == 302
    disposal = fresh(disposal)
    assert disposal.status == DisposalStatus.SUBMITTED
    page = client.get(disposal.get_absolute_url()).content.decode()
    assert "总务主任审核" in page and "校长审批" in page and 'id="submit-disposal"' not in page
    assert approval_of(disposal, "asset_disposal").get_absolute_url() in page
    assert client.get(reverse("assets:assetdisposal_update", args=[disposal.pk])).status_code == 403


def test_a_submission_refused_by_the_rules_says_why(client, school_a):
    disposal = draft(school_a, [school_a.asset])
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    login(client, school_a)
    response = client.post(reverse("assets:assetdisposal_submit", args=[disposal.pk]), follow=True)
    assert "已处置，不能再处置" in response.content.decode()
    assert fresh(disposal).status == DisposalStatus.DRAFT


def test_the_draft_is_edited_on_its_page(client, school_a):
    disposal = draft(school_a, [school_a.asset])
    other = make_asset(school_a, "ZC-E", "900.00")
    url = reverse("assets:assetdisposal_update", args=[disposal.pk])
    body = login(client, school_a).get(url).content.decode()
    assert f'name="assets" value="{school_a.asset.pk}"' in body and "无法修复" in body
    response = client.post(
        url, {"kind": DisposalKind.DONATION, "reason": "捐给乡村学校", "assets": [other.pk]}
    )
    assert response.status_code == 400 and "须填写接收单位或买受人" in response.content.decode()
    response = client.post(
        url,
        {
            "kind": DisposalKind.DONATION,
            "reason": "捐给乡村学校",
            "counterparty": "某村小学",
            "assets": [other.pk],
        },
    )
    assert response.status_code == 302
    assert [i.asset_id for i in fresh(disposal).items.all()] == [other.pk]


def test_a_teacher_cannot_open_or_submit_a_disposal(client, school_a):
    disposal = draft(school_a, [school_a.asset])
    login(client, school_a, "teacher")
    assert client.get(disposal.get_absolute_url()).status_code == 403
    assert client.post(reverse("assets:assetdisposal_submit", args=[disposal.pk])).status_code == 403
    assert fresh(disposal).status == DisposalStatus.DRAFT


def test_the_printed_list_has_items_values_steps_and_signature_lines(client, school_a):
    disposal = draft(school_a, [school_a.asset])
    services.asset_disposal_submit(actor=member(school_a, "asset_clerk"), disposal=disposal)
    approval = approval_of(disposal, "asset_disposal")
    decide(school_a, approval, "logistics_director", comment="情况属实")
    decide(school_a, approval, "principal", comment="同意报废")
    body = login(client, school_a, "principal").get(reverse("assets:assetdisposal_print", args=[disposal.pk]))
    body = body.content.decode()
    assert "资产处置清单" in body and disposal.number in body
    assert school_a.asset.code in body and "4800.00" in body and "报废" in body and "无法修复" in body
    assert "情况属实" in body and "同意报废" in body
    assert "校长：" in body and "经办人（资产管理员）：" in body


def test_the_card_offers_dispose_to_the_clerk_only(school_a):
    keys = [a.key for a in asset_actions(school_a.asset, member(school_a, "asset_clerk"))]
    assert "dispose" in keys
    assert "dispose" not in [a.key for a in asset_actions(school_a.asset, member(school_a, "teacher"))]


def test_the_list_exports_to_excel(client, school_a):
    import io

    from openpyxl import load_workbook

    response = login(client, school_a, "principal").get(LIST, {"export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == school_a.disposal.number and rows[1][3] == 1
