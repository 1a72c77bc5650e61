"""Helpers shared by the damage and disposal tests (no tests here)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from houqin.approvals import services as approval_services
from houqin.approvals.models import ApprovalRequest
from houqin.assets import services
from houqin.assets.models import AssetCategory
from houqin.core.models import AuditEvent
from houqin.core.permissions import attach_school_context


def member(world, role: str):
    """The world's member of ``role``, acting in the world's school (as the middleware would)."""
    user = world.user(role)
    attach_school_context(SimpleNamespace(), user, world.school.pk)
    return user


def photo(name: str = "damage.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def make_asset(world, code: str, price: str, *, quantity: int = 1, category: str = "301", **extra):
    return services.asset_create(
        actor=None,
        school=world.school,
        code=code,
        name=f"资产{code}",
        category=AssetCategory.objects.get(school=world.school, code=category),
        quantity=quantity,
        unit="台",
        unit_price=Decimal(price),
        acquired_on=extra.pop("acquired_on", dt.date(2022, 9, 1)),
        location=world.room,
        department=world.department,
        **extra,
    )


def report(world, asset=None, *, role: str = "teacher", photos=(), description: str = "屏幕碎了"):
    return services.asset_damage_report(
        actor=member(world, role),
        school=world.school,
        asset=asset or world.asset,
        description=description,
        photos=photos,
    )


def events(obj, verb: str | None = None):
    qs = AuditEvent.objects.for_school(obj.school).for_target(obj)
    return qs.filter(verb=verb) if verb else qs


def approval_of(obj, document_type: str) -> ApprovalRequest:
    return ApprovalRequest.objects.get(document_type=document_type, target_id=obj.pk)


def decide(world, approval, role: str, action: str = "approve", **kwargs):
    """The approver of ``role`` decides through the real approvals services."""
    approval.refresh_from_db()
    func = {
        "approve": approval_services.approval_approve,
        "reject": approval_services.approval_reject,
        "return": approval_services.approval_return,
    }[action]
    return func(actor=world.user(role), approval=approval, version=approval.version, **kwargs)


def fresh(obj):
    obj.refresh_from_db()
    return obj
