"""Printing (issue 3): QR codes are full QR codes (phones cannot read Micro QR), label sheets,
the A4 base template, and the room label sheet of the location list."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from houqin.core.printing import LABEL_SIZES, Label, label_size, print_context, qr_code, qr_svg

SVG_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


@pytest.mark.parametrize("data", ["1", "R-101", "https://houqin.example.cn/org/locations/12345/"])
def test_qr_codes_are_full_qr_never_micro(data):
    """segno.make() would give Micro QR for "1"; make_qr always gives a full QR code."""
    code = qr_code(data)
    assert not code.is_micro and int(code.version) >= 1
    svg = qr_svg(data, scale=1, border=0)
    assert svg.startswith("<svg") and "<?xml" not in svg
    width, height = map(int, SVG_VIEWBOX.search(svg).groups())
    assert width == height >= 21, "a full QR code is at least 21 modules wide (Micro QR: 11-17)"


def test_label_sizes():
    assert label_size(None).key == "50x30" and label_size("nonsense").key == "50x30"
    assert LABEL_SIZES["a4-3x8"].per_page == 24


@pytest.mark.django_db
def test_a4_base_template(school_a):
    request = RequestFactory().get("/")
    request.user = school_a.user("logistics_director")
    request.school = school_a.school
    template = Template(
        '{% extends "print/base_a4.html" %}{% block content %}<p id="body">正文</p>{% endblock %}'
    )
    html = template.render(
        Context(print_context(request, title="报修单", document_number="BX-2026-00042", landscape=True))
    )
    assert "学校a" in html and "BX-2026-00042" in html and "a4-landscape" in html
    assert "data-print" in html and "打印时间" in html and "经办人" in html
    assert "<script>" not in html, "no inline scripts (CSP)"


@pytest.mark.django_db
def test_location_labels_page(client, school_a, school_b):
    client.force_login(school_a.user("teacher"))
    response = client.get(reverse("org:location_labels"), {"kind": "room", "size": "a4-3x8"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="qr"') == 1 and "电脑室a" in body and "R-a" in body
    assert f'title="http://testserver/org/locations/{school_a.room.pk}/"' in body
    assert "labels-a4-3x8" in body and "电脑室b" not in body
    assert '<input type="hidden" name="kind" value="room">' in body, "filters kept when the size changes"
    all_places = client.get(reverse("org:location_labels")).content.decode()
    assert all_places.count('class="qr"') == 3


@pytest.mark.django_db
def test_location_labels_are_capped_with_a_message(client, school_a, settings):
    settings.HOUQIN = {**settings.HOUQIN, "LABEL_CAP": 2}
    client.force_login(school_a.user("teacher"))
    body = client.get(reverse("org:location_labels")).content.decode()
    assert body.count('class="qr"') == 2 and "只列出前 2 个" in body


@pytest.mark.django_db
def test_location_labels_need_view_permission(client, school_a):
    role = school_a.role("teacher")
    role.permissions.remove(*role.permissions.filter(codename="view_location"))
    client.force_login(school_a.user("teacher"))
    assert client.get(reverse("org:location_labels")).status_code == 403


def test_label_dataclass_defaults():
    label = Label(title="教学楼 / 1F / 101")
    assert label.code == "" and label.qr_data == ""
