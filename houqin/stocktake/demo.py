"""A demo stocktake for 示范小学 (``manage.py seed_demo``): the term-end count of the 行政楼 under
way, so ``make run`` opens on a plan with progress, a count page to try on a phone, a card found in
the wrong room and an item with no card."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from houqin.assets.models import Asset
from houqin.org.models import Location

from . import services
from .models import Stocktake


@transaction.atomic
def load_demo(school) -> int:
    """Make the demo plan once; returns 1 when made, 0 when it exists or there are no cards."""
    if Stocktake.objects.for_school(school).exists():
        return 0
    building = Location.objects.for_school(school).filter(code="XZ").first()
    if building is None or not Asset.objects.for_school(school).in_location(building).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["zichan", "zongwu"])}
    rooms = {loc.code: loc for loc in Location.objects.for_school(school).filter(code__startswith="XZ")}
    clerk = users.get("zichan")
    stocktake = services.stocktake_create(
        actor=None,
        school=school,
        kind="term_end",
        title="行政楼期末盘点（示范）",
        deadline=timezone.localdate() + dt.timedelta(days=5),
        scope_location=building,
        note="各办公室保管人盘点本室资产；会议室、电脑室由资产管理员盘点。",
        counters={rooms[code].pk: clerk for code in ("XZ201", "XZ202") if code in rooms and clerk},
    )
    office = stocktake.locations.filter(location__code="XZ101").select_related("location").first()
    if office is None or office.counter is None:
        return 1
    counter = office.counter
    codes = list(office.lines.order_by("asset__code").values_list("asset__code", flat=True))
    for code in codes[:-1]:  # the last card of the office is still to be found
        services.stocktake_count(actor=counter, place=office, code=code)
    misplaced = (
        Asset.objects.for_school(school)
        .filter(location__code="XZ202")
        .order_by("code")
        .values_list("code", flat=True)
    ).first()
    if misplaced:  # a computer-room card carried into the logistics office
        services.stocktake_count(actor=counter, place=office, code=misplaced, note="从电脑室借来未还")
    services.stocktake_surplus_add(
        actor=counter,
        place=office,
        name="文件柜",
        spec_model="四门铁皮",
        quantity=1,
        unit="个",
        note="无标签",
    )
    return 1
