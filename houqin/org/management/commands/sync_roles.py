"""Give every school's system roles the default grants of modules added since (run after migrate)."""

from django.core.management.base import BaseCommand

from houqin.core import registry
from houqin.org.models import School
from houqin.org.services import role_seed_defaults


class Command(BaseCommand):
    help = (
        "After an upgrade: create missing default roles, give system roles the default grants they "
        "have never had (a grant an admin removed stays removed) and run the modules' school set-up "
        "(e.g. default approval policies). Safe to run any number of times."
    )

    def handle(self, *args, **options):
        schools = School.objects.filter(is_active=True).order_by("pk")
        for school in schools:
            role_seed_defaults(school=school, actor=None)
            registry.setup_school(school, actor=None)
        self.stdout.write(f"Roles and defaults in sync for {schools.count()} school(s).")
