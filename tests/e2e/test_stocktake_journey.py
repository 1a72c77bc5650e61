"""Issue 5, "Done when": a browser journey on a phone viewport counts a room with a missing item, a
misplaced item and an unknown item, and the adjustments are approved and reflected in the ledger.

The asset clerk plans a term-end stocktake of the building and names the teacher as counter of the
classroom. The teacher, on a phone, counts one card, counts a card that the books put in the
library (位置不符), records a cupboard with no card (盘盈) with a photo, counts the desks, leaves
the whiteboard uncounted (盘亏) and marks the room done. The clerk closes the counting (the
reconciliation runs as a task), picks a category for the cupboard and submits the adjustments; the
logistics director and the principal approve (差异调整审批), and the ledger follows: the whiteboard
written off (报损), the projector moved, a new card for the cupboard, the plan closed and locked
(帐物相符)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from houqin.assets import services as asset_services
from houqin.assets.choices import AcquisitionWay, AssetStatus, DisposalKind
from houqin.assets.models import Asset, AssetCategory, AssetDisposal
from houqin.core.testing import TEST_PASSWORD, make_school
from houqin.org import services as org_services
from houqin.stocktake.choices import StocktakeStatus
from houqin.stocktake.models import Stocktake

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (120, 90, 40)).save(out, "PNG")
    return out.getvalue()


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


def test_count_a_room_reconcile_and_adjust_through_approval(live_server, phone, settings):
    settings.TASKS = IMMEDIATE  # the reconciliation task runs as soon as the counting closes
    world = make_school("e2e")
    base, page = live_server.url, phone
    clerk, teacher = world.user("asset_clerk"), world.user("teacher")
    library = org_services.location_create(
        actor=None, school=world.school, campus=world.campus, parent=world.floor, name="图书室", code="T201"
    )
    projector = asset_services.asset_create(
        actor=None,
        school=world.school,
        code="ZC-e2e-PJ",
        name="便携投影仪",
        category=AssetCategory.objects.get(school=world.school, code="301"),
        quantity=1,
        unit="台",
        unit_price=Decimal("3600.00"),
        acquired_on=dt.date(2024, 3, 1),
        location=library,
    )
    whiteboard = asset_services.asset_create(  # in the classroom, never found
        actor=None,
        school=world.school,
        code="ZC-e2e-WB",
        name="移动白板",
        category=AssetCategory.objects.get(school=world.school, code="6"),
        quantity=1,
        unit="块",
        unit_price=Decimal("1200.00"),
        acquired_on=dt.date(2022, 9, 1),
        location=world.room,
    )
    desks = Asset.objects.get(school=world.school, code="ZC-e2e-002")  # a batch in the classroom

    # 1. the clerk plans the term-end count of the building
    sign_in(page, base, clerk)
    page.goto(f"{base}/stocktake/new/")
    page.locator("#id_kind").select_option("term_end")
    page.locator("#id_title").fill("期末盘点（教学楼）")
    page.locator("#id_scope_location").select_option(str(world.building.pk))
    page.locator("#save-stocktake").click()
    expect(page.locator("#stocktake-status")).to_have_text("盘点中")
    stocktake = Stocktake.objects.get(school=world.school, title="期末盘点（教学楼）")
    room = stocktake.locations.get(location=world.room)

    # ... and names the teacher as the classroom's counter
    page.locator(f"#assign-{room.pk}").click()
    control = page.locator("#id_counter-ts-control")
    control.fill(teacher.display_name)
    expect(page.locator(f'.ts-dropdown .option[data-value="{teacher.pk}"]')).to_be_visible()
    page.locator(f'.ts-dropdown .option[data-value="{teacher.pk}"]').click()
    expect(page.locator("#id_counter")).to_have_value(str(teacher.pk))
    # Tom Select keeps its list open over the button on a phone-sized page: submit the form as the
    # button would (the choice itself was made by clicking, above)
    page.locator("#assign-form").evaluate("form => form.requestSubmit(form.querySelector('#save-assign'))")
    expect(page.locator("#stocktake-status")).to_be_visible()
    room.refresh_from_db()
    assert room.counter == teacher

    # 2. the teacher counts the classroom on a phone
    sign_in(page, base, teacher)
    page.goto(f"{base}/stocktake/mine/")
    page.locator(f"#place-{room.pk}").click()
    expect(page.locator("#count-place")).to_contain_text(world.room.name)
    page.locator("#count-code").fill(world.asset.code)
    page.locator("#count-form button[type=submit]").click()
    page.locator("#count-sheet").get_by_role("button", name="确认盘到").click()  # 完好, no note
    expect(page.locator("#count-log")).to_contain_text("已盘到")
    page.locator(f"#line-{room.lines.get(asset=desks).pk} [data-count-row] button").click()  # 盘到 on its row
    page.locator("#count-sheet").get_by_role("button", name="确认盘到").click()
    expect(page.locator("#count-log")).to_contain_text(desks.code)
    page.locator("#count-code").fill(projector.code)  # typed from its label: booked in the library
    page.locator("#count-form button[type=submit]").click()
    page.locator("#sheet-note").fill("上课借来未还")
    page.locator("#count-sheet").get_by_role("button", name="确认盘到").click()
    expect(page.locator("#count-log")).to_contain_text("位置不符")
    page.locator("#count-surplus summary").click()
    page.locator("#surplus-form [name=name]").fill("铁皮文件柜")
    page.locator("#surplus-form [name=estimated_value]").fill("800")
    page.locator("#surplus-form input[type=file]").set_input_files(
        files=[{"name": "柜子.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.locator("#surplus-form button[type=submit]").click()
    expect(page.locator("#count-surplus")).to_contain_text("铁皮文件柜")
    page.goto(page.url)  # the queue has emptied: the counts are on the server
    expect(page.locator("[data-progress-counted]")).to_have_text("2")
    page.locator("#count-finish button").click()
    expect(page.locator("#count-finished")).to_be_visible()

    # 3. the clerk closes the counting; the reconciliation finds one of each difference
    sign_in(page, base, clerk)
    page.goto(f"{base}{stocktake.get_absolute_url()}")
    page.locator("#close-counting").click()
    page.locator("#confirm-close").click()
    expect(page.locator("#stocktake-status")).to_have_text("待处理差异")
    expect(page.locator("#summary-missing")).to_have_text("1")

    # 4. the surplus cupboard needs a category before the adjustments go for approval
    page.locator("#open-adjustments").click()
    new_card = stocktake.adjustments.get(kind="new_card")
    row = page.locator(f"#adjustment-{new_card.pk}")
    row.locator("summary").click()
    furniture = AssetCategory.objects.get(school=world.school, code="6")
    row.locator(f"select[name=adj{new_card.pk}-category]").select_option(str(furniture.pk))
    row.locator("button[type=submit]", has_text="保存").click()
    expect(page.locator(f"#adjustment-{new_card.pk}")).to_contain_text(furniture.name)
    page.locator("#submit-adjustments").click()
    expect(page.locator("#messages")).to_contain_text("审批")

    # 5. 总务主任审核 → 校长审批
    approve(page, base, world.user("logistics_director"), stocktake.number)
    approve(page, base, world.user("principal"), stocktake.number)

    # 6. the books match the things
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.CLOSED
    whiteboard.refresh_from_db()
    assert whiteboard.status == AssetStatus.DISPOSED
    assert (
        AssetDisposal.objects.get(school=world.school, kind=DisposalKind.LOSS).items.get().asset == whiteboard
    )
    projector.refresh_from_db()
    assert projector.location == world.room
    cupboard = Asset.objects.get(school=world.school, name="铁皮文件柜")
    assert cupboard.acquisition_way == AcquisitionWay.STOCKTAKE_SURPLUS and cupboard.location == world.room
    sign_in(page, base, clerk)
    page.goto(f"{base}{stocktake.get_absolute_url()}")
    expect(page.locator("#stocktake-status")).to_have_text("已结账")
    page.goto(f"{base}/assets/?q=铁皮文件柜")
    expect(page.locator("#results")).to_contain_text(cupboard.code)
