"""The page of a long export: progress while the task runs, then the download."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header

from .export_models import ExportJob
from .http import get_for_school, school_required


def _own_job(request, pk) -> ExportJob:
    # an export holds what one person was allowed to see: only they open it
    return get_for_school(ExportJob.objects.filter(created_by=request.user), request, pk=pk)


@school_required()
def exportjob_detail(request, pk):
    job = _own_job(request, pk)
    template = "core/exportjob_detail.html#progress" if request.htmx else "core/exportjob_detail.html"
    return TemplateResponse(request, template, {"job": job})


@school_required()
def exportjob_download(request, pk):
    job = _own_job(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    response = FileResponse(
        job.file.open("rb"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{job.title}.xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    return response
