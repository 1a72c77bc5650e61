"""Labels and scanning (issue: "Printable QR label sheets for selected assets (asset code, name,
school, location) and a public-safe QR payload (no data inside beyond a code); scanning a label on a
phone opens the asset's page (after login) with actions"), and the printable asset card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import quote, unquote

import pytest
from django.urls import reverse

from houqin.assets import services
from houqin.assets.actions import asset_actions
from houqin.assets.models import AssetCategory
from houqin.assets.views.labels import code_from
from houqin.core.permissions import build_school_context
from houqin.core.testing import make_school

SCAN = "http://testserver/assets/scan/?c="


def labels_of(response):
    return [label for page in response.context["pages"] for label, _qr in page]


@pytest.fixture
def two(db):
    a, b = make_school("a"), make_school("b")
    a.school.short_name = "甲校"
    a.school.save()
    return a, b


def test_label_holds_only_the_scan_url_with_the_code(client, two):
    a, _ = two
    client.force_login(a.user("asset_clerk"))
    response = client.get(reverse("assets:asset_labels"), {"ids": str(a.asset.pk)})
    assert response.status_code == 200
    (label,) = labels_of(response)
    assert label.qr_data == SCAN + quote(a.asset.code, safe="")
    assert a.asset.name not in label.qr_data and "学校" not in label.qr_data
    assert label.code == a.asset.code  # printed in bold
    assert label.title == a.asset.name
    assert label.subtitle == f"甲校 · {a.room.full_name}"
    body = response.content.decode()
    assert "<svg" in body and a.asset.code in body


def test_a_code_with_odd_characters_is_quoted_in_the_payload(client, two):
    a, _ = two
    odd = services.asset_create(
        actor=None,
        school=a.school,
        code="ZC/01 #5&x",
        name="投影仪",
        category=AssetCategory.objects.get(school=a.school, code="307"),
        unit_price=Decimal("3000"),
        acquired_on=dt.date(2025, 1, 1),
    )
    client.force_login(a.user("asset_clerk"))
    (label,) = labels_of(client.get(reverse("assets:asset_labels"), {"ids": odd.pk}))
    assert label.qr_data == SCAN + "ZC%2F01%20%235%26x"
    # and the scan page reads it back
    response = client.get(label.qr_data.removeprefix("http://testserver"))
    assert response.status_code == 302 and response["Location"] == odd.get_absolute_url()


def test_labels_of_several_ids_and_never_another_schools(client, two):
    a, b = two
    client.force_login(a.user("asset_clerk"))
    ids = f"{a.asset.pk},{a.damaged_asset.pk},{b.asset.pk},x"
    response = client.get(reverse("assets:asset_labels"), {"ids": ids, "size": "a4-3x8"})
    assert {label.code for label in labels_of(response)} == {a.asset.code, a.damaged_asset.code}
    assert "zq7x" not in response.content.decode() and b.asset.code not in response.content.decode()
    assert response.context["size"].key == "a4-3x8"


def test_labels_follow_the_ledger_filters(client, two):
    a, _ = two
    client.force_login(a.user("asset_clerk"))
    desks = AssetCategory.objects.get(school=a.school, code="6")
    response = client.get(reverse("assets:asset_labels"), {"category": desks.pk})
    assert [label.code for label in labels_of(response)] == [a.damaged_asset.code]
    # the filters are kept when another label size is chosen
    assert ("category", str(desks.pk)) in response.context["hidden_fields"]
    everything = labels_of(client.get(reverse("assets:asset_labels")))
    assert {label.code for label in everything} == {a.asset.code, a.damaged_asset.code}


def test_label_sheet_is_capped(client, two, settings):
    a, _ = two
    settings.HOUQIN = {**settings.HOUQIN, "LABEL_CAP": 1}
    client.force_login(a.user("asset_clerk"))
    response = client.get(reverse("assets:asset_labels"))
    assert len(labels_of(response)) == 1
    assert "只列出前 1 个" in response.content.decode()


def test_scanning_an_own_label_opens_the_asset_page_with_its_actions(client, two):
    a, _ = two
    client.force_login(a.user("teacher"))
    response = client.get(reverse("assets:asset_scan"), {"c": a.asset.code})
    assert response.status_code == 302 and response["Location"] == a.asset.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "打印卡片" in page


def test_scanning_signed_out_goes_through_login_and_comes_back(client, two):
    a, _ = two
    response = client.get(reverse("assets:asset_scan"), {"c": a.asset.code})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert f"next=/assets/scan/?c={a.asset.code}" in unquote(response["Location"])


def test_another_schools_code_is_not_revealed(client, two):
    a, b = two
    client.force_login(b.user("school_admin"))
    other = client.get(reverse("assets:asset_scan"), {"c": a.asset.code})
    unknown = client.get(reverse("assets:asset_scan"), {"c": "ZC-nope-001"})
    assert other.status_code == unknown.status_code == 200
    body = other.content.decode()
    assert f"本校没有编号为“{a.asset.code}”的资产" in body
    assert a.asset.name not in body and "学校a" not in body
    assert "本校没有编号为“ZC-nope-001”的资产" in unknown.content.decode()


def test_a_pasted_scan_url_or_a_lower_case_code_is_found(client, two):
    a, _ = two
    client.force_login(a.user("teacher"))
    pasted = client.get(
        reverse("assets:asset_scan"), {"c": f"https://houqin.example.cn/assets/scan/?c={a.asset.code}"}
    )
    assert pasted.status_code == 302 and pasted["Location"] == a.asset.get_absolute_url()
    lower = client.get(reverse("assets:asset_scan"), {"c": f"  {a.asset.code.lower()} "})
    assert lower.status_code == 302 and lower["Location"] == a.asset.get_absolute_url()


def test_the_scan_page_without_a_code_is_the_camera_and_manual_entry_page(client, two):
    a, _ = two
    client.force_login(a.user("teacher"))
    body = client.get(reverse("assets:asset_scan")).content.decode()
    assert 'id="scanner"' in body and 'name="c"' in body
    assert "vendor/html5-qrcode/html5-qrcode.min.js" in body and "js/assets-scan.js" in body
    assert "本校没有编号" not in body


def test_code_from_typed_or_scanned_text():
    assert code_from(" ZC-2026-00001 ") == "ZC-2026-00001"
    assert code_from("https://x.cn/assets/scan/?c=ZC%2F1") == "ZC/1"
    assert code_from("/assets/scan/?c=A1&x=2") == "A1"
    assert code_from("what?") == "what?"
    assert len(code_from("x" * 500)) == 40


def test_printable_asset_card(client, two):
    a, _ = two
    services.asset_update(actor=None, asset=a.asset, data={"custom_fields": {"cpu": "i5-12400"}})
    client.force_login(a.user("teacher"))
    response = client.get(reverse("assets:asset_print", args=[a.asset.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert a.asset.code in body and a.asset.name in body
    assert "处理器a" in body and "i5-12400" in body  # custom field label and value
    assert "固定资产" in body and "计算机设备" in body
    assert "责任人：" in body and "资产管理员：" in body
    assert "<svg" in body
    assert response.context["net_value"] == services.asset_net_value(a.asset)
    # 4,800 yuan over 6 years: 66.67 a month; schedule 2024..2030
    assert response.context["monthly"] == Decimal("66.67")
    assert [row.year for row in response.context["schedule"]][:2] == [2024, 2025]
    assert response.context["last_month"] == "2030-08"


def test_printable_card_of_another_school_is_404(client, two):
    a, b = two
    client.force_login(b.user("school_admin"))
    assert client.get(reverse("assets:asset_print", args=[a.asset.pk])).status_code == 404


def test_print_card_and_label_are_actions_of_the_asset(two):
    a, b = two
    teacher = a.user("teacher")
    teacher.school_context = build_school_context(teacher, a.school.pk)
    actions = {action.key: action for action in asset_actions(a.asset, teacher)}
    assert actions["print_card"].url == reverse("assets:asset_print", args=[a.asset.pk])
    assert actions["print_label"].url == reverse("assets:asset_labels") + f"?ids={a.asset.pk}"
    outsider = b.user("teacher")
    outsider.school_context = build_school_context(outsider, b.school.pk)
    assert not {"print_card", "print_label"} & {x.key for x in asset_actions(a.asset, outsider)}


def test_printable_card_of_books_and_of_a_low_value_item_says_why_there_is_no_depreciation(client, two):
    a, _ = two
    client.force_login(a.user("asset_clerk"))
    made = {}
    for code, cat, price in (("BK1", "5", "40"), ("LV1", "302", "300")):
        made[code] = services.asset_create(
            actor=None,
            school=a.school,
            code=code,
            name=f"物品{code}",
            category=AssetCategory.objects.get(school=a.school, code=cat),
            quantity=10,
            unit_price=Decimal(price),
            acquired_on=dt.date(2024, 1, 1),
        )
    books = client.get(reverse("assets:asset_print", args=[made["BK1"].pk]))
    assert "该分类不计提折旧" in books.content.decode() and books.context["net_value"] == Decimal("400.00")
    low = client.get(reverse("assets:asset_print", args=[made["LV1"].pk]))
    assert "低值易耗品，不计提折旧" in low.content.decode() and low.context["schedule"] == []
