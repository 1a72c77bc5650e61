"""Reads of approvals: who has what waiting, what I decided, what I asked for."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from houqin.core.querysets import SchoolScopedManager, SchoolScopedQuerySet

from .choices import ApprovalStatus, TaskStatus


def today() -> dt.date:
    return timezone.localdate()


class ApprovalDelegationQuerySet(SchoolScopedQuerySet):
    def active_on(self, day: dt.date | None = None) -> ApprovalDelegationQuerySet:
        day = day or today()
        return self.filter(is_active=True, start_date__lte=day, end_date__gte=day)

    def delegators_of(self, user, day: dt.date | None = None):
        """Ids of the people ``user`` stands in for today (a subquery)."""
        return self.active_on(day).filter(delegate=user).values("delegator_id")


class ApprovalTaskQuerySet(SchoolScopedQuerySet):
    def pending(self) -> ApprovalTaskQuerySet:
        return self.filter(status=TaskStatus.PENDING, request__status=ApprovalStatus.PENDING)

    def actionable_by(self, user, school) -> ApprovalTaskQuerySet:
        """Pending tasks that are ``user``'s own or those of someone they stand in for today."""
        from .models import ApprovalDelegation

        delegators = ApprovalDelegation.objects.for_school(school).delegators_of(user)
        return self.pending().filter(models.Q(approver=user) | models.Q(approver__in=delegators))


class ApprovalRequestQuerySet(SchoolScopedQuerySet):
    def for_list(self) -> ApprovalRequestQuerySet:
        return self.select_related("requester", "department", "current_step")

    def pending_for(self, user, school) -> ApprovalRequestQuerySet:
        from .models import ApprovalTask

        tasks = ApprovalTask.objects.for_school(school).actionable_by(user, school).values("request_id")
        return self.filter(pk__in=tasks)

    def done_by(self, user, school) -> ApprovalRequestQuerySet:
        from .models import ApprovalTask

        tasks = ApprovalTask.objects.for_school(school).filter(acted_by=user).values("request_id")
        return self.filter(pk__in=tasks)

    def requested_by(self, user) -> ApprovalRequestQuerySet:
        return self.filter(requester=user)

    def involving(self, user, school) -> ApprovalRequestQuerySet:
        """Requests the user asked for, is or was an approver of, or stands in on."""
        from .models import ApprovalDelegation, ApprovalTask

        delegators = (
            ApprovalDelegation.objects.for_school(school).filter(delegate=user).values("delegator_id")
        )
        tasks = (
            ApprovalTask.objects.for_school(school)
            .filter(models.Q(approver=user) | models.Q(acted_by=user) | models.Q(approver__in=delegators))
            .values("request_id")
        )
        return self.filter(models.Q(requester=user) | models.Q(pk__in=tasks))

    def visible_to(self, user, school) -> ApprovalRequestQuerySet:
        qs = self.for_school(school)
        if user.has_perm("approvals.view_all_approvalrequest"):
            return qs
        return qs.involving(user, school)


class GeneralRequestQuerySet(SchoolScopedQuerySet):
    def visible_to(self, user, school) -> GeneralRequestQuerySet:
        from .models import ApprovalRequest

        qs = self.for_school(school)
        if user.has_perm("approvals.view_all_approvalrequest"):
            return qs
        approvals = (
            ApprovalRequest.objects.for_school(school)
            .filter(document_type="general_request")
            .involving(user, school)
            .values("target_id")
        )
        return qs.filter(models.Q(requester=user) | models.Q(pk__in=approvals))


ApprovalPolicyManager = SchoolScopedManager
ApprovalRequestManager = SchoolScopedManager.from_queryset(ApprovalRequestQuerySet)
ApprovalTaskManager = SchoolScopedManager.from_queryset(ApprovalTaskQuerySet)
ApprovalDelegationManager = SchoolScopedManager.from_queryset(ApprovalDelegationQuerySet)
GeneralRequestManager = SchoolScopedManager.from_queryset(GeneralRequestQuerySet)
