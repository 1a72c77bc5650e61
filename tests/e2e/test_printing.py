"""Print pages rendered by Chromium to PDF (issue 3, printing): an A4 landscape document and a room
label sheet, with the page size CSS @page asks for."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, RequestFactory

from houqin.core.printing import print_context
from houqin.core.testing import make_school

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MM = 72 / 25.4  # PDF points per millimetre
MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")


def page_sizes_mm(pdf: bytes) -> list[tuple[int, int]]:
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000
    return [(round(float(w) / MM), round(float(h) / MM)) for w, h in MEDIABOX.findall(pdf)]


def signed_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, context.new_page()


def test_room_label_sheets_print_to_the_label_size(live_server, browser):
    world = make_school("pr")
    context, page = signed_in_page(browser, live_server, world.user("logistics_director"))
    try:
        page.goto(f"{live_server.url}/org/locations/labels/?kind=room&size=50x30")
        assert page.locator(".label svg.qr").count() == 1
        assert page.locator(".label").first.inner_text().count("电脑室pr") == 1
        sizes = page_sizes_mm(page.pdf(prefer_css_page_size=True, print_background=True))
        assert sizes == [(50, 30)], sizes

        page.goto(f"{live_server.url}/org/locations/labels/?size=a4-3x8")
        assert page.locator(".label svg.qr").count() == 3
        sizes = page_sizes_mm(page.pdf(prefer_css_page_size=True))
        assert sizes == [(210, 297)], sizes
        # the size select reloads the sheet, keeping the filters
        page.select_option("#label-size", "70x40")
        page.wait_for_url(re.compile(r"size=70x40"))
        assert page.locator(".label").count() == 3
    finally:
        context.close()


def test_a4_document_prints_landscape(live_server, browser):
    world = make_school("pa")
    request = RequestFactory().get("/")
    request.user = world.user("logistics_director")
    request.school = world.school
    html = Template(
        '{% extends "print/base_a4.html" %}{% block content %}<table><tr><th>名称</th><td>电脑室</td></tr>'
        "</table>{% endblock %}"
    ).render(Context(print_context(request, title="报修单", document_number="BX-2026-00042", landscape=True)))
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/static/css/print.css")  # same origin, so /static/ links resolve
        page.set_content(html)
        assert page.locator(".doc-number").inner_text().endswith("BX-2026-00042")
        assert not page.locator(".print-toolbar").is_hidden()
        page.emulate_media(media="print")
        assert page.locator(".print-toolbar").is_hidden(), "the 打印 button is not printed"
        sizes = page_sizes_mm(page.pdf(prefer_css_page_size=True))
        assert sizes == [(297, 210)], sizes
    finally:
        context.close()
