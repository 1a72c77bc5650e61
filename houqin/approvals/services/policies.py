"""Approval policies per document type: defaults, editing, and who approves a step."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.org.models import Department, Membership, Role, School

from .. import registry
from ..choices import (
    ApproverRule,
    StepKind,
    StepMode,
)
from ..models import (
    ApprovalPolicy,
    ApprovalPolicyStep,
)

User = get_user_model()

STEP_FIELDS = ["name", "kind", "rule", "role", "user", "min_amount", "mode"]
CENT = Decimal("0.01")


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(value).quantize(CENT)


# --- policies -------------------------------------------------------------------------------------


def _spec_to_step(school: School, spec: registry.StepSpec, roles: dict[str, Role]) -> dict[str, Any]:
    return {
        "name": str(spec.name),
        "kind": spec.kind,
        "rule": spec.rule,
        "role": roles.get(spec.role_code) if spec.rule == ApproverRule.ROLE else None,
        "user": None,
        "min_amount": spec.min_amount,
        "mode": spec.mode,
    }


@transaction.atomic
def approval_policy_seed(*, school: School, document_type: str, actor=None) -> ApprovalPolicy:
    """The school's policy for ``document_type``; created from the registered default if missing."""
    existing = ApprovalPolicy.objects.for_school(school).filter(document_type=document_type).first()
    if existing is not None:
        return existing
    doc_type = registry.document_type(document_type)
    roles = {r.code: r for r in Role.objects.for_school(school)}
    policy = ApprovalPolicy.objects.create(
        school=school,
        document_type=document_type,
        name=str(doc_type.label),
        created_by=actor,
        updated_by=actor,
    )
    ApprovalPolicyStep.objects.bulk_create(
        ApprovalPolicyStep(school=school, policy=policy, order=i, **_spec_to_step(school, spec, roles))
        for i, spec in enumerate(doc_type.default_steps, start=1)
    )
    audit.record(actor=actor, verb="created", target=policy, changes={"name": [None, policy.name]})
    return policy


@transaction.atomic
def approval_policy_seed_defaults(school: School, *, actor=None) -> list[ApprovalPolicy]:
    """Seed every registered document type's default policy for a school (idempotent).

    Call it when a school is created; submission also seeds a missing policy lazily.
    """
    return [
        approval_policy_seed(school=school, document_type=t.key, actor=actor)
        for t in registry.document_types()
    ]


def _clean_steps(school: School, steps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned, errors = [], []
    for i, raw in enumerate(steps, start=1):
        step = {k: raw.get(k) for k in STEP_FIELDS}
        step["name"] = (step["name"] or "").strip()
        step["kind"] = step["kind"] or StepKind.APPROVAL
        step["mode"] = step["mode"] or StepMode.ANY
        step["min_amount"] = _money(step["min_amount"])
        if not step["name"]:
            errors.append(_("第 %(n)d 步：请填写步骤名称。") % {"n": i})
        if step["rule"] not in ApproverRule.values:
            errors.append(_("第 %(n)d 步：请选择审批人。") % {"n": i})
        if step["rule"] == ApproverRule.ROLE:
            if step["role"] is None:
                errors.append(_("第 %(n)d 步：按角色审批时请选择角色。") % {"n": i})
            elif step["role"].school_id != school.pk:
                errors.append(_("第 %(n)d 步：角色不属于本校。") % {"n": i})
        else:
            step["role"] = None
        if step["rule"] == ApproverRule.USER:
            if step["user"] is None:
                errors.append(_("第 %(n)d 步：请选择指定人员。") % {"n": i})
            elif not Membership.objects.for_school(school).filter(user=step["user"], is_active=True).exists():
                errors.append(_("第 %(n)d 步：指定人员必须是本校在职教职工。") % {"n": i})
        else:
            step["user"] = None
        if step["min_amount"] is not None and step["min_amount"] < 0:
            errors.append(_("第 %(n)d 步：起始金额不能为负数。") % {"n": i})
        cleaned.append(step)
    if not cleaned:
        errors.append(_("审批流程至少要有一步。"))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _describe(steps: Iterable) -> list[str]:
    out = []
    for s in steps:
        get = s.get if isinstance(s, dict) else lambda k, s=s: getattr(s, k)
        amount = get("min_amount")
        role = get("role")
        user = get("user")
        who = role or user or ApproverRule(get("rule")).label
        text = f"{get('name')}: {who}"
        if amount is not None:
            text += f" (≥{amount})"
        if get("mode") == StepMode.ALL:
            text += f" [{StepMode.ALL.label}]"
        out.append(text)
    return out


@transaction.atomic
def approval_policy_update(
    *, actor, policy: ApprovalPolicy, steps: list[dict[str, Any]], name: str | None = None
) -> ApprovalPolicy:
    """Replace the policy's steps (in the given order). Running approvals keep their snapshot."""
    policy = ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
    cleaned = _clean_steps(policy.school, steps)
    before = _describe(policy.steps.select_related("role", "user"))
    after = _describe(cleaned)
    changes: dict[str, list[Any]] = {}
    if name is not None and name.strip() and name.strip() != policy.name:
        changes["name"] = [policy.name, name.strip()]
        policy.name = name.strip()
    if before != after:
        changes["steps"] = [before, after]
        policy.steps.all().delete()
        ApprovalPolicyStep.objects.bulk_create(
            ApprovalPolicyStep(
                school=policy.school, policy=policy, order=i, created_by=actor, updated_by=actor, **s
            )
            for i, s in enumerate(cleaned, start=1)
        )
    if not changes:
        return policy
    policy.version += 1
    policy.updated_by = actor
    policy.full_clean()
    policy.save()
    audit.record(actor=actor, verb="updated", target=policy, changes=changes)
    return policy


# --- resolving approvers --------------------------------------------------------------------------


def applicable_steps(policy_steps: Iterable, amount: Decimal | None) -> list:
    """DOMAIN.md: depth by value — a step with a threshold applies from that amount (≥ N yuan)."""
    value = amount or Decimal("0")
    return [s for s in policy_steps if s.min_amount is None or value >= s.min_amount]


def resolve_approvers(step, *, school: School, department: Department | None) -> list:
    """The people who may decide ``step`` now (active staff of the school), before self-exclusion."""
    members = Membership.objects.for_school(school).filter(is_active=True, user__is_active=True)
    if step.rule == ApproverRule.ROLE:
        if step.role_id is None:
            return []
        users = User.objects.filter(pk__in=members.filter(roles=step.role_id).values("user_id"))
        return list(users.order_by("id"))
    if step.rule in (ApproverRule.DEPARTMENT_HEAD, ApproverRule.DEPARTMENT_SUPERVISOR):
        if department is None:
            return []
        department = Department.objects.select_related("head", "supervisor").get(pk=department.pk)
        person = department.head if step.rule == ApproverRule.DEPARTMENT_HEAD else department.supervisor
        if person is None or not members.filter(user=person).exists():
            return []
        return [person]
    if step.rule == ApproverRule.USER:
        if step.user_id is None or not members.filter(user_id=step.user_id).exists():
            return []
        return [step.user]
    return []


def _no_approver_message(step) -> str:
    if step.rule == ApproverRule.DEPARTMENT_HEAD:
        return _("“%(step)s”找不到审批人：申请部门没有设置部门负责人。") % {"step": step.name}
    if step.rule == ApproverRule.DEPARTMENT_SUPERVISOR:
        return _("“%(step)s”找不到审批人：申请部门没有设置分管领导。") % {"step": step.name}
    if step.rule == ApproverRule.ROLE:
        return _("“%(step)s”找不到审批人：本校没有在职的“%(role)s”。") % {
            "step": step.name,
            "role": getattr(step, "role_name", "") or step.role or "—",
        }
    return _("“%(step)s”找不到审批人：指定人员不在职。") % {"step": step.name}
