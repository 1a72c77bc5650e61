"""Excel import pages for places, staff and classes (one template: ``core/import.html``).

The flow, with nothing kept on the server between requests:

* GET shows what the file must contain and a link to the template.
* POST (the 检查并导入 button, sent by htmx so the chosen file stays in the file input) checks
  the whole file; a clean file is imported through the services and the user is sent to the list
  ("已导入 N 行"); otherwise every error is listed and nothing is imported.
* POST ``?errors=xlsx`` (the 下载带错误标注的文件 button, a plain form submission of the same
  form and the same file) checks the file again, as a dry run, and answers with the uploaded sheet
  plus an "错误" column. Re-sending the file costs one upload but needs no temporary storage of
  personal data, works with several server processes and cannot serve one user's file to another.
  Without JavaScript the page re-renders and the user picks the file again for the download.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from houqin.core.excel import Importer, ImportResult, error_workbook, template_workbook, xlsx_response
from houqin.core.http import school_required

from .imports import LocationImporter, MembershipImporter, SchoolClassImporter

ERROR_DISPLAY_LIMIT = 1000  # rows of the error table; the error workbook always has them all


@dataclass(frozen=True)
class ImportPage:
    importer: type[Importer]
    perm: str
    list_url: str  # where a successful import goes, e.g. "org:location_list"
    template_url: str  # url name of the template download


def _context(request, page: ImportPage, result: ImportResult | None = None, **extra) -> dict:
    conf = settings.HOUQIN
    context = {
        "title": _("导入%(what)s") % {"what": page.importer.title},
        "what": page.importer.title,
        "columns": page.importer.columns,
        "template_url": reverse(page.template_url),
        "list_url": reverse(page.list_url),
        "max_rows": conf["IMPORT_MAX_ROWS"],
        "max_size": filesizeformat(conf["IMPORT_MAX_BYTES"]),
        "result": result,
        **extra,
    }
    if result is not None:
        row_errors = [e for e in result.errors if e.row is not None]
        context.update(
            file_errors=[e for e in result.errors if e.row is None],
            row_errors=row_errors[:ERROR_DISPLAY_LIMIT],
            error_count=len(row_errors),
            hidden_count=max(0, len(row_errors) - ERROR_DISPLAY_LIMIT),
            bad_row_count=len({e.row for e in row_errors}),
        )
    return context


def _render(request, page: ImportPage, context: dict) -> TemplateResponse:
    template = "core/import.html#result" if request.htmx and request.method == "POST" else "core/import.html"
    return TemplateResponse(request, template, context)


def _import(request, page: ImportPage):
    if request.method != "POST":
        return _render(request, page, _context(request, page))
    upload = request.FILES.get("file")
    if upload is None:
        return _render(request, page, _context(request, page, missing_file=True))
    dry_run = request.GET.get("errors") == "xlsx"
    importer = page.importer(school=request.school, actor=request.user)
    result = importer.run(upload, commit=not dry_run)
    if dry_run and result.readable and not result.ok:
        return xlsx_response(error_workbook(result), _("%(what)s导入错误") % {"what": page.importer.title})
    if result.committed:
        messages.success(
            request,
            ngettext("已导入 %(count)d 行。", "已导入 %(count)d 行。", result.imported)
            % {"count": result.imported},
        )
        url = reverse(page.list_url)
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _render(request, page, _context(request, page, result, checked=dry_run and result.ok))


def _template(request, page: ImportPage):
    filename = _("%(what)s导入模板") % {"what": page.importer.title}
    return xlsx_response(template_workbook(page.importer), filename)


def import_view(page: ImportPage, name: str):
    """The import page of ``page.importer``, guarded by ``page.perm``."""

    def view(request):
        return _import(request, page)

    view.__name__ = view.__qualname__ = name
    return school_required(page.perm)(require_http_methods(["GET", "POST"])(view))


def template_view(page: ImportPage, name: str):
    """The downloadable template of ``page.importer``, guarded like the import page."""

    def view(request):
        return _template(request, page)

    view.__name__ = view.__qualname__ = name
    return school_required(page.perm)(require_GET(view))


LOCATIONS = ImportPage(
    LocationImporter, "org.add_location", "org:location_list", "org:location_import_template"
)
STAFF = ImportPage(
    MembershipImporter, "org.add_membership", "org:membership_list", "org:membership_import_template"
)
CLASSES = ImportPage(
    SchoolClassImporter, "org.add_schoolclass", "org:schoolclass_list", "org:schoolclass_import_template"
)

location_import = import_view(LOCATIONS, "location_import")
location_import_template = template_view(LOCATIONS, "location_import_template")
membership_import = import_view(STAFF, "membership_import")
membership_import_template = template_view(STAFF, "membership_import_template")
schoolclass_import = import_view(CLASSES, "schoolclass_import")
schoolclass_import_template = template_view(CLASSES, "schoolclass_import_template")
