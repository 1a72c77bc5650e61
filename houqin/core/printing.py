"""Print-ready pages: A4 documents and label sheets (CSS ``@page``; the browser prints them).

* A4 documents extend ``print/base_a4.html`` and get their context from :func:`print_context`.
* Label sheets: build ``[Label(...)]`` and return :func:`render_labels` (``print/labels.html``).
* QR codes: :func:`qr_svg` — always ``segno.make_qr`` (a full QR code), never ``segno.make``, which
  may choose a Micro QR code that phone cameras cannot read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import segno
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Label:
    title: str  # e.g. the room's full name
    code: str = ""  # printed in bold under the title
    qr_data: str = ""  # what a phone reads: usually the absolute URL of the record's page
    subtitle: str = ""


@dataclass(frozen=True)
class LabelSize:
    key: str
    name: object
    width_mm: float
    height_mm: float
    columns: int = 1  # labels per row on one printed page (1 for label printers)
    rows: int = 1

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LABEL_SIZES: dict[str, LabelSize] = {
    s.key: s
    for s in (
        LabelSize("50x30", _("标签纸 50×30 mm（标签打印机）"), 50, 30),
        LabelSize("70x40", _("标签纸 70×40 mm（标签打印机）"), 70, 40),
        LabelSize("a4-3x8", _("A4 不干胶 3×8（每张 24 个，70×37 mm）"), 70, 37.125, columns=3, rows=8),
    )
}
DEFAULT_LABEL_SIZE = "50x30"


def label_size(key: str | None) -> LabelSize:
    return LABEL_SIZES.get(key or "", LABEL_SIZES[DEFAULT_LABEL_SIZE])


def qr_code(data: str) -> segno.QRCode:
    """A full QR code (never Micro QR), error correction at least M."""
    return segno.make_qr(data, error="m")


def qr_svg(data: str, *, scale: int = 4, border: int = 2) -> SafeString:
    """The QR code as inline ``<svg>`` with a viewBox only, so CSS sets its printed size."""
    return mark_safe(qr_code(data).svg_inline(scale=scale, border=border, omitsize=True, svgclass="qr"))  # noqa: S308 (segno's own SVG)


def print_context(request, *, title: str, document_number: str = "", landscape: bool = False) -> dict:
    """Context for templates extending ``print/base_a4.html``."""
    return {
        "title": title,
        "document_number": document_number,
        "landscape": landscape,
        "school": getattr(request, "school", None),
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }


def _pages(labels: Sequence[Label], per_page: int) -> list[list[tuple[Label, SafeString]]]:
    rendered = [(label, qr_svg(label.qr_data) if label.qr_data else SafeString("")) for label in labels]
    return [rendered[i : i + per_page] for i in range(0, len(rendered), per_page)]


def render_labels(
    request,
    labels: Sequence[Label],
    size: str | None,
    *,
    title: str,
    back_url: str = "",
    messages: Sequence[str] = (),
    hidden_fields: Sequence[tuple[str, str]] = (),
) -> TemplateResponse:
    """A label sheet: one QR code and text per label, laid out for ``size`` (a ``LABEL_SIZES`` key).

    ``hidden_fields`` are the list filters to keep when the user picks another label size.
    """
    chosen = label_size(size)
    return TemplateResponse(
        request,
        "print/labels.html",
        {
            **print_context(request, title=title),
            "size": chosen,
            "sizes": LABEL_SIZES.values(),
            "pages": _pages(labels, chosen.per_page),
            "count": len(labels),
            "back_url": back_url,
            "notices": list(messages),
            "hidden_fields": [(k, v) for k, v in hidden_fields if k != "size"],
        },
    )
