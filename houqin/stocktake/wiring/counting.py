"""Start-up registrations of the stocktake's counting step: who may see and add the photos of a
counted card (a damaged one) and of an unknown item (盘盈), and the 盘点 button on an asset card
(a counter who scans a label with the phone's own camera lands on the card, and goes on from there
to count it)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy


def _count_action(asset, user):
    """去盘点: the card is expected in a location the user counts, in a plan still counting. One
    query."""
    from houqin.assets.actions import AssetAction

    from ..choices import StocktakeStatus
    from ..models import StocktakeLine

    if not (user and user.is_authenticated):
        return []
    lines = StocktakeLine.objects.filter(
        school_id=asset.school_id,
        asset=asset,
        stocktake__status=StocktakeStatus.COUNTING,
        place__isnull=False,
    )
    if not user.has_perm("stocktake.change_stocktake"):
        lines = lines.filter(place__counter=user)
    place_id = lines.order_by("-stocktake_id").values_list("place_id", flat=True).first()
    if place_id is None:
        return []
    url = reverse("stocktake:stocktakelocation_detail", args=[place_id]) + "?" + urlencode({"q": asset.code})
    label = gettext_lazy("盘点")
    return [AssetAction("stocktake_count", label, url, "clipboard-check", "outline-success", 15)]


def can_view_line_photos(user, line) -> bool:
    from ..permissions import can_view_location

    return any(place is not None and can_view_location(user, place) for place in (line.found_in, line.place))


def can_change_line_photos(user, line) -> bool:
    """While the plan is counting: whoever may count where the card was found."""
    from ..permissions import can_count_location

    place = line.found_in
    return (
        line.is_counted
        and place is not None
        and line.stocktake.is_counting
        and can_count_location(user, place)
    )


def can_view_surplus_photos(user, surplus) -> bool:
    from ..permissions import can_view_location

    return can_view_location(user, surplus.place)


def can_change_surplus_photos(user, surplus) -> bool:
    from ..permissions import can_count_location

    return not surplus.withdrawn and surplus.stocktake.is_counting and can_count_location(user, surplus.place)


def ready() -> None:
    from houqin.assets.actions import register_asset_action
    from houqin.core.attachments import register_attachment_rule

    register_asset_action(_count_action)

    from ..models import StocktakeLine, StocktakeSurplus

    register_attachment_rule(StocktakeLine, can_view=can_view_line_photos, can_change=can_change_line_photos)
    register_attachment_rule(
        StocktakeSurplus, can_view=can_view_surplus_photos, can_change=can_change_surplus_photos
    )
