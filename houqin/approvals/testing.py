"""Sample objects for make_school() (houqin/core/testing.py), so the tenancy sweep reaches this app.

One of each school-owned model, made through the services, with the world's tag in its name:
the default policies (and their steps), a submitted 事项申请 (its approval, steps and task) and
a delegation. The world's department gets the logistics director as its head (without an audit
event), so the department-head step has someone to ask.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone


def add_samples(world) -> None:
    from houqin.org.models import Department

    from . import services
    from .models import ApprovalPolicy

    school = world.school
    tag = world.school.code.removeprefix("school-")
    services.approval_policy_seed_defaults(school)
    ApprovalPolicy.objects.filter(school=school, document_type="general_request").update(
        name=f"事项申请{tag}"
    )
    Department.objects.filter(pk=world.department.pk).update(head=world.user("logistics_director"))
    world.department.head = world.user("logistics_director")
    teacher = world.user("teacher")
    request = services.general_request_create(
        actor=teacher,
        school=school,
        title=f"购买教具{tag}",
        amount=Decimal("800.00"),
        department=world.department,
    )
    services.general_request_submit(actor=teacher, general_request=request)
    today = timezone.localdate()
    services.approval_delegation_create(
        actor=world.user("principal"),
        school=school,
        delegator=world.user("principal"),
        delegate=world.user("supervising_leader"),
        start_date=today + dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=31),
        reason=f"外出学习{tag}",
    )
