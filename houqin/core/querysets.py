"""Base querysets. Every school-owned read starts from ``.for_school(school)``."""

from __future__ import annotations

from django.db import models


class SchoolScopedQuerySet(models.QuerySet):
    def for_school(self, school) -> SchoolScopedQuerySet:
        if school is None:
            return self.none()
        return self.filter(school=school)


class SchoolScopedManager(models.Manager.from_queryset(SchoolScopedQuerySet)):
    """Default manager of every school-owned model.

    It does not filter by itself (migrations, admin and services need the whole table), but the
    tenancy sweep test and code review hold views and API views to ``for_school(request.school)``.
    """
