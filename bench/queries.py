#!/usr/bin/env python
"""Per-page SQL profile: query count, SQL time and the slowest statements of each bench URL.

    DATABASE_URL=... .venv/bin/python bench/queries.py [--user b1_1] [--explain] [--url /org/locations/]

Runs in-process with Django's test client (no server), signed in as a bench user, against the
generated database. Each page is fetched once to warm up, then ``--repeat`` times measured.
``--explain`` prints the plan (PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN) of the
statements slower than ``--explain-ms`` (default 0: every statement of every page).
Reads only; it writes nothing but the session row of the test client's login.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("LOG_LEVEL", "CRITICAL")  # a 500 is reported below, not as a traceback

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

URLS = ["/", "/org/locations/", "/org/locations/?kind=room&q=10", "/org/staff/", "/search/?q=jxl"]


class Recorder:
    def __init__(self):
        self.queries: list[tuple[float, str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - t, sql, params))


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join("      " + " ".join(str(c) for c in row) for row in cursor.fetchall())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--user", default="b1_1")
    ap.add_argument("--url", action="append", default=[])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--top", type=int, default=3, help="slowest statements shown per page")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--explain-ms", type=float, default=0.0)
    args = ap.parse_args()

    user = get_user_model().objects.get(username=args.user)
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="houqin.accounts.backends.UsernameOrMobileBackend")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; user {args.user}")
    for url in args.url or URLS:
        client.get(url)  # warm-up
        times, recorders, status = [], [], None
        for _ in range(args.repeat):
            rec = Recorder()
            t = time.perf_counter()
            with connection.execute_wrapper(rec):
                response = client.get(url)
            times.append(time.perf_counter() - t)
            recorders.append(rec)
            status = response.status_code
            exc = getattr(response, "exc_info", None)
        times.sort()
        rec = recorders[-1]
        sql_ms = sum(q[0] for q in rec.queries) * 1000
        print(
            f"\n{url}  status {status}  {len(rec.queries)} queries  sql {sql_ms:.1f} ms  "
            f"response median {times[len(times) // 2] * 1000:.1f} ms (in-process, {args.repeat} runs)"
        )
        if exc:
            print(f"  !! {exc[0].__name__}: {str(exc[1])[:200]}")
        # the slowest statement of each position, over the runs
        for dt, sql, _params in sorted(rec.queries, key=lambda q: -q[0])[: args.top]:
            print(f"  {dt * 1000:7.2f} ms  {sql[:300]}")
        if args.explain:
            for dt, sql, params in rec.queries:
                if dt * 1000 >= args.explain_ms and sql.lstrip().upper().startswith("SELECT"):
                    print(f"\n    [{dt * 1000:.2f} ms] {sql[:400]}\n    params {params}")
                    print(explain(sql, params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
