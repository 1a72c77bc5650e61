"""承包管理 pages as people use them: the asset clerk draws up the class's sheet, corrects its lines,
the head teacher signs on a phone, the clerk takes it back at term end and the damaged lines link to
a damage report; the 班级财产承包责任书 prints on A4. Lists keep a constant query count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from houqin.assets import services
from houqin.assets.choices import Condition, CustodyHolder, CustodyStatus
from houqin.assets.models import AssetCustody
from houqin.core.permissions import attach_school_context
from houqin.org import services as org_services

from .test_custody_services import signature

TERM = "2026-2027学年第一学期"


def acting(user, world):
    class Request:
        pass

    attach_school_context(Request(), user, world.school.pk)
    return user


@pytest.fixture
def world(school_a):
    org_services.school_class_update(
        actor=None, school_class=school_a.school_class, data={"head_teacher": school_a.user("head_teacher")}
    )
    school_a.school_class.refresh_from_db()
    return school_a


def login(client, world, role):
    user = world.user(role)
    client.force_login(user)
    return user


def sheet_for(world, term=TERM, location=None):
    return services.asset_custody_create(
        actor=None,
        school=world.school,
        holder_kind=CustodyHolder.SCHOOL_CLASS,
        school_class=world.school_class,
        location=location,
        term=term,
    )


def signed(world, sheet):
    head = acting(world.user("head_teacher"), world)
    return services.asset_custody_sign(actor=head, custody=sheet, signature_data_url=signature())


# --- create and edit ------------------------------------------------------------------------------


def test_create_page_offers_this_term_and_saves_through_the_service(client, world):
    clerk = login(client, world, "asset_clerk")
    url = reverse("assets:assetcustody_create")
    page = client.get(url)
    assert page.status_code == 200 and services.current_term() in page.content.decode()
    assert "js/assets-custody.js" in page.content.decode()
    response = client.post(
        url, {"holder_kind": "class", "school_class": world.school_class.pk, "term": TERM, "location": ""}
    )
    sheet = AssetCustody.objects.get(school=world.school, term=TERM)
    assert response.status_code == 302 and response["Location"] == sheet.get_absolute_url()
    assert sheet.created_by == clerk and sheet.location == world.room
    detail = client.get(sheet.get_absolute_url()).content.decode()
    assert "门把手/锁" in detail and world.asset.name in detail


def test_create_page_shows_the_services_error_and_keeps_the_input(client, world):
    first = sheet_for(world)
    login(client, world, "asset_clerk")
    response = client.post(
        reverse("assets:assetcustody_create"),
        {"holder_kind": "class", "school_class": world.school_class.pk, "term": TERM, "note": "第二份"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and first.number in body and "第二份" in body


def test_a_head_teachers_page_starts_with_their_class(client, world):
    login(client, world, "head_teacher")
    form = client.get(reverse("assets:assetcustody_create")).context["form"]
    assert form["school_class"].value() == world.school_class.pk


def test_a_teacher_cannot_draw_up_a_sheet(client, world):
    login(client, world, "teacher")
    assert client.get(reverse("assets:assetcustody_create")).status_code == 403


def test_lines_are_edited_on_the_page_and_a_wrong_code_loses_nothing(client, world):
    sheet = sheet_for(world)
    login(client, world, "asset_clerk")
    url = reverse("assets:assetcustody_update", args=[sheet.pk])
    page = client.get(url)
    formset = page.context["formset"]
    data = {
        "items-TOTAL_FORMS": str(len(formset.forms)),
        "items-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    data["items-MIN_NUM_FORMS"], data["items-MAX_NUM_FORMS"] = "0", "500"
    for i, form in enumerate(formset.forms):  # as the browser posts them, blank rows included
        for name in ("id", "name", "asset_code", "quantity", "condition_out", "note"):
            value = form[name].value()
            data[f"items-{i}-{name}"] = "" if value is None else str(value)
        if form.initial.get("name") == "灯":
            data[f"items-{i}-DELETE"] = "on"
    extra = formset.initial_form_count()
    data.update(
        {
            f"items-{extra}-name": "窗帘",
            f"items-{extra}-quantity": "4",
            f"items-{extra}-condition_out": "good",
        }
    )
    data[f"items-{extra + 1}-name"] = "黑板"
    data[f"items-{extra + 1}-asset_code"] = "NO-SUCH"
    data[f"items-{extra + 1}-quantity"] = "1"
    data[f"items-{extra + 1}-condition_out"] = "good"
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 400 and "NO-SUCH" in body and "窗帘" in body
    data[f"items-{extra + 1}-asset_code"] = ""
    response = client.post(url, data)
    assert response.status_code == 302
    names = set(sheet.items.values_list("name", flat=True))
    assert {"窗帘", "黑板"} <= names and "灯" not in names


def test_a_teacher_cannot_edit_the_lines(client, world):
    sheet = sheet_for(world)
    login(client, world, "teacher")
    assert client.get(reverse("assets:assetcustody_update", args=[sheet.pk])).status_code == 403


# --- sign -----------------------------------------------------------------------------------------


def test_the_head_teacher_is_asked_to_sign_and_signs_on_the_page(client, world):
    sheet = sheet_for(world)
    login(client, world, "head_teacher")
    home = client.get(reverse("core:home")).content.decode()
    assert "2 份财产承包清单待我签字" in home, "this one and the sample world's own sheet"
    detail = client.get(sheet.get_absolute_url()).content.decode()
    assert 'id="sign-link"' in detail
    url = reverse("assets:assetcustody_sign", args=[sheet.pk])
    page = client.get(url).content.decode()
    assert "data-signature-pad" in page and "signature_pad.umd.min.js" in page and "js/signature.js" in page
    blank = client.post(url, {"data_url": ""})
    assert blank.status_code == 400 and "还没有签字" in blank.content.decode()
    empty_pad = client.post(url, {"data_url": signature(ink=False)})
    assert empty_pad.status_code == 400
    response = client.post(url, {"data_url": signature()})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.SIGNED
    assert "1 份财产承包清单待我签字" in client.get(reverse("core:home")).content.decode()


def test_nobody_but_the_responsible_person_opens_the_sign_page(client, world):
    sheet = sheet_for(world)
    for role in ("asset_clerk", "logistics_director", "teacher"):
        login(client, world, role)
        url = reverse("assets:assetcustody_sign", args=[sheet.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"data_url": signature()}).status_code == 403
        assert 'id="sign-link"' not in client.get(sheet.get_absolute_url()).content.decode()
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.DRAFT


# --- return and print -----------------------------------------------------------------------------


def test_term_end_check_lists_the_damaged_lines_with_a_damage_report_link(client, world):
    sheet = signed(world, sheet_for(world))
    login(client, world, "asset_clerk")
    url = reverse("assets:assetcustody_return", args=[sheet.pk])
    form = client.get(url).context["form"]
    data = {name: str(field.initial) for name, field in form.fields.items() if name.startswith("condition_")}
    computer = sheet.items.get(asset=world.asset)
    handle = sheet.items.get(name="门把手/锁")
    data[f"condition_{computer.pk}"] = Condition.DAMAGED
    data[f"note_{computer.pk}"] = "屏幕碎裂"
    data[f"condition_{handle.pk}"] = Condition.MISSING
    response = client.post(url, data)
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == CustodyStatus.RETURNED
    body = client.get(sheet.get_absolute_url()).content.decode()
    assert 'id="damaged-items"' in body and "屏幕碎裂" in body and "门把手/锁" in body
    try:
        damage_url = reverse("assets:assetdamage_create")
    except NoReverseMatch:  # the damage area is built beside this one
        damage_url = None
    if damage_url:
        assert f"{damage_url}?asset={world.asset.pk}" in body


def test_the_return_page_is_the_clerks(client, world):
    sheet = signed(world, sheet_for(world))
    login(client, world, "head_teacher")
    assert client.get(reverse("assets:assetcustody_return", args=[sheet.pk])).status_code == 403


def test_a_draft_cannot_be_taken_back(client, world):
    sheet = sheet_for(world)
    login(client, world, "asset_clerk")
    response = client.get(reverse("assets:assetcustody_return", args=[sheet.pk]), follow=True)
    assert "不能验收交回" in response.content.decode()


def test_the_printed_sheet_carries_the_lines_and_the_signature(client, world):
    sheet = signed(world, sheet_for(world))
    login(client, world, "teacher")
    response = client.get(reverse("assets:assetcustody_print", args=[sheet.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "班级财产承包责任书" in body and sheet.number in body and "门把手/锁" in body
    signature_attachment = response.context["signature"]
    assert signature_attachment is not None
    assert reverse("core:attachment_download", args=[signature_attachment.pk]) in body
    assert client.get(reverse("core:attachment_download", args=[signature_attachment.pk])).status_code == 200


# --- list -----------------------------------------------------------------------------------------


def test_list_tabs_filters_and_partial(client, world):
    sheet = sheet_for(world)
    login(client, world, "head_teacher")
    url = reverse("assets:assetcustody_list")
    assert sheet in client.get(url, {"tab": "mine"}).context["page"].object_list
    assert sheet in client.get(url, {"status": "draft", "term": TERM}).context["page"].object_list
    assert sheet not in client.get(url, {"status": "signed"}).context["page"].object_list
    partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert 'id="results"' in partial and "<html" not in partial
    login(client, world, "teacher")
    assert sheet not in client.get(url, {"tab": "mine"}).context["page"].object_list


def test_list_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for i in range(3):
        sheet_for(world, term=f"学期{i}")
    login(client, world, "asset_clerk")
    url = reverse("assets:assetcustody_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(3, 30):
        sheet_for(world, term=f"学期{i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 25
