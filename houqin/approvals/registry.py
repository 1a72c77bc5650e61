"""Document types that go through approval, registered in code by the modules that own them.

A module registers its type in ``AppConfig.ready()``::

    from houqin.approvals.registry import register_document_type
    register_document_type("procurement_request", _("请购"), services.procurement_request_on_decision)

``on_decision(approval, outcome)`` is the document's own service function. The approvals services
call it explicitly, inside their transaction, when a round finishes: ``outcome`` is one of
``choices.Outcome`` (approved, rejected, returned, withdrawn); ``approval.decided_by`` is who made the
final decision and ``approval.target`` the document. No signals.

``default_steps`` is the policy a school starts with (``services.approval_policy_seed_defaults``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from .choices import ApproverRule, StepKind, StepMode


@dataclass(frozen=True)
class StepSpec:
    name: Any
    rule: str
    role_code: str = ""
    min_amount: Decimal | None = None
    mode: str = StepMode.ANY
    kind: str = StepKind.APPROVAL


@dataclass(frozen=True)
class DocumentType:
    key: str
    label: Any
    on_decision: Callable[[Any, str], None] | None = None
    default_steps: tuple[StepSpec, ...] = field(default_factory=tuple)


# DOMAIN.md, "Procurement and finance": department head; + school affairs office; + principal
# from 5,000 yuan; + collective decision record (三重一大) from 50,000 yuan.
PROCUREMENT_DEFAULT = (
    StepSpec(_("部门负责人审批"), ApproverRule.DEPARTMENT_HEAD),
    StepSpec(_("校务办审核"), ApproverRule.ROLE, "school_affairs"),
    StepSpec(_("校长审批"), ApproverRule.ROLE, "principal", Decimal("5000.00")),
    StepSpec(
        _("集体决策（三重一大）"),
        ApproverRule.ROLE,
        "principal",
        Decimal("50000.00"),
        kind=StepKind.COLLECTIVE,
    ),
)

DEFAULT_STEPS: dict[str, tuple[StepSpec, ...]] = {
    "procurement_request": PROCUREMENT_DEFAULT,
    "consumables_requisition": (StepSpec(_("部门负责人审批"), ApproverRule.DEPARTMENT_HEAD),),
    "asset_disposal": (
        StepSpec(_("总务主任审核"), ApproverRule.ROLE, "logistics_director"),
        StepSpec(_("校长审批"), ApproverRule.ROLE, "principal"),
    ),
    "stocktake_adjustment": (
        StepSpec(_("总务主任审核"), ApproverRule.ROLE, "logistics_director"),
        StepSpec(_("校长审批"), ApproverRule.ROLE, "principal"),
    ),
    "budget_adjustment": (
        StepSpec(_("会计审核"), ApproverRule.ROLE, "finance"),
        StepSpec(_("校长审批"), ApproverRule.ROLE, "principal"),
    ),
    "hospitality_expense": (StepSpec(_("校长审批"), ApproverRule.ROLE, "principal"),),
    "general_request": PROCUREMENT_DEFAULT,
}

_types: dict[str, DocumentType] = {}


def register_document_type(
    key: str,
    label,
    on_decision: Callable[[Any, str], None] | None = None,
    *,
    default_steps: tuple[StepSpec, ...] | None = None,
) -> DocumentType:
    """Register (or replace: the owning module replaces the seeded placeholder) a document type."""
    previous = _types.get(key)
    steps = default_steps if default_steps is not None else DEFAULT_STEPS.get(key, ())
    if not steps and previous is not None:
        steps = previous.default_steps
    doc_type = DocumentType(key=key, label=label, on_decision=on_decision, default_steps=tuple(steps))
    _types[key] = doc_type
    return doc_type


def document_type(key: str) -> DocumentType:
    return _types[key]


def document_types() -> list[DocumentType]:
    return list(_types.values())


def document_type_label(key: str) -> str:
    doc_type = _types.get(key)
    return str(doc_type.label) if doc_type else key


def register_seed_types() -> None:
    """The keys of issue 3. Modules replace the placeholders with their own ``on_decision``."""
    seeds = {
        "procurement_request": _("请购"),
        "consumables_requisition": _("领用"),
        "asset_disposal": _("资产处置"),
        "stocktake_adjustment": _("盘点调整"),
        "budget_adjustment": _("预算调整"),
        "hospitality_expense": _("业务招待"),
    }
    for key, label in seeds.items():
        if key not in _types:
            register_document_type(key, label)
