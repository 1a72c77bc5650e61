"""Create a school (with its default roles) and its first administrator, for a real deployment."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from houqin.org import services
from houqin.org.choices import SchoolKind
from houqin.org.models import EducationDistrict, Role


class Command(BaseCommand):
    help = "Create a school, seed its default roles and add its first school administrator."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="学校名称, e.g. 第一实验小学")
        parser.add_argument("--code", required=True, help="unique school code (letters, digits, -)")
        parser.add_argument("--kind", default=SchoolKind.PRIMARY, choices=SchoolKind.values)
        parser.add_argument("--district", help="code of an existing education district (optional)")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-name", required=True, help="the administrator's name, e.g. 张老师")
        parser.add_argument("--admin-password", required=True)

    @transaction.atomic
    def handle(self, *args, **opts):
        district = None
        if opts["district"]:
            district = EducationDistrict.objects.filter(code=opts["district"]).first()
            if district is None:
                raise CommandError(f"No education district with code {opts['district']!r}.")
        try:
            school = services.school_create(
                actor=None, name=opts["name"], code=opts["code"], kind=opts["kind"], district=district
            )
            services.membership_create(
                actor=None,
                school=school,
                username=opts["admin_username"],
                display_name=opts["admin_name"],
                password=opts["admin_password"],
                roles=[Role.objects.get(school=school, code="school_admin")],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created {school.name} ({school.code}); admin: {opts['admin_username']}")
        )
