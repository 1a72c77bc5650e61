"""Approval policies (what a school requires per document type) and running approvals (snapshots)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from houqin.core.models import SchoolScopedModel

from .choices import (
    ApprovalStatus,
    ApproverRule,
    GeneralRequestStatus,
    StepKind,
    StepMode,
    StepStatus,
    TaskStatus,
)
from .querysets import (
    ApprovalDelegationManager,
    ApprovalPolicyManager,
    ApprovalRequestManager,
    ApprovalTaskManager,
    GeneralRequestManager,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class StepRuleFields(models.Model):
    """What a step is: shared by the policy's steps and the snapshot taken at submission."""

    name = models.CharField(_("步骤名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=20, choices=StepKind.choices, default=StepKind.APPROVAL)
    rule = models.CharField(_("审批人"), max_length=30, choices=ApproverRule.choices)
    role = models.ForeignKey(
        "org.Role", verbose_name=_("角色"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    min_amount = models.DecimalField(
        _("起始金额(元)"),
        null=True,
        blank=True,
        help_text=_("金额达到此数时才需要这一步；留空表示总是需要。"),
        **MONEY,
    )
    mode = models.CharField(_("方式"), max_length=10, choices=StepMode.choices, default=StepMode.ANY)

    class Meta:
        abstract = True

    def approver_label(self) -> str:
        if self.rule == ApproverRule.ROLE:
            return str(self.role or "—")
        if self.rule == ApproverRule.USER:
            return str(self.user or "—")
        return str(ApproverRule(self.rule).label)


class ApprovalPolicy(SchoolScopedModel):
    """审批流程: the ordered steps one document type needs in this school."""

    document_type = models.CharField(_("单据类型"), max_length=50)
    name = models.CharField(_("流程名称"), max_length=100)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = ApprovalPolicyManager()

    class Meta:
        verbose_name = _("审批流程")
        verbose_name_plural = _("审批流程")
        ordering = ["document_type"]
        constraints = [
            models.UniqueConstraint(fields=["school", "document_type"], name="approvalpolicy_unique_type")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("approvals:approvalpolicy_detail", args=[self.pk])

    @property
    def document_type_label(self) -> str:
        from .registry import document_type_label

        return document_type_label(self.document_type)


class ApprovalPolicyStep(SchoolScopedModel, StepRuleFields):
    policy = models.ForeignKey(
        ApprovalPolicy, verbose_name=_("审批流程"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("流程步骤")
        verbose_name_plural = _("流程步骤")
        ordering = ["policy", "order", "id"]

    def __str__(self) -> str:
        return f"{self.policy} · {self.name}"


class ApprovalRequest(SchoolScopedModel):
    """One document's approval. ``round`` grows when the requester submits again after a return."""

    document_type = models.CharField(_("单据类型"), max_length=50)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    title = models.CharField(_("标题"), max_length=200)
    amount = models.DecimalField(_("金额(元)"), null=True, blank=True, **MONEY)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("申请部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    policy = models.ForeignKey(
        ApprovalPolicy, verbose_name=_("审批流程"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    policy_version = models.PositiveIntegerField(_("流程版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    current_step = models.ForeignKey(
        "ApprovalStep",
        verbose_name=_("当前步骤"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最终处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ApprovalRequestManager()

    class Meta:
        verbose_name = _("审批")
        verbose_name_plural = _("审批")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"], name="approvalrequest_one_per_document"
            )
        ]
        indexes = [
            models.Index(fields=["school", "status", "-submitted_at"]),
            models.Index(fields=["school", "requester", "-submitted_at"]),
            models.Index(fields=["school", "document_type", "status"]),
        ]
        permissions = [("view_all_approvalrequest", _("查看全校审批"))]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("approvals:approvalrequest_detail", args=[self.pk])

    @property
    def document_type_label(self) -> str:
        from .registry import document_type_label

        return document_type_label(self.document_type)

    @property
    def is_open(self) -> bool:
        return self.status == ApprovalStatus.PENDING


class ApprovalStep(SchoolScopedModel, StepRuleFields):
    """A step as it was when the round was submitted: later policy edits do not change it."""

    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("审批"), on_delete=models.CASCADE, related_name="steps"
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    order = models.PositiveSmallIntegerField(_("顺序"))
    role_name = models.CharField(_("角色名称"), max_length=50, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=StepStatus.choices, default=StepStatus.WAITING
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        ordering = ["request", "round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["request", "round", "order"], name="approvalstep_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.name}"

    def approver_label(self) -> str:
        if self.rule == ApproverRule.ROLE:
            return self.role_name or "—"
        return super().approver_label()


class ApprovalTask(SchoolScopedModel):
    """One approver's part in a step: created when the step becomes current."""

    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("审批"), on_delete=models.CASCADE, related_name="tasks"
    )
    step = models.ForeignKey(
        ApprovalStep, verbose_name=_("步骤"), on_delete=models.CASCADE, related_name="tasks"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("代理审批时是代理人。"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    meeting_record = models.TextField(_("集体决策记录"), blank=True)

    objects = ApprovalTaskManager()

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["step__round", "step__order", "id"]
        indexes = [
            models.Index(fields=["school", "approver", "status"]),
            models.Index(fields=["school", "acted_by"]),
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.approver}"

    @property
    def by_delegate(self) -> bool:
        return bool(self.acted_by_id and self.acted_by_id != self.approver_id)


class ApprovalComment(SchoolScopedModel):
    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("审批"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发表人"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    text = models.TextField(_("意见"))

    class Meta:
        verbose_name = _("审批意见")
        verbose_name_plural = _("审批意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:30]}"


class ApprovalDelegation(SchoolScopedModel):
    """代理审批: while A is away, B may act on A's pending approvals from start to end date."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委托人"), on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("代理人"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = ApprovalDelegationManager()

    class Meta:
        verbose_name = _("代理审批")
        verbose_name_plural = _("代理审批")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["school", "delegate", "is_active", "start_date"]),
            models.Index(fields=["school", "delegator", "is_active", "start_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.start_date}–{self.end_date})"

    def get_absolute_url(self) -> str:
        return reverse("approvals:approvaldelegation_list")


class GeneralRequest(SchoolScopedModel):
    """事项申请: a plain request that goes through the school's approval chain."""

    number = models.CharField(_("编号"), max_length=30, blank=True)
    title = models.CharField(_("事项"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    amount = models.DecimalField(
        _("金额(元)"), null=True, blank=True, help_text=_("涉及经费时填写，决定审批层级。"), **MONEY
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("申请部门"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=GeneralRequestStatus.choices, default=GeneralRequestStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = GeneralRequestManager()

    class Meta:
        verbose_name = _("事项申请")
        verbose_name_plural = _("事项申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "requester", "-created_at"]),
            models.Index(fields=["school", "status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("approvals:generalrequest_detail", args=[self.pk])
