"""What approvals contribute to the home page (我的待办)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from houqin.core.registry import TodoItem

from .choices import ApprovalStatus
from .models import ApprovalRequest


def todo_pending_approvals(request):
    """N 项待我审批 — mine and those I stand in for today (代理审批). One query."""
    if not request.user.has_perm("approvals.view_approvalrequest"):
        return []
    count = (
        ApprovalRequest.objects.for_school(request.school).pending_for(request.user, request.school).count()
    )
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 项待我审批", "%(count)d 项待我审批", count) % {"count": count},
            url=reverse("approvals:approvalrequest_list") + "?tab=pending",
            count=count,
            level="warning",
            area=_("审批"),
        )
    ]


def todo_returned_requests(request):
    """My requests sent back for changes: edit and submit again."""
    if not request.user.has_perm("approvals.view_approvalrequest"):
        return []
    count = (
        ApprovalRequest.objects.for_school(request.school)
        .requested_by(request.user)
        .filter(status=ApprovalStatus.RETURNED)
        .count()
    )
    if not count:
        return []
    return [
        TodoItem(
            title=ngettext("%(count)d 项申请被退回待修改", "%(count)d 项申请被退回待修改", count)
            % {"count": count},
            url=reverse("approvals:approvalrequest_list") + "?tab=mine",
            count=count,
            level="info",
            area=_("审批"),
        )
    ]


# --- reminders (notify's due-date providers) ---------------------------------------------------------

# A step should be decided within this many days of reaching the approver (在最短的时间内).
APPROVAL_DAYS = 2


def due_waiting_approvals(school, on_date):
    """Approval tasks still waiting, due ``APPROVAL_DAYS`` after their step reached the approver."""
    import datetime as dt

    from django.utils import timezone

    from houqin.notify.registry import DueItem

    from .choices import TaskStatus
    from .models import ApprovalTask

    tasks = (
        ApprovalTask.objects.filter(
            request__school=school,
            status=TaskStatus.PENDING,
            step__started_at__date__lte=on_date - dt.timedelta(days=APPROVAL_DAYS),
        )
        .select_related("request", "step", "approver")
        .order_by("step__started_at", "pk")
    )
    for task in tasks:
        yield DueItem(
            title=_("待审批：%(title)s（%(step)s）") % {"title": task.request.title, "step": task.step.name},
            url=task.request.get_absolute_url(),
            due_date=timezone.localdate(task.step.started_at) + dt.timedelta(days=APPROVAL_DAYS),
            target=task,
            responsible_users=[task.approver],
        )


def seed_approval_reminder(school, *, actor=None) -> None:
    """Every school starts with a reminder for approvals left waiting (escalated to the
    supervising leader after three more days); the school admin can change or switch it off."""
    from houqin.notify.models import ReminderRule
    from houqin.notify.services import reminder_rule_create

    if ReminderRule.objects.for_school(school).filter(source="approvals.waiting").exists():
        return
    reminder_rule_create(
        actor=actor,
        school=school,
        name=_("审批超过两天未处理"),
        source="approvals.waiting",
        days_before=0,
        escalate_after_days=3,
        escalate_to_role="supervising_leader",
    )
