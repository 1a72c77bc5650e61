"""Printable pages of the organisation: room labels with a QR code that opens the room's page."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from houqin.core.http import school_required
from houqin.core.printing import Label, render_labels

from .filters import LocationFilter
from .models import Location


def _label_cap() -> int:
    return settings.HOUQIN.get("LABEL_CAP", 500)


@school_required("org.view_location")
def location_labels(request):
    """Labels for the places of the location list (same filters): full name, code and a QR code
    with the absolute URL of the place's page, so a phone scan opens it (stocktake, repairs)."""
    cap = _label_cap()
    locations = Location.objects.for_school(request.school).select_related("campus")
    filterset = LocationFilter(request.GET or None, queryset=locations, school=request.school)
    rows = list(filterset.qs.order_by("full_name", "pk")[: cap + 1])
    notices = []
    if len(rows) > cap:
        rows = rows[:cap]
        notices.append(
            _("位置超过 %(cap)s 个，只列出前 %(cap)s 个。请用筛选条件缩小范围后分批打印。") % {"cap": cap}
        )
    labels = [
        Label(
            title=location.full_name or location.name,
            code=location.code,
            qr_data=request.build_absolute_uri(location.get_absolute_url()),
        )
        for location in rows
    ]
    query = request.GET.copy()
    query.pop("size", None)
    query.pop("page", None)
    back_url = reverse("org:location_list") + (f"?{query.urlencode()}" if query else "")
    return render_labels(
        request,
        labels,
        request.GET.get("size"),
        title=_("位置标签"),
        back_url=back_url,
        messages=notices,
        hidden_fields=[(key, value) for key, values in query.lists() for value in values],
    )
