"""The scheduler: start each registered periodic job once per time slot, whoever runs it and when.

``manage.py scheduler`` (every minute from cron/systemd, or ``--loop``) calls :func:`run_due_jobs`.
For each job the current slot is ``floor(now / every)``; a ``ScheduledRun(job, slot_start)`` row is
inserted and the job's task enqueued in the same transaction. The unique constraint makes it
idempotent: a second scheduler (or a second run in the same minute) hits ``IntegrityError`` and
skips. After a gap (server down for a day) each job runs once, for the current slot only.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun
from .registry import Job, jobs

logger = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
KEEP_RUNS = dt.timedelta(days=30)


def slot_start(every: dt.timedelta, now: dt.datetime) -> dt.datetime:
    seconds = int(every.total_seconds())
    elapsed = int((now - EPOCH).total_seconds())
    return EPOCH + dt.timedelta(seconds=elapsed - elapsed % seconds)


def _start(job: Job) -> None:
    func = job.func
    if hasattr(func, "enqueue"):
        func.enqueue()
    else:
        func()


def run_due_jobs(*, now: dt.datetime | None = None, only: list[str] | None = None) -> list[str]:
    """Start every job whose current slot has not been started yet. Returns the keys started."""
    now = now or timezone.now()
    started = []
    for job in jobs():
        if only and job.key not in only:
            continue
        slot = slot_start(job.every, now)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.key, slot_start=slot)
                _start(job)
        except IntegrityError:
            continue  # this slot was started already (another scheduler, or earlier this minute)
        started.append(job.key)
        logger.info("scheduler: started %s for %s", job.key, slot.isoformat())
    ScheduledRun.objects.filter(slot_start__lt=now - KEEP_RUNS).delete()
    return started


def seconds_to_next_minute(now: dt.datetime | None = None) -> float:
    now = now or timezone.now()
    return 60 - now.second - now.microsecond / 1_000_000
