"""Damage pages: report on a phone with the camera, the list (filters, htmx, constant queries), the
detail with the clerk's actions, who may see and do what (DESIGN.md rules 3, 5, 6, 7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from houqin.assets import services
from houqin.assets.actions import asset_actions
from houqin.assets.choices import AssetStatus, DamageCause, DamageStatus
from houqin.assets.models import Asset, AssetDamage
from houqin.core.attachments import attachments_for
from houqin.org import services as org_services

from .test_damage_helpers import approval_of, fresh, member, photo, report

pytestmark = pytest.mark.django_db

LIST = reverse("assets:assetdamage_list")
CREATE = reverse("assets:assetdamage_create")


def detail(damage):
    return reverse("assets:assetdamage_detail", args=[damage.pk])


def login(client, world, role):
    client.force_login(world.user(role))
    return client


def grow(world, n, *, reporter_role="teacher"):
    """``n`` reports with every relation filled (the list must not query per row)."""
    start = AssetDamage.objects.count()
    AssetDamage.objects.bulk_create(
        AssetDamage(
            school=world.school,
            number=f"SH-T-{start + i:05d}",
            asset=world.asset,
            description=f"损坏{i}",
            occurred_on=world.asset.acquired_on,
            reported_by=world.user(reporter_role),
            status=DamageStatus.COMPENSATION_DUE,
            cause=DamageCause.MAN_MADE,
            responsible_user=world.user("teacher"),
            responsible_class=world.school_class,
            responsible_name="学生",
            compensation_amount=Decimal("10.00"),
        )
        for i in range(n)
    )


def count(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- list -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["asset_clerk", "teacher"])
def test_the_list_query_count_does_not_grow_with_rows(client, school_a, role):
    login(client, school_a, role)
    grow(school_a, 3)
    count(client, LIST)
    few = count(client, LIST)
    grow(school_a, 30)
    assert count(client, LIST) == few
    assert count(client, LIST, status=DamageStatus.COMPENSATION_DUE, cause=DamageCause.MAN_MADE) <= few + 1


def test_a_teacher_sees_only_the_reports_they_made_or_answer_for(client, school_a):
    mine = report(school_a, description="我报的")
    others = report(school_a, role="head_teacher", description="别人报的")
    body = login(client, school_a, "teacher").get(LIST).content.decode()
    assert mine.number in body and others.number not in body
    assert client.get(detail(others)).status_code == 404
    body = login(client, school_a, "asset_clerk").get(LIST).content.decode()
    assert mine.number in body and others.number in body
    body = login(client, school_a, "principal").get(LIST).content.decode()
    assert others.number in body


def test_the_list_filters_by_status_and_htmx_gets_the_table_only(client, school_a):
    reported = report(school_a)
    judged = report(school_a, description="另一处")
    services.asset_damage_assess(
        actor=member(school_a, "asset_clerk"), damage=judged, cause=DamageCause.NATURAL
    )
    login(client, school_a, "asset_clerk")
    response = client.get(
        LIST, {"status": DamageStatus.REPORTED}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    body = response.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert reported.number in body and judged.number not in body
    body = client.get(LIST, {"cause": DamageCause.NATURAL}).content.decode()
    assert judged.number in body and reported.number not in body


# --- report -----------------------------------------------------------------------------------------


def test_the_report_page_opens_the_camera_and_carries_the_asset(client, school_a):
    response = login(client, school_a, "teacher").get(CREATE, {"asset": school_a.asset.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'accept="image/*"' in body and 'capture="environment"' in body
    assert school_a.asset.name in body
    assert f'type="hidden" name="asset" value="{school_a.asset.code}"' in body


def test_a_report_without_a_photo_is_refused_and_keeps_what_was_typed(client, school_a):
    login(client, school_a, "teacher")
    response = client.post(
        f"{CREATE}?asset={school_a.asset.pk}",
        {"asset": school_a.asset.code, "description": "门把手掉了", "occurred_on": "2025-03-01"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "请至少拍一张损坏处的照片。" in body
    assert "门把手掉了" in body
    assert not AssetDamage.objects.filter(asset=school_a.asset).exists()


def test_a_report_with_a_photo_is_saved_and_opens_its_page(client, school_a):
    login(client, school_a, "teacher")
    response = client.post(
        CREATE,
        {
            "asset": school_a.asset.code,
            "description": "屏幕碎了",
            "occurred_on": "2025-03-01",
            "photos": [photo()],
        },
    )
    damage = AssetDamage.objects.get(asset=school_a.asset)
    assert response.status_code == 302 and response["Location"] == detail(damage)
    assert fresh(school_a.asset).status == AssetStatus.DAMAGED
    page = client.get(detail(damage)).content.decode()
    assert damage.number in page and "屏幕碎了" in page
    thumbnails = attachments_for(damage, school_a.school)
    assert len(thumbnails) == 1
    assert reverse("core:attachment_thumbnail", args=[thumbnails[0].pk]) in page


def test_an_unknown_or_disposed_code_is_a_field_error(client, school_a, school_b):
    login(client, school_a, "teacher")
    response = client.post(
        CREATE,
        {"asset": school_b.asset.code, "description": "x", "occurred_on": "2025-03-01", "photos": [photo()]},
    )
    assert response.status_code == 400
    assert "本校没有这个资产编号，或资产已处置。" in response.content.decode()


def test_the_asset_card_offers_report_damage_to_staff_but_not_on_a_disposed_card(client, school_a):
    teacher = member(school_a, "teacher")
    assert "report_damage" in [a.key for a in asset_actions(school_a.asset, teacher)]
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    assert "report_damage" not in [a.key for a in asset_actions(fresh(school_a.asset), teacher)]


# --- detail and actions -----------------------------------------------------------------------------


def test_the_clerk_judges_man_made_damage_on_the_page(client, school_a):
    damage = report(school_a)
    login(client, school_a, "asset_clerk")
    page = client.get(detail(damage)).content.decode()
    assert 'id="assess-form"' in page
    url = reverse("assets:assetdamage_assess", args=[damage.pk])
    response = client.post(url, {"cause": DamageCause.MAN_MADE, "compensation_amount": "50"})
    assert response.status_code == 400
    assert "人为损坏须写明责任人" in response.content.decode()
    response = client.post(
        url,
        {
            "cause": DamageCause.MAN_MADE,
            "responsible_class": school_a.school_class.pk,
            "responsible_name": "李四",
            "compensation_amount": "50",
        },
    )
    assert response.status_code == 302
    damage = fresh(damage)
    assert damage.status == DamageStatus.COMPENSATION_DUE and damage.compensation_amount == Decimal("50.00")
    page = client.get(detail(damage)).content.decode()
    assert 'id="settle-form"' in page and 'id="waiver-form"' in page and 'id="assess-form"' not in page


def test_settle_and_waive_from_the_page(client, school_a):
    first = report(school_a)
    second = report(school_a, description="第二处")
    clerk = member(school_a, "asset_clerk")
    for d in (first, second):
        services.asset_damage_assess(
            actor=clerk,
            damage=d,
            cause=DamageCause.MAN_MADE,
            responsible_name="王五",
            compensation_amount=Decimal("9"),
        )
    login(client, school_a, "asset_clerk")
    response = client.post(reverse("assets:assetdamage_settle", args=[first.pk]), {"receipt_number": ""})
    assert response.status_code == 400 and "请填写收据号。" in response.content.decode()
    response = client.post(
        reverse("assets:assetdamage_settle", args=[first.pk]),
        {"receipt_number": "SJ-1", "receipt_photo": photo()},
    )
    assert response.status_code == 302 and fresh(first).status == DamageStatus.COMPENSATED
    response = client.post(reverse("assets:assetdamage_waive", args=[second.pk]), {"reason": "家庭困难"})
    assert response.status_code == 302 and fresh(second).status == DamageStatus.WAIVER_PENDING
    page = client.get(detail(second)).content.decode()
    assert approval_of(second, "asset_damage_waiver").get_absolute_url() in page


def test_a_teacher_cannot_judge_settle_or_see_forms(client, school_a):
    damage = report(school_a)
    login(client, school_a, "teacher")
    page = client.get(detail(damage)).content.decode()
    assert 'id="assess-form"' not in page
    url = reverse("assets:assetdamage_assess", args=[damage.pk])
    assert client.post(url, {"cause": DamageCause.NATURAL}).status_code == 403
    assert fresh(damage).status == DamageStatus.REPORTED
    assert login(client, school_a, "asset_clerk").get(url).status_code == 405  # POST only


def test_the_responsible_teacher_sees_the_report_and_may_ask_for_a_waiver(client, school_a):
    damage = report(school_a, role="head_teacher")
    services.asset_damage_assess(
        actor=member(school_a, "asset_clerk"),
        damage=damage,
        cause=DamageCause.MAN_MADE,
        responsible_user=school_a.user("teacher"),
        compensation_amount=Decimal("30"),
    )
    login(client, school_a, "teacher")
    page = client.get(detail(damage)).content.decode()
    assert 'id="waiver-form"' in page and 'id="settle-form"' not in page
    response = client.post(reverse("assets:assetdamage_waive", args=[damage.pk]), {"reason": "非故意"})
    assert response.status_code == 302 and fresh(damage).status == DamageStatus.WAIVER_PENDING
    login(client, school_a, "guard")
    assert client.get(detail(damage)).status_code == 404
    assert (
        client.post(reverse("assets:assetdamage_waive", args=[damage.pk]), {"reason": "x"}).status_code == 404
    )


def test_the_reporter_may_add_photos_until_the_report_is_judged(client, school_a):
    damage = report(school_a)
    teacher = member(school_a, "teacher")
    from houqin.core.attachments import can_change_attachments

    assert can_change_attachments(teacher, damage)
    services.asset_damage_assess(
        actor=member(school_a, "asset_clerk"), damage=damage, cause=DamageCause.NATURAL
    )
    assert not can_change_attachments(teacher, fresh(damage))
    assert can_change_attachments(member(school_a, "asset_clerk"), fresh(damage))


# --- to-dos -----------------------------------------------------------------------------------------


def test_todos_damage_to_judge_for_the_clerk_and_compensation_due_for_the_responsible(client, school_a):
    org_services.school_class_update(
        actor=None, school_class=school_a.school_class, data={"head_teacher": school_a.user("head_teacher")}
    )
    report(school_a)
    body = login(client, school_a, "asset_clerk").get("/").content.decode()
    assert "份损坏报告待认定" in body
    assert "份损坏报告待认定" not in login(client, school_a, "teacher").get("/").content.decode()
    damage = AssetDamage.objects.filter(asset=school_a.asset).get()
    services.asset_damage_assess(
        actor=member(school_a, "asset_clerk"),
        damage=damage,
        cause=DamageCause.MAN_MADE,
        responsible_class=school_a.school_class,
        responsible_name="赵六",
        compensation_amount=Decimal("20"),
    )
    assert "项损坏待赔偿" in login(client, school_a, "head_teacher").get("/").content.decode()
    assert "项损坏待赔偿" not in login(client, school_a, "teacher").get("/").content.decode()


def test_the_list_exports_what_the_user_may_see_to_excel(client, school_a):
    import io

    from openpyxl import load_workbook

    mine = report(school_a)
    others = report(school_a, role="head_teacher", description="别处")
    response = login(client, school_a, "teacher").get(LIST, {"export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    numbers = {r[0] for r in rows[1:]}
    assert mine.number in numbers and others.number not in numbers
