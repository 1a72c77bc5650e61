from __future__ import annotations

from django.db.models import Q

from houqin.core.pinyin import normalise_query
from houqin.core.querysets import SchoolScopedManager, SchoolScopedQuerySet


class SearchableQuerySet(SchoolScopedQuerySet):
    def search(self, query: str):
        """Match the name, full pinyin or pinyin initials (``search_text``), or the code."""
        q = normalise_query(query)
        if not q:
            return self
        condition = Q(search_text__contains=q)
        if hasattr(self.model, "code"):
            condition |= Q(code__iexact=q)
        return self.filter(condition)

    def active(self):
        return self.filter(is_active=True)


class LocationQuerySet(SearchableQuerySet):
    def subtree(self, location, *, include_self: bool = True):
        qs = self.filter(path__startswith=location.path)
        return qs if include_self else qs.exclude(pk=location.pk)

    def rooms(self):
        from .choices import LocationKind

        return self.filter(kind=LocationKind.ROOM)

    def without_custodian(self):
        return self.filter(custodian__isnull=True)


class MembershipQuerySet(SchoolScopedQuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)

    def search(self, query: str):
        q = normalise_query(query)
        if not q:
            return self
        return self.filter(
            Q(user__search_text__contains=q)
            | Q(user__username__iexact=q)
            | Q(user__mobile=q)
            | Q(employee_no__iexact=q)
        )

    def with_role(self, code: str):
        return self.filter(roles__code=code)


LocationManager = SchoolScopedManager.from_queryset(LocationQuerySet)
SearchableManager = SchoolScopedManager.from_queryset(SearchableQuerySet)
MembershipManager = SchoolScopedManager.from_queryset(MembershipQuerySet)
