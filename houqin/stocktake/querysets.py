"""Chainable reads of stocktakes: the only place with filter logic."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from houqin.core.querysets import SchoolScopedManager, SchoolScopedQuerySet


class StocktakeQuerySet(SchoolScopedQuerySet):
    def open(self):
        from .choices import STOCKTAKE_OPEN

        return self.filter(status__in=STOCKTAKE_OPEN)

    def counted_by(self, user):
        """Plans in which ``user`` counts at least one location (我的盘点任务)."""
        from .models import StocktakeLocation

        return self.filter(Exists(StocktakeLocation.objects.filter(stocktake=OuterRef("pk"), counter=user)))


class StocktakeLocationQuerySet(SchoolScopedQuerySet):
    def with_progress(self):
        """``counted`` (expected cards counted anywhere), ``found_here`` (cards counted in this place,
        expected here or not) and ``surplus_count``, as three correlated subqueries in the same
        query as the locations (joins would multiply a big room's rows by each other)."""
        from .models import StocktakeLine, StocktakeSurplus

        def count_of(queryset):
            return Coalesce(
                Subquery(queryset.order_by().values("stocktake").annotate(n=Count("pk")).values("n")[:1]),
                0,
            )

        return self.annotate(
            counted=count_of(StocktakeLine.objects.filter(place=OuterRef("pk"), counted_at__isnull=False)),
            found_here=count_of(StocktakeLine.objects.filter(found_in=OuterRef("pk"))),
            surplus_count=count_of(StocktakeSurplus.objects.filter(place=OuterRef("pk"), withdrawn=False)),
        )

    def unfinished(self):
        return self.filter(finished_at__isnull=True)


class StocktakeLineQuerySet(SchoolScopedQuerySet):
    def counted(self):
        return self.filter(counted_at__isnull=False)

    def uncounted(self):
        return self.filter(counted_at__isnull=True)

    def problems(self):
        from .choices import LINE_PROBLEMS

        return self.filter(result__in=LINE_PROBLEMS)

    def progress(self) -> dict[str, int]:
        """Expected and counted over these lines, one aggregate query."""
        totals = self.filter(expected=True).aggregate(
            expected=Count("pk"),
            counted=Count("pk", filter=Q(counted_at__isnull=False)),
            quantity=Coalesce(Sum("expected_quantity"), 0),
        )
        return totals


StocktakeManager = SchoolScopedManager.from_queryset(StocktakeQuerySet)
StocktakeLocationManager = SchoolScopedManager.from_queryset(StocktakeLocationQuerySet)
StocktakeLineManager = SchoolScopedManager.from_queryset(StocktakeLineQuerySet)
