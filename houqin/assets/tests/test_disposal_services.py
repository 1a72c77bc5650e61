"""Disposal (处置) services, rule by rule. Issue 4: "Disposal (处置: 报废、报损、调拨、出售、捐赠、置换)
through an approval policy by value; disposed assets leave the active ledger but keep their card and
history"; DOMAIN.md "Assets": "Disposal ... needs approval by value; disposed assets stay in the
books with their history"; "Procurement and finance": "+ collective decision record above 50,000
yuan (三重一大)"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.approvals.choices import ApprovalStatus, StepKind
from houqin.approvals.models import ApprovalPolicy
from houqin.approvals.services import approval_withdraw
from houqin.assets import services
from houqin.assets.choices import AssetStatus, DisposalKind, DisposalStatus
from houqin.assets.models import Asset, AssetDisposal

from .test_damage_helpers import approval_of, decide, events, fresh, make_asset, member

pytestmark = pytest.mark.django_db

DOC = "asset_disposal"
DIRECTOR, PRINCIPAL, COLLECTIVE = "总务主任审核", "校长审批", "集体决策（三重一大）"


def create(world, assets, *, kind=DisposalKind.SCRAP, role="asset_clerk", **kwargs):
    return services.asset_disposal_create(
        actor=member(world, role),
        school=world.school,
        kind=kind,
        reason=kwargs.pop("reason", "超过使用年限，无法修复"),
        assets=assets,
        **kwargs,
    )


def submit(world, disposal, role="asset_clerk"):
    services.asset_disposal_submit(actor=member(world, role), disposal=disposal)
    return fresh(disposal), approval_of(disposal, DOC)


def step_names(approval):
    return [s.name for s in approval.steps.filter(round=approval.round).order_by("order")]


# --- the draft --------------------------------------------------------------------------------------


def test_a_draft_lists_each_card_with_original_and_net_value_today(school_a):
    old = make_asset(school_a, "ZC-OLD", "6000.00", acquired_on=timezone.localdate().replace(year=2021))
    low = make_asset(school_a, "ZC-LOW", "300.00", category="302")  # low-value: not depreciated
    disposal = create(school_a, [old, low])
    assert disposal.number.startswith(f"CZ-{timezone.localdate().year}-")
    assert disposal.status == DisposalStatus.DRAFT
    assert disposal.requested_by == school_a.user("asset_clerk")
    items = {i.asset.code: i for i in disposal.items.select_related("asset")}
    assert items["ZC-OLD"].total_value == Decimal("6000.00")
    assert items["ZC-OLD"].net_value == services.asset_net_value(old)
    assert items["ZC-OLD"].net_value < Decimal("6000.00")
    assert items["ZC-LOW"].net_value == Decimal("300.00")
    assert disposal.total_value == Decimal("6300.00")
    assert disposal.net_value == items["ZC-OLD"].net_value + Decimal("300.00")
    assert events(disposal, "created").get().changes["assets"] == [None, ["ZC-OLD", "ZC-LOW"]]


def test_a_draft_needs_a_card_a_kind_and_a_reason(school_a):
    with pytest.raises(ValidationError) as exc:
        services.asset_disposal_create(
            actor=member(school_a, "asset_clerk"), school=school_a.school, kind="", reason=" ", assets=[]
        )
    assert set(exc.value.message_dict) == {"kind", "reason", "assets"}


def test_a_sale_names_the_buyer_and_proceeds_are_not_negative(school_a):
    """调拨、出售、捐赠、置换 go to somebody: the receiving unit or buyer is named."""
    with pytest.raises(ValidationError) as exc:
        create(school_a, [school_a.asset], kind=DisposalKind.SALE, proceeds=Decimal("-1"))
    assert set(exc.value.message_dict) == {"counterparty", "proceeds"}
    sale = create(
        school_a,
        [school_a.asset],
        kind=DisposalKind.SALE,
        counterparty="再生资源公司",
        proceeds=Decimal("80"),
    )
    assert sale.proceeds == Decimal("80.00")


def test_a_card_of_another_school_is_refused(school_a, school_b):
    with pytest.raises(ValidationError) as exc:
        create(school_a, [school_b.asset])
    assert exc.value.message_dict["assets"] == ["资产不属于本校。"]


def test_a_card_already_disposed_is_refused(school_a):
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    with pytest.raises(ValidationError) as exc:
        create(school_a, [school_a.asset])
    assert "已处置" in exc.value.message_dict["assets"][0]


def test_a_card_in_another_open_disposal_is_refused(school_a):
    first = create(school_a, [school_a.asset])
    with pytest.raises(ValidationError) as exc:
        create(school_a, [school_a.asset], role="logistics_director")
    assert first.number in exc.value.message_dict["assets"][0]


def test_only_who_may_dispose_draws_up_a_disposal(school_a):
    with pytest.raises(PermissionDenied):
        create(school_a, [school_a.asset], role="teacher")


def test_a_draft_is_changed_cards_and_all(school_a):
    other = make_asset(school_a, "ZC-X", "2000.00")
    disposal = create(school_a, [school_a.asset])
    services.asset_disposal_update(
        actor=member(school_a, "asset_clerk"),
        disposal=disposal,
        data={
            "reason": "改为调拨",
            "kind": DisposalKind.TRANSFER_OUT,
            "counterparty": "区教育局",
            "assets": [other],
        },
    )
    disposal = fresh(disposal)
    assert disposal.kind == DisposalKind.TRANSFER_OUT
    assert [i.asset_id for i in disposal.items.all()] == [other.pk]
    assert disposal.total_value == Decimal("2000.00")
    assert events(disposal, "updated").get().changes["assets"] == [[school_a.asset.code], ["ZC-X"]]
    create(school_a, [school_a.asset])  # released by the change


# --- approval by value ------------------------------------------------------------------------------


def test_below_50000_the_director_checks_and_the_principal_approves(school_a):
    disposal, approval = submit(school_a, create(school_a, [school_a.asset]))
    assert disposal.status == DisposalStatus.SUBMITTED
    assert disposal.submitted_at is not None
    assert approval.amount == disposal.total_value == Decimal("4800.00")
    assert step_names(approval) == [DIRECTOR, PRINCIPAL]
    assert events(school_a.asset, "disposal_submitted").count() == 1


def test_from_50000_a_collective_decision_is_required(school_a):
    """三重一大: from 50,000 yuan of original value a collective decision record."""
    car = make_asset(school_a, "ZC-CAR", "50000.00", category="303")
    _, approval = submit(school_a, create(school_a, [car]))
    assert step_names(approval) == [DIRECTOR, PRINCIPAL, COLLECTIVE]
    assert approval.steps.get(name=COLLECTIVE).kind == StepKind.COLLECTIVE
    decide(school_a, approval, "logistics_director")
    decide(school_a, approval, "principal")
    with pytest.raises(ValidationError):
        decide(school_a, approval, "principal")  # no meeting record
    assert fresh(car).status == AssetStatus.IN_USE
    decide(school_a, approval, "principal", meeting_record="2026-03-02 校务会：同意报废")
    assert fresh(car).status == AssetStatus.DISPOSED


def test_approved_disposal_takes_the_cards_off_the_active_ledger_but_keeps_them(school_a):
    other = make_asset(school_a, "ZC-Y", "1200.00")
    disposal, approval = submit(school_a, create(school_a, [school_a.asset, other]))
    history_before = events(school_a.asset).count()
    decide(school_a, approval, "logistics_director")
    assert fresh(school_a.asset).status == AssetStatus.IN_USE  # nothing happens before the end
    decide(school_a, approval, "principal")
    today = timezone.localdate()
    disposal = fresh(disposal)
    assert disposal.status == DisposalStatus.APPROVED
    assert disposal.disposed_on == today
    assert fresh(approval).status == ApprovalStatus.APPROVED
    for asset in (school_a.asset, other):
        asset = fresh(asset)
        assert asset.status == AssetStatus.DISPOSED
        assert asset.disposed_on == today
        event = events(asset, "disposed").get()
        assert event.changes["disposal"] == [None, disposal.number]
        assert event.changes["status"] == [AssetStatus.IN_USE, AssetStatus.DISPOSED]
    active = Asset.objects.for_school(school_a.school).active()
    assert not active.filter(pk__in=[school_a.asset.pk, other.pk]).exists()
    assert Asset.objects.for_school(school_a.school).disposed().filter(pk=school_a.asset.pk).exists()
    assert events(school_a.asset).count() > history_before  # the card keeps its whole history
    assert events(disposal, "disposed").count() == 1
    with pytest.raises(ValidationError):  # and cannot be disposed twice
        create(school_a, [school_a.asset])


def test_a_rejected_disposal_leaves_the_cards_and_frees_them(school_a):
    disposal, approval = submit(school_a, create(school_a, [school_a.asset]))
    decide(school_a, approval, "logistics_director", "reject", comment="仍可使用")
    assert fresh(disposal).status == DisposalStatus.REJECTED
    assert fresh(school_a.asset).status == AssetStatus.IN_USE
    create(school_a, [school_a.asset])  # no longer held by an open disposal
    with pytest.raises(ValidationError):
        services.asset_disposal_submit(actor=member(school_a, "asset_clerk"), disposal=disposal)


def test_a_returned_disposal_is_changed_and_submitted_again(school_a):
    disposal, approval = submit(school_a, create(school_a, [school_a.asset]))
    decide(school_a, approval, "logistics_director", "return", comment="请补充鉴定意见")
    assert fresh(disposal).status == DisposalStatus.RETURNED
    clerk = member(school_a, "asset_clerk")
    services.asset_disposal_update(actor=clerk, disposal=disposal, data={"reason": "经鉴定无法修复"})
    disposal, approval = submit(school_a, disposal)
    assert disposal.status == DisposalStatus.SUBMITTED
    assert approval.round == 2


def test_a_withdrawn_disposal_is_editable_again(school_a):
    disposal, approval = submit(school_a, create(school_a, [school_a.asset]))
    approval_withdraw(
        actor=school_a.user("asset_clerk"), approval=fresh(approval), version=fresh(approval).version
    )
    assert fresh(disposal).status == DisposalStatus.WITHDRAWN
    services.asset_disposal_update(
        actor=member(school_a, "asset_clerk"), disposal=disposal, data={"reason": "再议"}
    )


def test_a_submitted_disposal_cannot_be_changed_or_submitted_twice(school_a):
    disposal, _ = submit(school_a, create(school_a, [school_a.asset]))
    clerk = member(school_a, "asset_clerk")
    with pytest.raises(ValidationError):
        services.asset_disposal_update(actor=clerk, disposal=disposal, data={"reason": "x"})
    with pytest.raises(ValidationError):
        services.asset_disposal_submit(actor=clerk, disposal=disposal)


def test_a_card_disposed_meanwhile_stops_the_submission(school_a):
    disposal = create(school_a, [school_a.asset])
    Asset.objects.filter(pk=school_a.asset.pk).update(status=AssetStatus.DISPOSED)
    with pytest.raises(ValidationError) as exc:
        services.asset_disposal_submit(actor=member(school_a, "asset_clerk"), disposal=disposal)
    assert "assets" in exc.value.message_dict
    assert fresh(disposal).status == DisposalStatus.DRAFT


def test_a_teacher_cannot_change_or_submit_a_disposal(school_a):
    disposal = create(school_a, [school_a.asset])
    teacher = member(school_a, "teacher")
    with pytest.raises(PermissionDenied):
        services.asset_disposal_update(actor=teacher, disposal=disposal, data={"reason": "x"})
    with pytest.raises(PermissionDenied):
        services.asset_disposal_submit(actor=teacher, disposal=disposal)


def test_every_school_gets_the_disposal_policy_by_value(school_a):
    policy = ApprovalPolicy.objects.get(school=school_a.school, document_type=DOC)
    steps = list(policy.steps.order_by("order").values_list("name", "role__code", "min_amount", "kind"))
    assert steps == [
        (DIRECTOR, "logistics_director", None, StepKind.APPROVAL),
        (PRINCIPAL, "principal", None, StepKind.APPROVAL),
        (COLLECTIVE, "principal", Decimal("50000.00"), StepKind.COLLECTIVE),
    ]


def test_the_sample_disposal_of_every_test_school_is_a_draft(school_a):
    disposal = AssetDisposal.objects.get(school=school_a.school)
    assert disposal.status == DisposalStatus.DRAFT
    assert disposal.items.get().asset == school_a.damaged_asset


# --- voiding, and what a disposal does to loans ----------------------------------------------------


def void(world, disposal, reason, role="asset_clerk"):
    return services.asset_disposal_cancel(actor=member(world, role), disposal=disposal, reason=reason)


def test_a_draft_that_will_not_go_ahead_is_voided_with_a_reason_and_frees_its_cards(school_a):
    """No deletes (DESIGN.md rule 4): the draft is voided (作废) and stays on record."""
    disposal = create(school_a, [school_a.asset])
    with pytest.raises(ValidationError) as exc:
        void(school_a, disposal, " ")
    assert "reason" in exc.value.message_dict
    void(school_a, disposal, "改为调拨")
    disposal = fresh(disposal)
    assert disposal.status == DisposalStatus.CANCELLED
    assert events(disposal).filter(changes__reason=[None, "改为调拨"]).exists()
    create(school_a, [school_a.asset], kind=DisposalKind.TRANSFER_OUT, counterparty="区中心小学")
    with pytest.raises(ValidationError):
        services.asset_disposal_submit(actor=member(school_a, "asset_clerk"), disposal=disposal)


def test_a_submitted_disposal_cannot_be_voided(school_a):
    disposal, _approval = submit(school_a, create(school_a, [school_a.asset]))
    with pytest.raises(ValidationError):
        void(school_a, disposal, "不处置了")
    with pytest.raises(PermissionDenied):
        void(school_a, disposal, "不处置了", role="teacher")


def test_a_card_out_on_loan_is_disposed_only_once_it_is_back(school_a):
    clerk = member(school_a, "asset_clerk")
    card = make_asset(school_a, "ZC-LOAN", "900.00")
    services.asset_loan_create_and_lend(
        actor=clerk,
        school=school_a.school,
        asset=card,
        borrower=school_a.user("teacher"),
        due_at=timezone.now() + dt.timedelta(days=2),
    )
    with pytest.raises(ValidationError) as exc:
        create(school_a, [card])
    assert "借出未还" in " ".join(exc.value.message_dict["assets"])


def test_an_approved_disposal_cancels_the_cards_bookings(school_a):
    """A disposed card can never be lent: its bookings are cancelled and the borrower is told."""
    from houqin.assets.choices import LoanStatus

    booking = school_a.asset_loan
    assert booking.status == LoanStatus.RESERVED and booking.asset_id == school_a.asset.pk
    disposal, approval = submit(school_a, create(school_a, [school_a.asset]))
    decide(school_a, approval, "logistics_director")
    decide(school_a, approval, "principal")
    assert fresh(disposal).status == DisposalStatus.APPROVED
    assert fresh(booking).status == LoanStatus.CANCELLED
