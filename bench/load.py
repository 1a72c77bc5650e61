#!/usr/bin/env python
"""Load scenario: start gunicorn on 127.0.0.1, sign in as bench users, hit the main pages.

    .venv/bin/python bench/load.py --database-url sqlite:////abs/path/bench.sqlite3 \
        --requests 2000 --concurrency 8 --time-limit 120

Standard library only (threads + ``http.client``); no locust, no wrk. Stops by itself after
``--requests`` measured requests or ``--time-limit`` seconds, whichever comes first, then
stops the gunicorn it started (by its pid) and prints per-URL count, errors, p50/p95/p99
latency and throughput. Server-side exceptions found in the gunicorn log (e.g. a missing
template while pages are still being written) are summarised at the end.

With ``--base-url`` it uses a server that is already running instead of starting one.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_URLS = [
    ("home", "/"),
    ("locations", "/org/locations/"),
    ("locations?kind=room&q=10", "/org/locations/?kind=room&q=10"),
    ("staff", "/org/staff/"),
    ("search?q=jxl", "/search/?q=jxl"),
]
BENCH_PASSWORD = "bench-pass-2026"


# --- HTTP client -----------------------------------------------------------------------------------


class Client:
    """One signed-in browser: a cookie jar and a keep-alive connection (reopened when closed)."""

    def __init__(self, host: str, port: int, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        if resp.will_close:
            self.conn.close()
            self.conn = None
        return resp.status, resp.headers, payload

    def login(self, username: str, password: str) -> tuple[bool, str]:
        status, _, body = self.request("GET", "/accounts/login/")
        if status != 200:
            return False, f"GET /accounts/login/ answered {status}"
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not match or "csrftoken" not in self.cookies:
            return False, "no csrf token in the login page"
        status, _headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body={"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password},
            headers={
                "Origin": f"http://{self.host}:{self.port}",
                "Referer": f"http://{self.host}:{self.port}/accounts/login/",
            },
        )
        if status in (302, 303) and "sessionid" in self.cookies:
            return True, "login form"
        return False, f"POST /accounts/login/ answered {status}"


def django_session(database_url: str, username: str) -> str:
    """Fallback when the login page cannot be used (e.g. its template is not written yet):
    make a signed-in session in the database the way ``django.contrib.auth.login`` does."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "houqin.accounts.backends.UsernameOrMobileBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


# --- server ------------------------------------------------------------------------------------------


def start_server(args, log_path: Path) -> subprocess.Popen:
    import socket

    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", args.port)) == 0:
            sys.exit(
                f"port {args.port} is already in use; pass --base-url to use that server or another --port"
            )
    env = {**os.environ, "DEBUG": "0", "AXES_ENABLED": "0", "DJANGO_SETTINGS_MODULE": "houqin.settings"}
    env.pop("HOUQIN_ENV", None)  # development settings, DEBUG off
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "houqin.wsgi",
        "-w",
        str(args.workers),
        "-b",
        f"127.0.0.1:{args.port}",
        "--chdir",
        str(ROOT),
        "--timeout",
        "60",
        *(["--threads", str(args.threads)] if args.threads > 1 else []),
    ]
    with open(log_path, "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            c.request("GET", "/healthz/")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    sys.exit(f"gunicorn did not answer /healthz/ within 30s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_errors(log_path: Path) -> Counter:
    """Distinct exception lines (``SomeError: message``) in the gunicorn/Django log."""
    found: Counter = Counter()
    if not log_path.exists():
        return found
    pattern = re.compile(r"^([\w.]+(?:Error|Exception|DoesNotExist|Exist)\w*): (.{0,160})")
    for line in log_path.read_text(errors="replace").splitlines():
        m = pattern.match(line.strip())
        if m:
            found[f"{m.group(1)}: {m.group(2)}"] += 1
    return found


# --- run -----------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="DATABASE_URL for the server (default: the environment's, else the dev SQLite)",
    )
    ap.add_argument("--base-url", help="use an already running server, e.g. http://127.0.0.1:8077")
    ap.add_argument("--port", type=int, default=8077)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (-w)")
    ap.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    ap.add_argument("--requests", type=int, default=1000, help="measured requests in total")
    ap.add_argument("--concurrency", "-c", type=int, default=4, help="client threads")
    ap.add_argument("--time-limit", type=float, default=120, help="seconds; stops early when reached")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured requests per URL per client first")
    ap.add_argument(
        "--user",
        default="b{school}_1",
        help="username template; {school} is 1.. --spread (default: each school's admin)",
    )
    ap.add_argument(
        "--spread",
        type=int,
        default=0,
        help="sign clients in as users of this many different schools (default: one per client)",
    )
    ap.add_argument("--password", default=BENCH_PASSWORD)
    ap.add_argument("--url", action="append", default=[], help="extra or replacement URL path (repeatable)")
    ap.add_argument("--only", action="store_true", help="use only the --url paths, not the default five")
    ap.add_argument("--label", default="", help="name used for the log and JSON files in bench/out/")
    ap.add_argument("--json", action="store_true", help="also write bench/out/load-<label>.json")
    args = ap.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    label = args.label or time.strftime("%Y%m%d-%H%M%S")
    urls = ([] if args.only else list(DEFAULT_URLS)) + [(u, u) for u in args.url]
    log_path = OUT / f"gunicorn-{label}.log"
    proc = None
    if args.base_url:
        parts = urllib.parse.urlsplit(args.base_url)
        host, port = parts.hostname, parts.port or 80
        if host not in ("127.0.0.1", "localhost"):
            sys.exit("only 127.0.0.1 / localhost")
    else:
        host, port = "127.0.0.1", args.port
        print(
            f"starting gunicorn -w {args.workers} on {host}:{port} (log {log_path.relative_to(ROOT)})",
            flush=True,
        )
        proc = start_server(args, log_path)

    try:
        return run(args, urls, host, port, label, log_path if proc else None)
    finally:
        if proc is not None:
            stop_server(proc)


def run(args, urls, host, port, label, log_path) -> int:
    spread = args.spread or args.concurrency
    clients: list[Client] = []
    login_notes: Counter = Counter()
    t_login = time.perf_counter()
    for i in range(args.concurrency):
        username = args.user.format(school=i % spread + 1)
        client = Client(host, port)
        ok, note = client.login(username, args.password)
        if not ok:
            print(
                f"  login as {username} failed ({note}); using a session made in the database instead",
                flush=True,
            )
            client.cookies["sessionid"] = django_session(
                args.database_url or os.environ.get("DATABASE_URL", ""), username
            )
            note = f"database session (login page: {note})"
        login_notes[note] += 1
        clients.append(client)
    print(
        f"signed in {len(clients)} clients in {time.perf_counter() - t_login:.1f}s: "
        + "; ".join(f"{n}× {k}" for k, n in login_notes.items()),
        flush=True,
    )

    for client in clients:  # warm-up: templates compiled, connections opened, caches filled
        for _ in range(args.warmup):
            for _, path in urls:
                client.request("GET", path)

    results: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    samples: dict[str, str] = {}
    lock = threading.Lock()
    counter = itertools.count()
    deadline = time.perf_counter() + args.time_limit
    stopped_by_time = threading.Event()

    def worker(client: Client) -> None:
        while True:
            n = next(counter)
            if n >= args.requests:
                return
            if time.perf_counter() > deadline:
                stopped_by_time.set()
                return
            name, path = urls[n % len(urls)]
            t = time.perf_counter()
            try:
                status, headers, body = client.request("GET", path)
            except Exception as exc:
                status, headers, body = f"exc:{type(exc).__name__}", {}, str(exc).encode()
            elapsed = time.perf_counter() - t
            with lock:
                results[name].append(elapsed)
                key = status
                if status in (301, 302) and "/accounts/login/" in (headers.get("Location") or ""):
                    key = f"{status}->login"
                statuses[name][key] += 1
                if status != 200 and name not in samples:
                    samples[name] = body[:300].decode(errors="replace")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0

    total = sum(len(v) for v in results.values())
    report = {
        "label": label,
        "requests": total,
        "wall_s": round(wall, 2),
        "rps": round(total / wall, 1) if wall else 0,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "urls": {},
    }
    print()
    print(
        f"{total} requests in {wall:.1f}s = {total / wall:.1f} req/s, {args.concurrency} clients, "
        f"gunicorn -w {args.workers}" + (" (stopped by --time-limit)" if stopped_by_time.is_set() else "")
    )
    head = (
        f"{'url':<28} {'count':>6} {'errors':>6} "
        + " ".join(f"{h:>8}" for h in ("p50 ms", "p95 ms", "p99 ms", "max ms"))
        + f" {'req/s':>7}  statuses"
    )
    print(head)
    print("-" * len(head))
    for name, _ in urls:
        lat = sorted(results.get(name, []))
        errors = sum(n for s, n in statuses[name].items() if s != 200)
        row = {
            "count": len(lat),
            "errors": errors,
            "p50_ms": percentile(lat, 50) * 1000,
            "p95_ms": percentile(lat, 95) * 1000,
            "p99_ms": percentile(lat, 99) * 1000,
            "max_ms": (lat[-1] * 1000) if lat else float("nan"),
            "rps": len(lat) / wall if wall else 0,
            "statuses": {str(k): v for k, v in statuses[name].items()},
        }
        report["urls"][name] = row
        print(
            f"{name:<28} {row['count']:>6} {errors:>6} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {row['max_ms']:>8.1f} {row['rps']:>7.1f}  "
            + ", ".join(f"{k}:{v}" for k, v in sorted(statuses[name].items(), key=str))
        )
    for name, sample in samples.items():
        print(f"  first non-200 body for {name}: {sample.strip()[:200]!r}")
    if log_path is not None:
        errs = server_errors(log_path)
        report["server_errors"] = dict(errs)
        if errs:
            print("\nserver-side exceptions in the gunicorn log (count: exception):")
            for line, n in errs.most_common(15):
                print(f"  {n:>5}: {line}")
    if args.json:
        path = OUT / f"load-{label}.json"
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
