"""Excel export of any list page: what its filters show, as the user sees it.

A list registers an :class:`ExportSpec` once (in its app's ``ready()`` or views module)::

    register_export(ExportSpec(
        key="org.location", title=_("位置"), perm="org.view_location",
        columns=[ExportColumn(_("名称"), "name"), ...],
        queryset=lambda school, user, params: LocationFilter(params, queryset=..., school=school).qs,
    ))

and its view answers ``?export=xlsx`` with :func:`export_response`. Up to
``settings.HOUQIN["EXPORT_SYNC_MAX_ROWS"]`` rows the file is written in the request; above that an
:class:`ExportJob` is queued as a task (``run_export``) and the user is sent to its page, which
shows the progress and then the download (DESIGN.md rule 6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django_tasks import task

from . import audit
from .excel import ExportColumn, export_queryset, xlsx_response
from .export_models import ExportJob
from .permissions import build_school_context

PROGRESS_EVERY = 500  # rows between progress updates


@dataclass(frozen=True)
class ExportSpec:
    key: str
    title: Any
    perm: str
    columns: Sequence[ExportColumn]
    # (school, user, filter params) -> the rows that user may see, scoped to the school
    queryset: Callable[[Any, Any, QueryDict], QuerySet]


_specs: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    _specs[spec.key] = spec
    return spec


def get_spec(key: str) -> ExportSpec:
    return _specs[key]


def _params(request) -> QueryDict:
    params = request.GET.copy()
    for key in ("export", "page"):
        params.pop(key, None)
    return params


def _filename(spec: ExportSpec) -> str:
    return f"{spec.title}-{timezone.localdate():%Y%m%d}.xlsx"


def export_response(request, spec: ExportSpec):
    """The ``?export=xlsx`` answer of a list page (the caller has checked ``spec.perm``)."""
    params = _params(request)
    rows = spec.queryset(request.school, request.user, params)
    limit = settings.HOUQIN["EXPORT_SYNC_MAX_ROWS"]
    if rows.order_by().values("pk")[: limit + 1].count() <= limit:
        audit.record(
            actor=request.user,
            verb="exported",
            school=request.school,
            changes={"export": spec.key, "filters": params.urlencode()},
        )
        content = export_queryset(rows, spec.columns, sheet_title=spec.title)
        return xlsx_response(content, _filename(spec))
    job = export_job_create(actor=request.user, school=request.school, spec=spec, params=params)
    return redirect(job)


@transaction.atomic
def export_job_create(*, actor, school, spec: ExportSpec, params: QueryDict) -> ExportJob:
    job = ExportJob.objects.create(
        school=school,
        spec=spec.key,
        title=str(spec.title),
        params=dict(params.lists()),
        created_by=actor,
        updated_by=actor,
    )
    audit.record(
        actor=actor, verb="exported", target=job, changes={"export": spec.key, "filters": params.urlencode()}
    )
    transaction.on_commit(lambda: run_export.enqueue(job.pk))
    return job


@task()
def run_export(job_id: int) -> None:
    """Write the export file, updating the job's progress as it goes."""
    job = ExportJob.objects.select_related("school", "created_by").get(pk=job_id)
    if job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        return
    spec = _specs.get(job.spec)
    user = job.created_by
    User = get_user_model()
    try:
        if spec is None or user is None or not isinstance(user, User):
            raise PermissionError("export spec or user missing")
        # The user's permissions now, not when they asked: a revoked role stops the export.
        user.school_context = build_school_context(user, job.school_id)
        if user.school_context.school != job.school or not user.has_perm(spec.perm):
            raise PermissionError("not allowed")
        params = QueryDict(mutable=True)
        for key, values in job.params.items():
            params.setlist(key, values)
        rows = spec.queryset(job.school, user, params)
        job.rows_total = rows.count()
        job.status = ExportJob.Status.RUNNING
        job.save(update_fields=["rows_total", "status", "updated_at"])

        def progress(done: int) -> None:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

        content = export_queryset(
            rows, spec.columns, sheet_title=spec.title, progress=progress, progress_every=PROGRESS_EVERY
        )
        job.file.save(_filename(spec), ContentFile(content), save=False)
        job.rows_done = job.rows_total
        job.status = ExportJob.Status.DONE
    except Exception as exc:  # the page tells the user; the worker log keeps the detail
        job.status = ExportJob.Status.FAILED
        job.error = str(exc)[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "rows_done", "status", "error", "finished_at", "updated_at"])
