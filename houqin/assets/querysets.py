"""Chainable reads of the asset ledger: the only place with filter logic."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from houqin.core.pinyin import normalise_query
from houqin.core.querysets import SchoolScopedManager, SchoolScopedQuerySet
from houqin.org.querysets import SearchableQuerySet


class AssetCategoryQuerySet(SearchableQuerySet):
    def subtree(self, category, *, include_self: bool = True):
        qs = self.filter(path__startswith=category.path)
        return qs if include_self else qs.exclude(pk=category.pk)


class AssetQuerySet(SchoolScopedQuerySet):
    def active(self):
        """The active ledger: everything but disposed cards (DOMAIN.md: they stay in the books)."""
        from .choices import AssetStatus

        return self.exclude(status=AssetStatus.DISPOSED)

    def disposed(self):
        from .choices import AssetStatus

        return self.filter(status=AssetStatus.DISPOSED)

    def search(self, query: str):
        """Code (exact or prefix), serial number, or name / pinyin / spec / brand in ``search_text``."""
        q = normalise_query(query)
        if not q:
            return self
        return self.filter(
            Q(search_text__contains=q)
            | Q(code__iexact=q)
            | Q(code__istartswith=q)
            | Q(serial_number__iexact=q)
        )

    def in_location(self, location):
        """At the place or anywhere under it (a building holds its floors and rooms)."""
        return self.filter(location__path__startswith=location.path)

    def in_category(self, category):
        return self.filter(category__path__startswith=category.path)

    def bookable(self):
        return self.active().filter(is_bookable=True)

    def idle_since(self, since: dt.date):
        """Not used since ``since``: no loan and no use recorded after it (物尽其用)."""
        return self.active().filter(
            Q(last_used_on__lt=since) | Q(last_used_on__isnull=True, acquired_on__lt=since)
        )


class AssetLoanQuerySet(SchoolScopedQuerySet):
    def open(self):
        from .choices import LOAN_OPEN

        return self.filter(status__in=LOAN_OPEN)

    def overdue(self, now: dt.datetime | None = None):
        from .choices import LoanStatus

        return self.filter(status=LoanStatus.OUT, due_at__lt=now or timezone.now())

    def overlapping(self, starts_at: dt.datetime, due_at: dt.datetime):
        """Open loans and reservations whose period meets [starts_at, due_at)."""
        return self.open().filter(starts_at__lt=due_at, due_at__gt=starts_at)


AssetCategoryManager = SchoolScopedManager.from_queryset(AssetCategoryQuerySet)
AssetManager = SchoolScopedManager.from_queryset(AssetQuerySet)
AssetLoanManager = SchoolScopedManager.from_queryset(AssetLoanQuerySet)
