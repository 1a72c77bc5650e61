"""Start the periodic jobs whose time has come (see houqin/notify/scheduler.py).

manage.py scheduler            # once: run it every minute from cron or a systemd timer
manage.py scheduler --loop     # forever, waking at each minute (scripts/run.sh)
manage.py scheduler --list     # the registered jobs
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from houqin.notify import scheduler
from houqin.notify.registry import jobs


class Command(BaseCommand):
    help = "Enqueue the periodic jobs due now (idempotent: safe every minute, twice at once, after a gap)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Repeat at the start of every minute.")
        parser.add_argument("--list", action="store_true", help="List the registered jobs and exit.")
        parser.add_argument("--job", action="append", help="Only this job (repeatable).")

    def handle(self, *args, **options):
        loop, job = options["loop"], options["job"]
        if options["list"]:
            for j in jobs():
                self.stdout.write(f"{j.key}\tevery {j.every}")
            return
        while True:
            started = scheduler.run_due_jobs(only=job)
            if started and options["verbosity"] > 0:
                self.stdout.write("started: " + ", ".join(started))
            if not loop:
                return
            close_old_connections()
            try:
                time.sleep(scheduler.seconds_to_next_minute() + 0.5)
            except KeyboardInterrupt:
                return
