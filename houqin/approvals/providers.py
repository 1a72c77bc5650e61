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
