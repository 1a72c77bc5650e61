"""The logistics director, on a phone: log in, see the to-do list, find a room by pinyin initials,
switch to English, and add a room (issue: Foundation, "Done when")."""

import pytest
from playwright.sync_api import expect

from houqin.core.testing import TEST_PASSWORD, make_school
from houqin.org.models import Location

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_director_on_a_phone(live_server, phone):
    world = make_school("e2e")
    director = world.user("logistics_director")
    page = phone

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("用户名或手机号").fill(director.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Home: the to-do list (the new room has no custodian yet: 专用室保管责任制)
    expect(page.locator("#todos")).to_contain_text("我的待办")
    expect(page.locator("#todos")).to_contain_text("还没有保管责任人")

    # Search by pinyin initials: dns -> 电脑室
    page.get_by_role("searchbox").first.fill("dns")
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_contain_text("电脑室e2e")

    # Switch to English from the menu
    page.get_by_role("button", name="菜单").click()
    page.locator("#user-menu").click()
    page.locator("#language").select_option("en")
    page.locator("#language-submit").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#main")).to_contain_text("Search")

    # Add a room under the floor
    page.goto(f"{live_server.url}/org/locations/")
    page.locator("#add-location").click()
    page.locator("#id_campus").select_option(str(world.campus.pk))
    page.locator("#id_parent").select_option(str(world.floor.pk))
    page.locator("#id_kind").select_option("room")
    page.locator("#id_name").fill("102")
    page.locator("#id_code").fill("E2E-102")
    page.locator("#id_room_type").select_option("classroom")
    page.locator("#location-form button[name=save]").click()

    expect(page.locator("h1")).to_contain_text("102")
    room = Location.objects.get(school=world.school, code="E2E-102")
    assert room.parent == world.floor
    assert room.full_name.endswith("1Fe2e / 102")
    page.screenshot(path="var/e2e-foundation.png", full_page=True)
