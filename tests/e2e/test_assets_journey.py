"""Issue 4, "Done when": the asset ledger end to end in the browser.

The asset clerk imports 200 cards from another system's Excel export, prints labels for some,
scans one on a phone, lends it to a teacher and takes it back, reports damage that the director
judges man-made (谁损坏谁赔偿) and settles with a receipt, and disposes of another card through
the approval policy (总务主任审核 → 校长审批), after which it leaves the active ledger."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from houqin.assets.choices import AssetStatus, DamageStatus, LoanStatus
from houqin.assets.models import Asset, AssetDamage, AssetLoan
from houqin.core.testing import TEST_PASSWORD, make_school

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# headers as an older asset system exports them: aliases of ours
HEADERS = [
    "卡片编号",
    "资产名称",
    "分类代码",
    "规格型号",
    "数量",
    "计量单位",
    "原值",
    "购置日期",
    "使用部门",
    "使用人",
    "存放地点",
]


def export_of_another_system(world) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for i in range(200):
        sheet.append(
            [
                f"JY-{i:04d}",
                "投影仪" if i % 2 else "笔记本电脑",
                "307" if i % 2 else "301",
                "XGA 3300 流明" if i % 2 else "14 英寸",
                1,
                "台",
                3300 + i,
                dt.date(2023, 9, 1),
                world.department.name,
                world.user("teacher").display_name,
                world.room.code,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sign_in(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(user.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#main")).to_be_visible()


def approve(page, base, user, title_part):
    sign_in(page, base, user)
    page.goto(f"{base}/approvals/?tab=pending")
    page.locator("#results").get_by_text(title_part).first.click()
    page.locator("#id_comment").fill("同意")
    page.locator("#approve").click()
    expect(page.locator("#messages")).to_contain_text("已同意")


def test_import_label_scan_lend_damage_and_dispose(live_server, phone):
    world = make_school("e2e")
    base, page = live_server.url, phone
    clerk = world.user("asset_clerk")

    # 1. import 200 cards from another system's export (aliases for every header)
    sign_in(page, base, clerk)
    page.goto(f"{base}/assets/")
    page.locator("#import-assets").click()
    page.locator("#import-file").set_input_files(
        files=[{"name": "资产导出.xlsx", "mimeType": XLSX, "buffer": export_of_another_system(world)}]
    )
    page.locator("#import-submit").click()
    expect(page.locator("#messages")).to_contain_text("200")  # imported, back on the ledger
    assert Asset.objects.for_school(world.school).filter(code__startswith="JY-").count() == 200

    # 2. labels for the filtered ledger: each carries the card's code
    page.goto(f"{base}/assets/?q=JY-000")
    expect(page.locator("#results")).to_contain_text("JY-0007")
    page.locator("#print-labels").click()
    expect(page.locator("body")).to_contain_text("JY-0007")
    expect(page.locator("svg").first).to_be_visible()

    # 3. a phone reads the label: its QR holds only the scan address with the code
    page.goto(f"{base}/assets/scan/?c=JY-0007")
    expect(page.locator("h1")).to_contain_text("投影仪")
    card = Asset.objects.get(school=world.school, code="JY-0007")
    assert page.url.endswith(f"/assets/{card.pk}/")

    # 4. lend it to the teacher at the counter, then take it back
    page.locator("#asset-actions [data-action=borrow]").click()
    teacher = world.user("teacher")
    page.locator("#id_borrower-ts-control").fill(teacher.display_name)
    page.locator(f'.ts-dropdown .option[data-value="{teacher.pk}"]').click()
    expect(page.locator("#id_borrower")).to_have_value(str(teacher.pk))
    page.locator("#id_due_at").fill((dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_lend_now").check()
    page.locator("#submit-loan").click()
    expect(page.locator("#loan-status")).to_have_text("借出中")
    card.refresh_from_db()
    assert card.status == AssetStatus.BORROWED
    page.locator("#return-button").click()
    expect(page.locator("#loan-status")).to_have_text("已归还")
    loan = AssetLoan.objects.get(asset=card)
    assert loan.status == LoanStatus.RETURNED and loan.borrower == world.user("teacher")
    card.refresh_from_db()
    assert card.status == AssetStatus.IN_USE and card.last_used_on is not None

    # 5. the teacher reports damage with a photo; the director judges it man-made: the class pays
    sign_in(page, base, world.user("teacher"))
    page.goto(f"{base}/assets/scan/?c=JY-0007")
    page.locator("#asset-actions [data-action=report_damage]").click()
    page.locator("#id_description").fill("屏幕被篮球砸裂")
    page.locator("#damage-form input[type=file]").set_input_files(
        files=[{"name": "屏幕.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.locator("#submit-damage").click()
    expect(page.locator("#damage-status")).to_have_text("待认定")
    sign_in(page, base, world.user("logistics_director"))
    damage = AssetDamage.objects.get(asset=card)
    page.goto(f"{base}/assets/damage/{damage.pk}/")
    page.locator("#assess-form input[value=man_made]").check()
    page.locator("#id_responsible_class").select_option(str(world.school_class.pk))
    page.locator("#id_compensation_amount").fill("600")
    page.locator("#submit-assess").click()
    expect(page.locator("#damage-status")).to_have_text("待赔偿")
    page.locator("#id_receipt_number").fill("SJ-0001")
    page.locator("#submit-settle").click()
    expect(page.locator("#damage-status")).to_have_text("已赔偿")
    damage.refresh_from_db()
    assert damage.status == DamageStatus.COMPENSATED and damage.responsible_class == world.school_class

    # 6. dispose of another card through approval; it leaves the active ledger, keeps its card
    sign_in(page, base, clerk)
    other = Asset.objects.get(school=world.school, code="JY-0100")
    page.goto(f"{base}/assets/{other.pk}/")
    page.locator("#asset-actions [data-action=dispose]").click()
    page.locator("#id_kind").select_option("scrap")
    page.locator("#id_reason").fill("主板烧毁，无维修价值")
    expect(page.locator("#selected-assets")).to_contain_text("JY-0100")
    page.locator("#save-disposal").click()
    page.locator("#submit-disposal").click()
    expect(page.locator("#messages")).to_contain_text("已提交审批")
    approve(page, base, world.user("logistics_director"), "资产处置")
    approve(page, base, world.user("principal"), "资产处置")
    other.refresh_from_db()
    assert other.status == AssetStatus.DISPOSED
    assert not Asset.objects.for_school(world.school).active().filter(pk=other.pk).exists()
    sign_in(page, base, clerk)
    page.goto(f"{base}/assets/?q=JY-0100")
    expect(page.locator("#results")).not_to_contain_text("JY-0100")
    page.goto(f"{base}/assets/{other.pk}/")
    expect(page.locator("#asset-status")).to_have_text("已处置")


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (180, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
