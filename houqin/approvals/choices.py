"""Statuses, transitions and step settings of approvals (DOMAIN.md: approval chain by amount)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApproverRule(models.TextChoices):
    ROLE = "role", _("本校角色")
    DEPARTMENT_HEAD = "department_head", _("申请部门负责人")
    DEPARTMENT_SUPERVISOR = "department_supervisor", _("申请部门分管领导")
    USER = "user", _("指定人员")


class StepMode(models.TextChoices):
    ANY = "any", _("任一人同意")
    ALL = "all", _("全部同意")


class StepKind(models.TextChoices):
    APPROVAL = "approval", _("审批")
    COLLECTIVE = "collective", _("集体决策（三重一大）")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("已退回修改")
    WITHDRAWN = "withdrawn", _("已撤回")


# from -> allowed targets. PENDING -> PENDING is a step moving on inside one round; RETURNED and
# WITHDRAWN go back to PENDING when the requester submits again (a new round, a fresh snapshot).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    ApprovalStatus.PENDING: {
        ApprovalStatus.PENDING,
        ApprovalStatus.APPROVED,
        ApprovalStatus.REJECTED,
        ApprovalStatus.RETURNED,
        ApprovalStatus.WITHDRAWN,
    },
    ApprovalStatus.RETURNED: {ApprovalStatus.PENDING},
    ApprovalStatus.WITHDRAWN: {ApprovalStatus.PENDING},
    ApprovalStatus.APPROVED: set(),
    ApprovalStatus.REJECTED: set(),
}
OPEN = {ApprovalStatus.PENDING}
CLOSED = {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}
RESUBMITTABLE = {ApprovalStatus.RETURNED, ApprovalStatus.WITHDRAWN}


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("未开始")
    CURRENT = "current", _("进行中")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("已退回")
    SKIPPED = "skipped", _("已跳过")
    CANCELLED = "cancelled", _("已取消")


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("驳回")
    RETURNED = "returned", _("退回修改")
    CANCELLED = "cancelled", _("无需处理")


DECIDED_TASK = {TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED}


class Outcome(models.TextChoices):
    """What the document learns through its ``on_decision(approval, outcome)``."""

    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("已退回修改")
    WITHDRAWN = "withdrawn", _("已撤回")


class Action(models.TextChoices):
    APPROVE = "approve", _("同意")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("驳回")
    WITHDRAW = "withdraw", _("撤回")
    COMMENT = "comment", _("发表意见")


class GeneralRequestStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("已退回修改")
    WITHDRAWN = "withdrawn", _("已撤回")


GENERAL_REQUEST_TRANSITIONS: dict[str, set[str]] = {
    GeneralRequestStatus.DRAFT: {GeneralRequestStatus.SUBMITTED},
    GeneralRequestStatus.SUBMITTED: {
        GeneralRequestStatus.APPROVED,
        GeneralRequestStatus.REJECTED,
        GeneralRequestStatus.RETURNED,
        GeneralRequestStatus.WITHDRAWN,
    },
    GeneralRequestStatus.RETURNED: {GeneralRequestStatus.SUBMITTED},
    GeneralRequestStatus.WITHDRAWN: {GeneralRequestStatus.SUBMITTED},
    GeneralRequestStatus.APPROVED: set(),
    GeneralRequestStatus.REJECTED: set(),
}
GENERAL_REQUEST_EDITABLE = {
    GeneralRequestStatus.DRAFT,
    GeneralRequestStatus.RETURNED,
    GeneralRequestStatus.WITHDRAWN,
}

STATUS_COLOURS = {
    "draft": "secondary",
    "pending": "warning",
    "submitted": "warning",
    "approved": "success",
    "rejected": "danger",
    "returned": "info",
    "withdrawn": "secondary",
}
