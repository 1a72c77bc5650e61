"""Damage (损坏) services, rule by rule. Issue 4 "Lifecycle": "Damage: report with photo; judged
natural wear (→ a repair) or man-made (→ responsible person or class, compensation amount,
paid/waived with approval, receipt) — 谁损坏谁赔偿"; DOMAIN.md "Assets": "damage: man-made →
responsible party pays (谁损坏谁赔偿), natural → repair"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from houqin.approvals.choices import ApprovalStatus
from houqin.approvals.models import ApprovalPolicy
from houqin.approvals.services import approval_withdraw
from houqin.assets import services
from houqin.assets.choices import AssetStatus, DamageCause, DamageStatus
from houqin.assets.models import Asset, AssetDamage
from houqin.core.attachments import attachments_for
from houqin.notify.models import Notification
from houqin.org import services as org_services

from .test_damage_helpers import approval_of, decide, events, fresh, make_asset, member, photo, report

pytestmark = pytest.mark.django_db

WAIVER = "asset_damage_waiver"


def man_made(world, damage, amount="120.00", **kwargs):
    kwargs.setdefault("responsible_user", world.user("teacher"))
    return services.asset_damage_assess(
        actor=member(world, "asset_clerk"),
        damage=damage,
        cause=DamageCause.MAN_MADE,
        compensation_amount=Decimal(amount) if amount is not None else None,
        **kwargs,
    )


# --- report -----------------------------------------------------------------------------------------


def test_anyone_on_the_staff_reports_damage_with_photos_and_the_card_becomes_damaged(
    school_a, django_capture_on_commit_callbacks
):
    """Report with photo: a numbered report (SH-), the card 损坏, the keepers of the books told."""
    with django_capture_on_commit_callbacks(execute=True):
        damage = report(school_a, photos=[photo("a.jpg"), photo("b.jpg")])
    assert damage.number.startswith(f"SH-{timezone.localdate().year}-")
    assert damage.status == DamageStatus.REPORTED
    assert damage.reported_by == school_a.user("teacher")
    assert damage.occurred_on == timezone.localdate()
    assert fresh(school_a.asset).status == AssetStatus.DAMAGED
    assert len(attachments_for(damage, school_a.school)) == 2
    assert events(damage, "damage_reported").count() == 1
    asset_event = events(school_a.asset, "damage_reported").get()
    assert asset_event.changes["status"] == [AssetStatus.IN_USE, AssetStatus.DAMAGED]
    assert asset_event.changes["damage"] == [None, damage.number]
    told = set(
        Notification.objects.filter(kind="assets.damage").values_list("recipient__username", flat=True)
    )
    assert told == {"a_asset_clerk", "a_logistics_director"}


def test_a_disposed_card_cannot_be_reported_damaged(school_a):
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    with pytest.raises(ValidationError) as exc:
        report(school_a)
    assert "asset" in exc.value.message_dict
    assert not AssetDamage.objects.filter(asset=school_a.asset).exists()


def test_a_card_of_another_school_is_refused(school_a, school_b):
    with pytest.raises(ValidationError) as exc:
        report(school_a, asset=school_b.asset)
    assert exc.value.message_dict["asset"] == ["资产不属于本校。"]
    assert fresh(school_b.asset).status == AssetStatus.IN_USE


def test_a_report_needs_a_description_and_no_future_date(school_a):
    with pytest.raises(ValidationError) as exc:
        services.asset_damage_report(
            actor=member(school_a, "teacher"),
            school=school_a.school,
            asset=school_a.asset,
            description="  ",
            occurred_on=timezone.localdate() + timezone.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"description", "occurred_on"}
    assert fresh(school_a.asset).status == AssetStatus.IN_USE


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(school_a):
    bad = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        report(school_a, photos=[bad])
    assert "photos" in exc.value.message_dict
    assert not AssetDamage.objects.filter(asset=school_a.asset).exists()


def test_without_the_permission_nobody_reports(school_a):
    from django.contrib.auth.models import Permission

    role = school_a.role("guard")
    role.permissions.remove(
        Permission.objects.get(content_type__app_label="assets", codename="add_assetdamage")
    )
    with pytest.raises(PermissionDenied):
        report(school_a, role="guard")


def test_a_second_report_on_a_damaged_card_keeps_it_damaged(school_a):
    report(school_a)
    second = report(school_a, role="head_teacher", description="键盘也坏了")
    assert second.number != AssetDamage.objects.filter(asset=school_a.asset).order_by("pk").first().number
    assert fresh(school_a.asset).status == AssetStatus.DAMAGED


# --- natural wear → repair --------------------------------------------------------------------------


def test_natural_wear_goes_to_repair_and_waits_for_the_repairs_module(school_a):
    """Natural → repair: 已转维修, the card 维修中; the repair order is the Repairs issue's entry point."""
    damage = report(school_a)
    services.asset_damage_assess(
        actor=member(school_a, "asset_clerk"), damage=damage, cause=DamageCause.NATURAL
    )
    damage = fresh(damage)
    assert damage.status == DamageStatus.REPAIR
    assert damage.cause == DamageCause.NATURAL
    assert damage.assessed_by == school_a.user("asset_clerk")
    assert damage.repair_reference == ""
    assert damage.compensation_amount is None
    assert fresh(school_a.asset).status == AssetStatus.UNDER_REPAIR
    assert events(damage, "repair_requested").count() == 1
    assert events(school_a.asset, "sent_to_repair").get().changes["status"] == [
        AssetStatus.DAMAGED,
        AssetStatus.UNDER_REPAIR,
    ]


def test_the_repairs_module_links_its_order_and_puts_the_card_back_in_use(school_a):
    damage = report(school_a)
    services.asset_damage_assess(
        actor=member(school_a, "asset_clerk"), damage=damage, cause=DamageCause.NATURAL
    )
    services.asset_damage_link_repair(damage=damage, reference="BX-2026-00007")
    assert fresh(damage).repair_reference == "BX-2026-00007"
    services.asset_repaired(actor=None, asset=school_a.asset, reference="BX-2026-00007")
    assert fresh(school_a.asset).status == AssetStatus.IN_USE
    assert events(school_a.asset, "repaired").count() == 1
    with pytest.raises(ValidationError):  # not under repair any more
        services.asset_repaired(actor=None, asset=school_a.asset)


def test_a_report_can_be_linked_to_a_repair_only_after_going_to_repair(school_a):
    damage = report(school_a)
    with pytest.raises(ValidationError):
        services.asset_damage_link_repair(damage=damage, reference="BX-1")


# --- man-made → 谁损坏谁赔偿 ---------------------------------------------------------------------------


def test_man_made_damage_without_a_responsible_party_is_refused(school_a):
    """谁损坏谁赔偿: man-made damage names who pays — a member of staff, a class or a name."""
    damage = report(school_a)
    with pytest.raises(ValidationError) as exc:
        man_made(school_a, damage, responsible_user=None)
    assert "responsible_user" in exc.value.message_dict
    assert fresh(damage).status == DamageStatus.REPORTED


@pytest.mark.parametrize(
    "amount,message", [("-1.00", "赔偿金额不能为负数。"), (None, "请填写赔偿金额（不需赔偿填 0）。")]
)
def test_man_made_damage_needs_an_amount_of_at_least_zero(school_a, amount, message):
    damage = report(school_a)
    with pytest.raises(ValidationError) as exc:
        man_made(school_a, damage, amount=amount)
    assert exc.value.message_dict["compensation_amount"] == [message]
    assert fresh(damage).status == DamageStatus.REPORTED


def test_a_student_named_in_a_class_owes_and_the_head_teacher_is_told(
    school_a, django_capture_on_commit_callbacks
):
    org_services.school_class_update(
        actor=None, school_class=school_a.school_class, data={"head_teacher": school_a.user("head_teacher")}
    )
    damage = report(school_a)
    with django_capture_on_commit_callbacks(execute=True):
        man_made(
            school_a,
            damage,
            amount="0",
            responsible_user=None,
            responsible_class=school_a.school_class,
            responsible_name="张小明",
        )
    damage = fresh(damage)
    assert damage.status == DamageStatus.COMPENSATION_DUE
    assert damage.compensation_amount == Decimal("0.00")  # 0 is a judgement: nothing to pay
    assert damage.responsible_name == "张小明"
    assert fresh(school_a.asset).status == AssetStatus.DAMAGED
    told = Notification.objects.filter(kind="assets.compensation").values_list(
        "recipient__username", flat=True
    )
    assert list(told) == ["a_head_teacher"]
    assert events(school_a.asset, "damage_assessed").get().changes["cause"] == [None, "人为损坏"]


def test_the_responsible_person_and_class_must_be_of_this_school(school_a, school_b):
    damage = report(school_a)
    with pytest.raises(ValidationError) as exc:
        man_made(
            school_a,
            damage,
            responsible_user=school_b.user("teacher"),
            responsible_class=school_b.school_class,
        )
    assert set(exc.value.message_dict) == {"responsible_user", "responsible_class"}


def test_only_who_keeps_the_books_judges_the_cause(school_a):
    damage = report(school_a)
    with pytest.raises(PermissionDenied):
        services.asset_damage_assess(
            actor=member(school_a, "teacher"), damage=damage, cause=DamageCause.NATURAL
        )


def test_a_judged_report_is_not_judged_again(school_a):
    damage = report(school_a)
    man_made(school_a, damage)
    with pytest.raises(ValidationError):
        services.asset_damage_assess(
            actor=member(school_a, "asset_clerk"), damage=damage, cause=DamageCause.NATURAL
        )


def test_payment_needs_a_receipt_number_and_may_carry_a_photo_of_it(school_a):
    damage = report(school_a)
    man_made(school_a, damage)
    clerk = member(school_a, "asset_clerk")
    with pytest.raises(ValidationError) as exc:
        services.asset_damage_settle(actor=clerk, damage=damage, receipt_number=" ")
    assert "receipt_number" in exc.value.message_dict
    services.asset_damage_settle(
        actor=clerk, damage=damage, receipt_number="SJ-0042", receipt_photo=photo("r.jpg")
    )
    damage = fresh(damage)
    assert damage.status == DamageStatus.COMPENSATED
    assert damage.receipt_number == "SJ-0042"
    assert damage.settled_at is not None
    assert len(attachments_for(damage, school_a.school)) == 1
    assert events(school_a.asset, "damage_compensated").count() == 1


def test_nothing_is_paid_before_the_cause_is_judged(school_a):
    damage = report(school_a)
    with pytest.raises(ValidationError):
        services.asset_damage_settle(
            actor=member(school_a, "asset_clerk"), damage=damage, receipt_number="SJ-1"
        )


# --- waiver through approval ------------------------------------------------------------------------


def test_a_waiver_approved_by_director_and_principal_waives_the_compensation(school_a):
    """Paid or waived with approval: 总务主任审核 then 校长审批, amount = the compensation."""
    damage = report(school_a)
    man_made(school_a, damage, amount="350.00")
    services.asset_damage_request_waiver(
        actor=member(school_a, "asset_clerk"), damage=damage, reason="家庭困难"
    )
    damage = fresh(damage)
    assert damage.status == DamageStatus.WAIVER_PENDING
    assert damage.waiver_reason == "家庭困难"
    approval = approval_of(damage, WAIVER)
    assert approval.amount == Decimal("350.00")
    assert [s.name for s in approval.steps.order_by("order")] == ["总务主任审核", "校长审批"]
    decide(school_a, approval, "logistics_director")
    assert fresh(damage).status == DamageStatus.WAIVER_PENDING
    decide(school_a, approval, "principal")
    damage = fresh(damage)
    assert damage.status == DamageStatus.WAIVED
    assert damage.settled_at is not None
    assert fresh(approval).status == ApprovalStatus.APPROVED
    assert events(damage, "damage_waived").count() == 1
    assert events(school_a.asset, "damage_waived").count() == 1


def test_a_rejected_waiver_means_paying_and_cannot_be_asked_again(school_a):
    damage = report(school_a)
    man_made(school_a, damage)
    clerk = member(school_a, "asset_clerk")
    services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="初犯")
    decide(school_a, approval_of(damage, WAIVER), "logistics_director", "reject", comment="按规定赔偿")
    assert fresh(damage).status == DamageStatus.COMPENSATION_DUE
    assert events(damage, "waiver_refused").count() == 1
    with pytest.raises(ValidationError) as exc:
        services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="再申请一次")
    assert "已被驳回" in exc.value.messages[0]
    services.asset_damage_settle(actor=clerk, damage=damage, receipt_number="SJ-7")
    assert fresh(damage).status == DamageStatus.COMPENSATED


def test_a_returned_waiver_may_be_asked_again_in_a_new_round(school_a):
    damage = report(school_a)
    man_made(school_a, damage)
    clerk = member(school_a, "asset_clerk")
    services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="初犯")
    approval = approval_of(damage, WAIVER)
    decide(school_a, approval, "logistics_director", "return", comment="请附情况说明")
    assert fresh(damage).status == DamageStatus.COMPENSATION_DUE
    services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="初犯，附班主任说明")
    assert fresh(approval).round == 2
    decide(school_a, approval, "logistics_director")
    decide(school_a, approval, "principal")
    assert fresh(damage).status == DamageStatus.WAIVED


def test_a_withdrawn_waiver_puts_the_compensation_back_due(school_a):
    damage = report(school_a)
    man_made(school_a, damage)
    clerk = member(school_a, "asset_clerk")
    services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="初犯")
    approval = fresh(approval_of(damage, WAIVER))
    approval_withdraw(actor=clerk, approval=approval, version=approval.version)
    assert fresh(damage).status == DamageStatus.COMPENSATION_DUE


def test_the_responsible_teacher_may_ask_for_a_waiver_another_teacher_may_not(school_a):
    damage = report(school_a, role="head_teacher")
    man_made(school_a, damage, responsible_user=school_a.user("teacher"))
    with pytest.raises(PermissionDenied):
        services.asset_damage_request_waiver(
            actor=member(school_a, "head_teacher"), damage=damage, reason="x"
        )
    services.asset_damage_request_waiver(actor=member(school_a, "teacher"), damage=damage, reason="非故意")
    assert approval_of(damage, WAIVER).requester == school_a.user("teacher")


def test_a_waiver_needs_a_reason_and_a_compensation_due(school_a):
    damage = report(school_a)
    clerk = member(school_a, "asset_clerk")
    with pytest.raises(ValidationError):  # not judged yet
        services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="x")
    man_made(school_a, damage)
    with pytest.raises(ValidationError) as exc:
        services.asset_damage_request_waiver(actor=clerk, damage=damage, reason="")
    assert "reason" in exc.value.message_dict


def test_every_school_gets_the_waiver_policy(school_a):
    """New schools get the registered default (approval_policy_seed_defaults at school setup)."""
    policy = ApprovalPolicy.objects.get(school=school_a.school, document_type=WAIVER)
    steps = list(policy.steps.order_by("order").values_list("name", "role__code"))
    assert steps == [("总务主任审核", "logistics_director"), ("校长审批", "principal")]


def test_the_damage_shows_on_the_cards_timeline(school_a):
    asset = make_asset(school_a, "ZC-T-9", "300.00")
    damage = report(school_a, asset=asset)
    assert [e.verb for e in events(asset).order_by("pk")][-1] == "damage_reported"
    assert str(damage) == f"{damage.number} {asset.name}"
