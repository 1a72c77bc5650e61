"""What borrowing contributes to the home page (我的待办), search, the asset page's buttons and the
reminder scheduler (借用到期、逾期未还)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from houqin.core.registry import SearchResult, TodoItem

from .choices import LoanStatus
from .models import AssetLoan

OVERDUE_SOURCE = "assets.loan_overdue"
# Overdue loans are reminded to the borrower every day and escalated to the asset clerk after this.
ESCALATE_AFTER_DAYS = 3


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _list_url(tab: str) -> str:
    return reverse("assets:assetloan_list") + f"?tab={tab}"


# --- to-dos --------------------------------------------------------------------------------------------


def todo_loans_to_handle(request):
    """For the asset clerk: 今日待借出 (bookings starting today or earlier, not yet lent) and
    逾期未还 (out past their due time). Two queries."""
    if not request.user.has_perm("assets.change_assetloan"):
        return []
    base = AssetLoan.objects.for_school(request.school)
    tomorrow = _day_start(timezone.localdate() + dt.timedelta(days=1))
    items = []
    to_lend = base.filter(status=LoanStatus.RESERVED, starts_at__lt=tomorrow).count()
    if to_lend:
        items.append(
            TodoItem(
                title=ngettext("今日待借出 %(count)d 件", "今日待借出 %(count)d 件", to_lend)
                % {"count": to_lend},
                url=_list_url("to_lend"),
                count=to_lend,
                level="info",
                area=_("借用"),
            )
        )
    overdue = base.overdue().count()
    if overdue:
        items.append(
            TodoItem(
                title=ngettext("逾期未还 %(count)d 件", "逾期未还 %(count)d 件", overdue)
                % {"count": overdue},
                url=_list_url("overdue"),
                count=overdue,
                level="danger",
                area=_("借用"),
            )
        )
    return items


def todo_my_loans_due(request):
    """For a borrower: 我借的到期物品 — my loans due today or overdue. One query."""
    if not request.user.has_perm("assets.view_assetloan"):
        return []
    tomorrow = _day_start(timezone.localdate() + dt.timedelta(days=1))
    due = list(
        AssetLoan.objects.for_school(request.school)
        .filter(borrower=request.user, status=LoanStatus.OUT, due_at__lt=tomorrow)
        .order_by("due_at")
        .values_list("due_at", flat=True)[:100]
    )
    if not due:
        return []
    overdue = due[0] < timezone.now()
    return [
        TodoItem(
            title=ngettext(
                "我借的物品 %(count)d 件今天到期或已逾期", "我借的物品 %(count)d 件今天到期或已逾期", len(due)
            )
            % {"count": len(due)},
            url=_list_url("mine"),
            count=len(due),
            due=timezone.localdate(due[0]),
            level="danger" if overdue else "warning",
            area=_("借用"),
        )
    ]


# --- search --------------------------------------------------------------------------------------------


def search_loans(request, query: str, limit: int):
    """A loan by its number (JY-2026-00042, or its last digits); only loans the user may see."""
    from . import permissions

    q = (query or "").strip()
    if len(q) < 3:
        return []
    qs = AssetLoan.objects.for_school(request.school).filter(Q(number__iexact=q) | Q(number__iendswith=q))
    if not permissions.sees_all_loans(request.user):
        qs = qs.filter(borrower=request.user)
    return [
        SearchResult(
            title=f"{loan.number} {loan.asset.name}",
            url=loan.get_absolute_url(),
            subtitle=f"{loan.borrower} · {loan.get_status_display()}",
        )
        for loan in qs.select_related("asset", "borrower").order_by("-pk")[:limit]
    ]


# --- buttons on the asset page -------------------------------------------------------------------------


def asset_loan_actions(asset, user):
    """借用/预约 for whoever may book this card; 预约日历 for bookable cards."""
    from .actions import AssetAction
    from .permissions import can_book_asset

    actions = []
    if can_book_asset(user, asset):
        actions.append(
            AssetAction(
                "borrow",
                _("借用/预约"),
                reverse("assets:assetloan_create") + f"?asset={asset.pk}",
                "box-arrow-right",
                "primary",
                20,
            )
        )
    if asset.is_bookable and not asset.is_disposed and user.has_perm("assets.view_assetloan"):
        actions.append(
            AssetAction(
                "calendar",
                _("预约日历"),
                reverse("assets:asset_calendar", args=[asset.pk]),
                "calendar3",
                "outline-primary",
                21,
            )
        )
    return actions


# --- reminders (notify's due-date providers) ---------------------------------------------------------


def due_overdue_loans(school, on_date: dt.date):
    """Loans out and due on or before ``on_date``: the borrower is responsible for bringing them back."""
    from houqin.notify.registry import DueItem

    loans = (
        AssetLoan.objects.for_school(school)
        .filter(status=LoanStatus.OUT, due_at__lt=_day_start(on_date + dt.timedelta(days=1)))
        .select_related("asset", "borrower")
        .order_by("due_at", "pk")
    )
    for loan in loans:
        yield DueItem(
            title=_("归还“%(asset)s”（%(number)s，借用人 %(borrower)s）")
            % {"asset": loan.asset.name, "number": loan.number, "borrower": loan.borrower},
            url=loan.get_absolute_url(),
            due_date=timezone.localdate(loan.due_at),
            target=loan,
            responsible_users=[loan.borrower],
        )


def seed_loan_reminder(school, *, actor=None) -> None:
    """Every school starts with a reminder rule: the borrower on the due day and every day after,
    the asset clerk once a loan is ``ESCALATE_AFTER_DAYS`` days overdue. The school admin may change it."""
    from houqin.notify.models import ReminderRule
    from houqin.notify.services import reminder_rule_create

    if ReminderRule.objects.for_school(school).filter(source=OVERDUE_SOURCE).exists():
        return
    reminder_rule_create(
        actor=actor,
        school=school,
        name=_("借用物品到期归还"),
        source=OVERDUE_SOURCE,
        days_before=0,
        escalate_after_days=ESCALATE_AFTER_DAYS,
        escalate_to_role="asset_clerk",
    )
