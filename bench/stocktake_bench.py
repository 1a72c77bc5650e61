#!/usr/bin/env python
"""The stocktake at scale (issue 5, "Performance"): a school with 20,000 cards in 200 rooms, one plan
over all of them, the reconciliation timed, and the scan latency under 20 concurrent counters.

    PYTHONPATH=. .venv/bin/python bench/stocktake_bench.py                 # SQLite: reconcile only
    createdb -h 127.0.0.1 -U postgres st_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/st_bench \\
      PYTHONPATH=. .venv/bin/python bench/stocktake_bench.py --threads 20 --scans 40

Without ``DATABASE_URL`` it uses ``bench/out/stocktake.sqlite3`` (never the development database).

1. **Generate** (skipped when the school exists): school ``st-bench`` with 5 buildings × 4 floors ×
   10 rooms, an asset clerk and 20 counters (teachers), the category tree, and ``--assets`` cards
   (``bulk_create``; one in ten a batch of 2–40, e.g. chairs) spread evenly over the rooms.
2. **Plan**: ``services.stocktake_create`` over the whole school (the snapshot), each room's counter
   one of the 20 teachers (room *i* → counter *i mod 20*). A new plan every run.
3. **Count 90 %** for the setup with direct bulk ``UPDATE`` s of the lines (not the service: 18,000
   service calls would time the setup, not the product): found where the books say, good; then,
   through ``bulk_update``, 2 % of them moved to another room, 1 % damaged, a third of the batch
   cards short or over; 50 unknown items through ``services.stocktake_surplus_add``.
4. **Scans** (PostgreSQL; ``--threads`` threads, each with its own connection, as the counter of
   its rooms, scanning ``--scans`` distinct uncounted cards of its own rooms): first through
   ``services.stocktake_count``, then through the page's JSON endpoint
   (``stocktake:stocktakelocation_count``) with Django's test client; p50/p95/max in ms.
5. **Reconcile**: ``services.stocktake_close_counting`` then ``run_reconcile`` (the task function,
   as the worker runs it), timed, with the progress read from a second connection every 0.5 s on
   PostgreSQL; then the figures of the summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'stocktake.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("LOG_LEVEL", "CRITICAL")
os.environ["HOUQIN_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from houqin.assets import services as asset_services  # noqa: E402
from houqin.assets.models import Asset, AssetCategory  # noqa: E402
from houqin.org import services as org_services  # noqa: E402
from houqin.org.choices import LocationKind  # noqa: E402
from houqin.org.models import Location, Membership, Role, School  # noqa: E402
from houqin.stocktake import services  # noqa: E402
from houqin.stocktake.models import Stocktake, StocktakeLine, StocktakeLocation  # noqa: E402
from houqin.stocktake.services.reconcile import run_reconcile  # noqa: E402

SCHOOL_CODE = "st-bench"
COUNTERS = 20
PASSWORD = "bench-pass-2026"
NAMES = [
    "学生课桌椅",
    "台式计算机",
    "投影仪",
    "交互式白板",
    "空调",
    "书柜",
    "实验台",
    "打印机",
    "音响",
    "文件柜",
]


def log(msg: str) -> None:
    print(msg, flush=True)


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return f"n={len(values)} p50={statistics.median(values):.1f} p95={p95:.1f} max={values[-1]:.1f} ms"


# --- 1. generate --------------------------------------------------------------------------------------


def ensure_school(n_assets: int, rng: random.Random) -> School:
    school = School.objects.filter(code=SCHOOL_CODE).first()
    if school is not None:
        return school
    t = time.perf_counter()
    school = org_services.school_create(actor=None, name="盘点测试学校", code=SCHOOL_CODE)
    roles = {r.code: r for r in Role.objects.for_school(school)}
    department = org_services.department_create(actor=None, school=school, name="总务处")
    org_services.membership_create(
        actor=None,
        school=school,
        username="st_clerk",
        display_name="资产管理员",
        password=PASSWORD,
        department=department,
        roles=[roles["asset_clerk"]],
    )
    for i in range(COUNTERS):
        org_services.membership_create(
            actor=None,
            school=school,
            username=f"st_t{i:02d}",
            display_name=f"教师{i:02d}",
            password=PASSWORD,
            department=department,
            roles=[roles["teacher"]],
        )
    campus = org_services.campus_create(actor=None, school=school, name="本部")
    rooms = []
    for b in range(5):
        building = org_services.location_create(
            actor=None, school=school, campus=campus, name=f"{b + 1}号楼", kind=LocationKind.BUILDING
        )
        for f in range(4):
            floor = org_services.location_create(
                actor=None,
                school=school,
                campus=campus,
                name=f"{f + 1}F",
                kind=LocationKind.FLOOR,
                parent=building,
            )
            for r in range(10):
                rooms.append(
                    org_services.location_create(
                        actor=None,
                        school=school,
                        campus=campus,
                        name=f"{b + 1}{f + 1}{r + 1:02d}室",
                        parent=floor,
                        code=f"R{b + 1}{f + 1}{r + 1:02d}",
                    )
                )
    asset_services.asset_categories_seed(school)
    categories = list(AssetCategory.objects.for_school(school).filter(code__in=["301", "302", "601", "602"]))
    batch = []
    for i in range(n_assets):
        quantity = rng.randint(2, 40) if i % 10 == 0 else 1
        price = Decimal(rng.choice(["120.00", "380.00", "2600.00", "4800.00", "9800.00"]))
        name = rng.choice(NAMES)
        batch.append(
            Asset(
                school=school,
                code=f"ST-{i:06d}",
                name=name,
                search_text=f"st-{i:06d} {name}",
                category=rng.choice(categories),
                quantity=quantity,
                unit_price=price,
                total_value=price * quantity,
                acquired_on=dt.date(2018, 9, 1) + dt.timedelta(days=i % 2000),
                location=rooms[i % len(rooms)],
                department=department,
            )
        )
    for start in range(0, len(batch), 2000):
        Asset.objects.bulk_create(batch[start : start + 2000])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"generate: {len(rooms)} rooms, {n_assets} cards, {time.perf_counter() - t:.1f}s")
    return school


def users(school: School):
    members = Membership.objects.for_school(school).select_related("user")
    by_name = {m.user.username: m.user for m in members}
    return by_name["st_clerk"], [by_name[f"st_t{i:02d}"] for i in range(COUNTERS)]


# --- 2-3. plan and count ------------------------------------------------------------------------------


def make_plan(school: School, clerk, counters) -> Stocktake:
    rooms = list(Location.objects.for_school(school).filter(kind=LocationKind.ROOM).order_by("code"))
    t = time.perf_counter()
    stocktake = services.stocktake_create(
        actor=None,
        school=school,
        kind="annual",
        title=f"基准盘点 {timezone.localtime():%H:%M:%S}",
        deadline=timezone.localdate() + dt.timedelta(days=7),
        counters={room.pk: counters[i % COUNTERS] for i, room in enumerate(rooms)},
    )
    log(
        f"plan: {stocktake.number}, {stocktake.expected_count} lines, snapshot {time.perf_counter() - t:.1f}s"
    )
    return stocktake


def count_setup(stocktake: Stocktake, clerk, rng: random.Random, share: float = 0.9) -> None:
    """Bulk setup (not the service): 90 % found in place, then the differences."""
    t = time.perf_counter()
    lines = list(
        StocktakeLine.objects.filter(stocktake=stocktake).order_by("pk").values_list("pk", "place_id")
    )
    places = [p.pk for p in StocktakeLocation.objects.filter(stocktake=stocktake)]
    chosen = [pk for pk, _ in lines if rng.random() < share]
    now = timezone.now()
    for start in range(0, len(chosen), 2000):
        StocktakeLine.objects.filter(pk__in=chosen[start : start + 2000]).update(
            counted_at=now,
            found_in_id=F("place_id"),
            counted_quantity=F("expected_quantity"),
            condition="good",
            counted_by=clerk,
        )
    special = StocktakeLine.objects.filter(pk__in=rng.sample(chosen, len(chosen) // 20))
    changed = []
    for i, line in enumerate(special):
        if i % 5 < 2:  # 2 % of the counted: found in another room
            line.found_in_id = rng.choice([p for p in places if p != line.place_id])
        elif i % 5 == 2:  # 1 %: damaged
            line.condition = rng.choice(["damaged", "needs_repair"])
        elif line.expected_quantity > 1:  # batch cards: short or over
            line.counted_quantity = max(1, line.expected_quantity + rng.choice([-3, -1, 2]))
        changed.append(line)
    StocktakeLine.objects.bulk_update(changed, ["found_in", "condition", "counted_quantity"], batch_size=1000)
    some = rng.sample(list(StocktakeLocation.objects.filter(stocktake=stocktake)), 50)
    for place in some:
        services.stocktake_surplus_add(
            actor=None, place=place, name="无卡椅子", quantity=rng.randint(1, 5), estimated_value="150"
        )
    log(
        f"count setup: {len(chosen)} lines counted in bulk, {len(changed)} differences, 50 surpluses, "
        f"{time.perf_counter() - t:.1f}s"
    )


# --- 4. scans -----------------------------------------------------------------------------------------


def scan_targets(
    stocktake: Stocktake, counters, per_thread: int
) -> list[list[tuple[StocktakeLocation, str]]]:
    """Per counter: distinct uncounted cards of the rooms they count."""
    out = []
    for user in counters:
        rows = list(
            StocktakeLine.objects.filter(stocktake=stocktake, place__counter=user, counted_at__isnull=True)
            .select_related("place", "asset")
            .order_by("?")[:per_thread]
        )
        out.append([(line.place, line.asset.code) for line in rows])
    return out


def run_threads(work, targets, pace: float = 0.0) -> tuple[list[float], float, list[str]]:
    """Each thread scans its targets one after another; ``pace`` > 0 waits a random 0.5–1.5 ×
    ``pace`` seconds between scans (a counter walking to the next item), 0 scans back to back."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(targets))

    def runner(index: int) -> None:
        mine: list[float] = []
        rng = random.Random(index)
        try:
            barrier.wait()
            for place, code in targets[index]:
                if pace:
                    time.sleep(pace * rng.uniform(0.5, 1.5))
                t = time.perf_counter()
                try:
                    work(index, place, code)
                except Exception as exc:  # report it, keep timing the others
                    with lock:
                        errors.append(f"{code}: {exc}")
                mine.append((time.perf_counter() - t) * 1000)
        finally:
            connections.close_all()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(targets))]
    t = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, time.perf_counter() - t, errors


def server_scans(stocktake: Stocktake, counters, targets, pace: float, workers: int) -> tuple:
    """The scans as a phone sends them, over real HTTP to gunicorn with ``workers`` processes (the
    deployment's shape): JSON POSTs with a session cookie and the CSRF header, one keep-alive
    connection per counter."""
    import http.client
    import json
    import secrets
    import subprocess

    port = 8765
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "houqin.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning",
        ],
        env={**os.environ, "DEBUG": "0"},
    )  # fmt: skip
    try:
        for _ in range(100):  # wait until it answers
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                probe.request("GET", "/healthz/")
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        sessions = []
        for user in counters:
            client = Client()
            client.force_login(user)
            sessions.append((client.cookies["sessionid"].value, secrets.token_hex(16)))
        local = threading.local()

        def by_server(index, place, code):
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            session, csrf = sessions[index]
            body = json.dumps({"code": code, "client_key": str(uuid.uuid4())})
            conn.request(
                "POST",
                reverse("stocktake:stocktakelocation_count", args=[place.pk]),
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Cookie": f"sessionid={session}; csrftoken={csrf}",
                    "X-CSRFToken": csrf,
                    "Host": "127.0.0.1",
                },
            )
            response = conn.getresponse()
            content = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status} {content[:200]!r}")

        connections.close_all()
        return run_threads(by_server, targets, pace)
    finally:
        server.terminate()
        server.wait(timeout=10)


def scans(
    stocktake: Stocktake, counters, n_threads: int, per_thread: int, pace: float, workers: int = 0
) -> dict:
    results = {}
    counters = counters[:n_threads]
    targets = scan_targets(stocktake, counters, per_thread * (3 if workers else 2))
    service_targets = [t[:per_thread] for t in targets]
    http_targets = [t[per_thread : per_thread * 2] for t in targets]
    server_targets = [t[per_thread * 2 :] for t in targets]
    log(f"scans: {n_threads} threads x {per_thread} scans per path, pace {pace}s between a counter's scans")

    def by_service(index, place, code):
        services.stocktake_count(actor=counters[index], place=place, code=code, client_key=uuid.uuid4())

    times, wall, errors = run_threads(by_service, service_targets, pace)
    results["service"] = (times, wall, errors)
    log(
        f"scans via services.stocktake_count, {n_threads} threads: {ms(times)}; "
        f"{len(times) / wall:.0f} scans/s; errors {len(errors)}"
    )
    for e in errors[:3]:
        log(f"  {e}")

    clients = []
    for user in counters:
        client = Client()
        client.force_login(user)
        clients.append(client)

    def by_http(index, place, code):
        response = clients[index].post(
            reverse("stocktake:stocktakelocation_count", args=[place.pk]),
            {"code": code, "client_key": str(uuid.uuid4())},
            content_type="application/json",
            headers={"accept": "application/json"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} {response.content[:200]!r}")

    connections.close_all()
    times, wall, errors = run_threads(by_http, http_targets, pace)
    results["http"] = (times, wall, errors)
    log(
        f"scans via POST stocktakelocation_count (test client), {n_threads} threads: {ms(times)}; "
        f"{len(times) / wall:.0f} scans/s; errors {len(errors)}"
    )
    for e in errors[:3]:
        log(f"  {e}")
    if workers:
        times, wall, errors = server_scans(stocktake, counters, server_targets, pace, workers)
        results["server"] = (times, wall, errors)
        log(
            f"scans via HTTP to gunicorn ({workers} workers), {n_threads} counters: {ms(times)}; "
            f"{len(times) / wall:.0f} scans/s; errors {len(errors)}"
        )
        for e in errors[:3]:
            log(f"  {e}")
    return results


# --- 5. reconcile -------------------------------------------------------------------------------------


def reconcile(stocktake: Stocktake, clerk) -> float:
    """Close the count; with the immediate tasks backend the task runs at the close's commit (as a
    worker would pick it up), so the time is from the close to 待处理差异."""
    seen: list[tuple[float, int]] = []
    stop = threading.Event()
    t0 = time.perf_counter()

    def poll():
        try:
            while not stop.is_set():
                row = (
                    Stocktake.objects.filter(pk=stocktake.pk).values_list("reconcile_done", flat=True).first()
                )
                seen.append((time.perf_counter() - t0, row))
                stop.wait(0.5)
        finally:
            connections.close_all()

    poller = threading.Thread(target=poll) if connection.vendor == "postgresql" else None
    if poller:
        poller.start()
    services.stocktake_close_counting(actor=None, stocktake=stocktake)
    if Stocktake.objects.get(pk=stocktake.pk).status == "reconciling":  # another tasks backend
        run_reconcile.call(stocktake.pk)
    elapsed = time.perf_counter() - t0
    stop.set()
    if poller:
        poller.join()
    stocktake.refresh_from_db()
    log(
        f"reconcile: {stocktake.reconcile_total} lines + surpluses in {elapsed:.1f}s, "
        f"status {stocktake.status}"
    )
    if seen:
        log("  progress seen by a second connection: " + ", ".join(f"{s:.1f}s:{d}" for s, d in seen[:12]))
    results = stocktake.summary["results"]
    log(
        "  summary: "
        + ", ".join(f"{k} {v['count']} (¥{v['value']})" for k, v in sorted(results.items()))
        + f"; surplus {stocktake.summary['surplus']['count']}; adjustments {stocktake.adjustments.count()}"
    )
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assets", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=COUNTERS)
    ap.add_argument("--scans", type=int, default=40, help="scans per thread (each path)")
    ap.add_argument(
        "--pace", type=float, default=0.0, help="seconds between one counter's scans (0: back to back)"
    )
    ap.add_argument("--only-scans", action="store_true", help="new plan, setup and scans; no reconcile")
    ap.add_argument(
        "--gunicorn", type=int, default=0, metavar="WORKERS", help="also scan over HTTP to gunicorn"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-migrate", action="store_true")
    args = ap.parse_args()
    log(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.no_migrate:
        t = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        log(f"migrate: {time.perf_counter() - t:.1f}s")
    rng = random.Random(args.seed)
    school = ensure_school(args.assets, rng)
    clerk, counters = users(school)
    stocktake = make_plan(school, clerk, counters)
    count_setup(stocktake, clerk, rng)
    if connection.vendor == "postgresql":
        scans(stocktake, counters, args.threads, args.scans, args.pace, args.gunicorn)
    else:
        log("scans: skipped on SQLite (one writer at a time; the target is for PostgreSQL)")
    if args.only_scans:
        return 0
    elapsed = reconcile(stocktake, clerk)
    log(f"RESULT reconcile {elapsed:.1f}s ({'OK' if elapsed < 60 else 'OVER'} the 60 s target)")
    transaction.set_autocommit(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
