"""Asset labels, scanning and the printable asset card (资产卡片).

The QR code on a label holds only the URL of the scan page and the asset code
(``https://<site>/assets/scan/?c=<code>``): nothing about the asset is readable from the label
without signing in, and the scan page looks the code up in the signed-in user's school only, so a
code of another school gets the same "not found" answer as a code that does not exist.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from django.conf import settings
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core.http import get_for_school, school_required
from houqin.core.printing import Label, print_context, qr_svg, render_labels

from .. import depreciation, services
from ..choices import AssetClass
from ..models import Asset

CODE_MAX = 40  # Asset.code max_length


def scan_url(request, code: str) -> str:
    """What a label's QR code holds: the absolute URL of the scan page and the code, nothing else."""
    return request.build_absolute_uri(reverse("assets:asset_scan")) + "?c=" + quote(code, safe="")


def _label_cap() -> int:
    return settings.HOUQIN.get("LABEL_CAP", 500)


def _ids(request) -> list[int]:
    ids: list[int] = []
    for value in request.GET.getlist("ids"):
        ids += [int(part) for part in value.replace("，", ",").split(",") if part.strip().isdigit()]
    return list(dict.fromkeys(ids))


def _filtered(request, assets):
    """The ledger list's filters (``houqin.assets.filters.AssetFilter``) when the ledger has them."""
    try:
        from ..filters import AssetFilter
    except ImportError:  # the ledger's filters are not there: every active card
        return assets.active()
    return AssetFilter(request.GET or None, queryset=assets, school=request.school).qs


@school_required("assets.view_asset")
def asset_labels(request):
    """Label sheet for ``?ids=1,2,3`` (cards ticked on the ledger) or for what the ledger's filters
    show: code (bold), name, school and place, and a QR code that opens the scan page."""
    cap = _label_cap()
    assets = Asset.objects.for_school(request.school).select_related("location")
    ids = _ids(request)
    rows_qs = assets.filter(pk__in=ids) if ids else _filtered(request, assets)
    rows = list(rows_qs.order_by("code", "pk")[: cap + 1])
    notices = []
    if len(rows) > cap:
        rows = rows[:cap]
        notices.append(
            _("资产超过 %(cap)s 个，只列出前 %(cap)s 个。请用筛选条件缩小范围后分批打印。") % {"cap": cap}
        )
    school_name = request.school.short_name or request.school.name
    labels = [
        Label(
            title=asset.name,
            code=asset.code,
            subtitle=" · ".join(
                part for part in (school_name, asset.location.full_name if asset.location else "") if part
            ),
            qr_data=scan_url(request, asset.code),
        )
        for asset in rows
    ]
    query = request.GET.copy()
    for key in ("size", "page", "export"):
        query.pop(key, None)
    if len(ids) == 1 and rows:
        back_url = rows[0].get_absolute_url()
    else:
        back_url = _ledger_url(query if not ids else None)
    return render_labels(
        request,
        labels,
        request.GET.get("size"),
        title=_("资产标签"),
        back_url=back_url,
        messages=notices,
        hidden_fields=[(key, value) for key, values in query.lists() for value in values],
    )


def _ledger_url(query=None) -> str:
    try:
        url = reverse("assets:asset_list")
    except NoReverseMatch:  # the ledger list is another area's page
        return ""
    return url + (f"?{query.urlencode()}" if query else "")


def code_from(raw: str) -> str:
    """The asset code in what was typed or scanned: a bare code, or a scan URL (``…/scan/?c=…``)."""
    raw = (raw or "").strip()
    if "?" in raw and ("://" in raw or raw.startswith("/")):
        values = parse_qs(urlsplit(raw).query).get("c")
        if values:
            raw = values[0].strip()
    return raw[:CODE_MAX]


@school_required("assets.view_asset")
def asset_scan(request):
    """A scanned label (``?c=<code>``) opens the asset's page, which shows what the user may do
    (report a fault, borrow, check). Signed-out users log in first and come back here.

    Unknown here — whether absent or another school's — gets one answer, and the box to type a code;
    the page with no code is the landing page of the camera scanner and of a typed code.
    """
    raw = request.GET.get("c", "")
    code = code_from(raw)
    if code:
        assets = Asset.objects.for_school(request.school)
        asset = assets.filter(code=code).first() or assets.filter(code__iexact=code).order_by("pk").first()
        if asset is not None:
            return redirect(asset.get_absolute_url())
    return TemplateResponse(
        request,
        "assets/asset_scan.html",
        {"code": code, "not_found": bool(code), "ledger_url": _ledger_url()},
    )


@school_required("assets.view_asset")
def asset_print(request, pk):
    """资产卡片 on A4: every field, custom fields, classification, net value today, the depreciation
    schedule, a QR code of the scan URL, and signature lines for the custodian and the asset clerk."""
    asset = get_for_school(
        Asset.objects.select_related("category", "location", "department", "custodian"), request, pk=pk
    )
    today = timezone.localdate()
    rules = services.rules_for_category(asset.category)
    fixed = asset.asset_class == AssetClass.FIXED
    life = rules.life_years if fixed else None
    net = services.asset_net_value(asset, as_of=today, rules=rules)
    schedule = depreciation.schedule(
        value=asset.total_value, life_years=life, acquired_on=asset.acquired_on, disposed_on=asset.disposed_on
    )
    monthly = (asset.total_value / (life * 12)).quantize(depreciation.CENT) if life else None
    last_month = None
    if life:
        index = asset.acquired_on.year * 12 + asset.acquired_on.month - 1 + life * 12 - 1
        last_month = f"{index // 12}-{index % 12 + 1:02d}"
    custom = [
        (field.label, asset.custom_fields.get(field.key, ""))
        for field in services.custom_fields_for(asset.category)
        if asset.custom_fields.get(field.key) not in (None, "")
    ]
    context = {
        **print_context(request, title=_("资产卡片"), document_number=asset.code),
        "asset": asset,
        "today": today,
        "rules": rules,
        "life": life,
        "fixed": fixed,
        "net_value": net,
        "accumulated": (asset.total_value - net).quantize(depreciation.CENT),
        "monthly": monthly,
        "last_month": last_month,
        "schedule": schedule if len(schedule) <= 16 else [],
        "schedule_rows": len(schedule),
        "custom": custom,
        "qr": qr_svg(scan_url(request, asset.code)),
        "back_url": asset.get_absolute_url(),
    }
    return TemplateResponse(request, "print/asset_card.html", context)
