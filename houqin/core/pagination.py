"""Server-side pagination whose count stops at a cap (shown as "1000+")."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet


@dataclass
class Page:
    object_list: list
    number: int
    per_page: int
    count: int
    capped: bool
    has_next: bool
    query_string: str

    @property
    def count_display(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def num_pages(self) -> int | None:
        return None if self.capped else max(1, -(-self.count // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    def url_for(self, number: int) -> str:
        return "?" + (self.query_string + "&" if self.query_string else "") + urlencode({"page": number})

    @property
    def previous_url(self) -> str:
        return self.url_for(self.number - 1)

    @property
    def next_url(self) -> str:
        return self.url_for(self.number + 1)


def paginate(request, queryset: QuerySet, *, per_page: int | None = None) -> Page:
    """Two queries whatever the table size: a capped count and the page itself."""
    per_page = per_page or settings.HOUQIN["PAGE_SIZE"]
    cap = settings.HOUQIN["COUNT_CAP"]
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    count = queryset.order_by().values("pk")[: cap + 1].count()
    capped = count > cap
    count = min(count, cap)
    if not capped:
        number = min(number, max(1, -(-count // per_page)))
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    params = request.GET.copy()
    params.pop("page", None)
    return Page(
        object_list=rows[:per_page],
        number=number,
        per_page=per_page,
        count=count,
        capped=capped,
        has_next=len(rows) > per_page,
        query_string=params.urlencode(),
    )
