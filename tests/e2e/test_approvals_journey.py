"""Issue 3, "Done when": the procurement-style default chain runs end to end in the browser.

A teacher submits a 6,000-yuan 事项申请; the department head approves, then the school affairs
office, then the principal on a phone (一支笔, from 5,000 yuan); the request shows 已批准 and its
timeline lists the three decisions."""

import pytest
from playwright.sync_api import expect

from houqin.approvals.models import GeneralRequest
from houqin.core.testing import TEST_PASSWORD, make_school

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(user.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#main")).to_be_visible()


def approve_from_my_list(page, base, title, comment):
    page.goto(f"{base}/approvals/?tab=pending")
    page.locator("#results").get_by_text(title).click()
    expect(page.locator("#approve")).to_be_visible()
    page.locator("#id_comment").fill(comment)
    page.locator("#approve").click()
    expect(page.locator("#messages")).to_contain_text("已同意")


def test_six_thousand_yuan_request_through_three_approvers(live_server, phone):
    world = make_school("e2e")
    base, page = live_server.url, phone

    # the teacher files and submits the request
    sign_in(page, base, world.user("teacher"))
    page.goto(f"{base}/approvals/requests/add/")
    page.locator("#id_title").fill("购买实验器材")
    page.locator("#id_description").fill("物理实验课用")
    page.locator("#id_amount").fill("6000")
    page.locator("#generalrequest-form button[name=save]").click()
    page.locator("#submit-request").click()
    expect(page.locator("#request-status")).to_have_text("审批中")
    gr = GeneralRequest.objects.get(school=world.school, title="购买实验器材")

    # department head, then the school affairs office
    sign_in(page, base, world.user("logistics_director"))
    expect(page.locator("#todos")).to_contain_text("项待我审批")
    # the bell says so too, and the notification leads to the request
    bell = page.locator("a[href='/notify/']:visible").first
    expect(bell.locator(".badge")).to_be_visible()  # unread (make_school's sample request is there too)
    bell.click()
    expect(page.locator("#main")).to_contain_text("购买实验器材")
    approve_from_my_list(page, base, "购买实验器材", "同意，请校务办采购")
    sign_in(page, base, world.user("school_affairs"))
    approve_from_my_list(page, base, "购买实验器材", "已询价")

    # the principal, on a phone: 一支笔 from 5,000 yuan
    sign_in(page, base, world.user("principal"))
    page.goto(f"{base}/approvals/?tab=pending")
    expect(page.locator("#pending-count")).to_have_text("1")
    approve_from_my_list(page, base, "购买实验器材", "同意")
    expect(page.locator("#approval-status")).to_have_text("已批准")

    page.goto(f"{base}{gr.get_absolute_url()}")
    expect(page.locator("#request-status")).to_have_text("已批准")
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("审批同意")).to_have_count(3)
    for name in ("logistics_directore2e", "school_affairse2e", "principale2e"):
        expect(timeline).to_contain_text(name)
    page.screenshot(path="var/e2e-approvals.png", full_page=True)

    # the teacher hears the outcome
    sign_in(page, base, world.user("teacher"))
    page.goto(f"{base}/notify/")
    expect(page.locator("#main")).to_contain_text("购买实验器材")
