#!/usr/bin/env python
"""The asset ledger at scale (issue 4): N asset cards in one school, the ledger pages timed, and the
Excel export of every card through the export task.

    PYTHONPATH=. .venv/bin/python bench/assets_bench.py --assets 100000
    createdb -h 127.0.0.1 -U postgres assets_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assets_bench \\
      PYTHONPATH=. .venv/bin/python bench/assets_bench.py --assets 100000

Without ``DATABASE_URL`` it uses ``bench/out/assets.sqlite3`` (never the development database).

1. **Generate** (skipped when the school already has N cards; a smaller count is topped up): one
   district with the bench school ``b1_*`` (rooms, departments, 150 staff, as ``generate.py`` makes
   them) and a tiny school ``b2_*`` with 3 cards for comparing query counts; deeper categories
   (30101 台式计算机 …); N cards with ``bulk_create`` in batches — realistic names, brands, models,
   categories, prices, quantities (batches of desks and books), dates 2005 to today, places,
   departments, custodians, statuses (3 % disposed), ``asset_class`` from ``services.classify`` and
   ``search_text`` as ``services._asset_text`` makes it (pinyin cached per name) — plus one
   "imported" audit event per card and a few thousand loans of the bookable equipment.
2. **Measure** in-process with Django's test client, signed in as ``b1_3`` (总务主任): each page is
   fetched once to warm up, then ``--repeat`` times: p50 / p95 latency, the number of queries and the
   SQL time, and the same page's query count in the 3-card school (a constant query count means
   the two agree). Under concurrent load, use ``bench/load.py --user b1_3 --spread 1 --only --url …``.
3. **Export**: the ledger's export spec (``assets.asset``) through ``export_job_create`` →
   ``run_export`` (tasks backend forced to the immediate one, so it runs here), polling the job's
   progress from a second connection: total time, rows/s, progress updates seen, peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'assets.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("LOG_LEVEL", "CRITICAL")
# the export runs in this process, through the same task function the worker runs
os.environ["HOUQIN_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"

import django  # noqa: E402

django.setup()

import generate  # noqa: E402  (bench/generate.py: the school, its rooms, departments and staff)
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from houqin.assets import services  # noqa: E402
from houqin.assets.choices import AcquisitionWay, AssetStatus, LoanStatus  # noqa: E402
from houqin.assets.models import Asset, AssetCategory, AssetLoan  # noqa: E402
from houqin.core.export_models import ExportJob  # noqa: E402
from houqin.core.exports import export_job_create, get_spec  # noqa: E402
from houqin.core.models import AuditEvent  # noqa: E402
from houqin.core.pinyin import pinyin_keys  # noqa: E402
from houqin.org.choices import LocationKind  # noqa: E402
from houqin.org.models import Department, EducationDistrict, Location, Membership, School  # noqa: E402

User = get_user_model()
DISTRICT = ("资产测试区", "assets-bench")
BIG, TINY = 1, 2  # school indexes: b1_* has N cards, b2_* has 3

# Deeper categories a school imports (GB/T 14885 style codes under the seeded ones).
SUB_CATEGORIES = [
    ("30101", "301", "台式计算机"),
    ("30102", "301", "便携式计算机"),
    ("30103", "301", "平板电脑"),
    ("30201", "302", "打印设备"),
    ("30202", "302", "复印机"),
    ("30701", "307", "投影仪"),
    ("30702", "307", "触控一体机"),
]
# (category code, weight, names, brands, price range in yuan, quantity range, bookable share)
KINDS = [
    (
        "30101",
        16,
        ["台式计算机", "教师用电脑", "学生机"],
        ["联想", "戴尔", "惠普", "华为", "同方"],
        (3000, 9000),
        (1, 1),
        0,
    ),
    ("30102", 6, ["笔记本电脑"], ["联想", "华为", "戴尔", "苹果"], (4000, 12000), (1, 1), 0.3),
    ("30103", 3, ["平板电脑"], ["华为", "苹果", "小米"], (1500, 6000), (1, 1), 0.5),
    (
        "30201",
        6,
        ["激光打印机", "彩色打印机", "一体机（打印复印）"],
        ["惠普", "佳能", "兄弟", "得力"],
        (800, 6000),
        (1, 1),
        0,
    ),
    ("30202", 2, ["数码复印机"], ["理光", "佳能", "柯尼卡美能达"], (12000, 40000), (1, 1), 0),
    ("302", 4, ["碎纸机", "扫描仪", "装订机", "考勤机"], ["得力", "齐心", "科密"], (300, 3000), (1, 2), 0),
    ("303", 0.2, ["校车", "公务用车"], ["宇通", "金龙", "比亚迪"], (150000, 450000), (1, 1), 0),
    (
        "304",
        10,
        ["显微镜", "电子天平", "示波器", "学生实验桌", "演示电表", "地球仪"],
        ["麦克奥迪", "凤凰", "上海光学"],
        (200, 20000),
        (1, 30),
        0.05,
    ),
    (
        "305",
        6,
        ["篮球架", "乒乓球台", "跳高架", "足球门", "体操垫", "篮球", "跳绳"],
        ["李宁", "红双喜", "泰山", "金陵"],
        (50, 15000),
        (1, 50),
        0.3,
    ),
    (
        "306",
        8,
        ["空调", "电风扇", "电热水器", "饮水机", "净化器"],
        ["格力", "美的", "海尔", "奥克斯"],
        (300, 12000),
        (1, 4),
        0,
    ),
    ("30701", 6, ["投影仪", "便携投影仪"], ["爱普生", "明基", "索尼", "鸿合"], (2000, 15000), (1, 1), 0.4),
    ("30702", 5, ["交互式触控一体机", "电子白板"], ["希沃", "鸿合", "海信"], (8000, 30000), (1, 1), 0),
    (
        "307",
        5,
        ["数码相机", "摄像机", "音响", "无线话筒", "录播设备"],
        ["佳能", "索尼", "尼康", "雅马哈"],
        (500, 25000),
        (1, 2),
        0.6,
    ),
    (
        "601",
        10,
        ["课桌椅（单人）", "课桌椅（双人）", "实验凳", "阅览桌椅"],
        ["", "震旦", "金虎"],
        (150, 450),
        (20, 60),
        0,
    ),
    (
        "602",
        8,
        ["办公桌", "文件柜", "会议桌", "沙发", "书架", "更衣柜"],
        ["", "震旦", "圣奥", "冠美"],
        (300, 5000),
        (1, 10),
        0,
    ),
    (
        "5",
        4,
        ["图书（文学）", "图书（科普）", "教学参考书", "期刊合订本", "档案柜藏档案"],
        [""],
        (15, 80),
        (50, 2000),
        0,
    ),
    ("4", 0.3, ["校史陈列品", "标本", "字画"], [""], (500, 50000), (1, 5), 0),
    ("202", 0.3, ["围墙", "旗台", "自行车棚", "道路"], [""], (50000, 800000), (1, 1), 0),
    ("201", 0.1, ["教学楼", "食堂", "体育馆", "宿舍楼"], [""], (2_000_000, 20_000_000), (1, 1), 0),
    ("9", 0.2, ["教务管理软件", "正版操作系统授权"], ["", "微软", "金山"], (2000, 80000), (1, 1), 0),
]
STATUSES = [
    (AssetStatus.IN_USE, 85),
    (AssetStatus.IDLE, 7),
    (AssetStatus.BORROWED, 1.5),
    (AssetStatus.UNDER_REPAIR, 2),
    (AssetStatus.DAMAGED, 1.5),
    (AssetStatus.DISPOSED, 3),
]
WAYS = [
    (AcquisitionWay.PURCHASE, 90),
    (AcquisitionWay.DONATION, 5),
    (AcquisitionWay.TRANSFER_IN, 4),
    (AcquisitionWay.SELF_BUILT, 1),
]
FUNDS = ["财政拨款", "公用经费", "专项经费", "捐赠", "自筹"]
SUPPLIERS = ["浙江教育装备有限公司", "杭州文教用品公司", "联想（北京）有限公司", "本地家具厂", "京东企业购"]


def log(msg: str) -> None:
    print(msg, flush=True)


# --- 1. generate --------------------------------------------------------------------------------------


class Args:
    """What ``generate.Gen`` reads from its command line."""

    def __init__(self, seed: int, users: int, rooms: int):
        self.seed, self.users_per_school, self.rooms_per_school = seed, users, rooms
        self.district_name = DISTRICT[0]


def ensure_schools(seed: int) -> tuple[School, School]:
    district = EducationDistrict.objects.filter(code=DISTRICT[1]).first()
    if district is None:
        if User.objects.filter(username__in=["b1_1", "b2_1"]).exists():
            sys.exit("users b1_1 / b2_1 exist but not the assets-bench district: use a fresh database")
        district = EducationDistrict.objects.create(name=DISTRICT[0], code=DISTRICT[1])
        gen = generate.Gen(Args(seed, 150, 300))
        t = time.perf_counter()
        with transaction.atomic():
            gen.school(BIG, district)
        with transaction.atomic():
            gen.args.users_per_school, gen.args.rooms_per_school = 20, 20
            gen.school(TINY, district)
        log(f"schools b{BIG}_* (300 rooms, 150 staff) and b{TINY}_* made in {time.perf_counter() - t:.1f}s")
    schools = list(School.objects.filter(district=district).order_by("pk"))
    for school in schools:
        services.asset_categories_seed(school)
        by_code = {c.code: c for c in AssetCategory.objects.for_school(school)}
        for code, parent, name in SUB_CATEGORIES:
            if code not in by_code:
                by_code[code] = services.asset_category_create(
                    actor=None, school=school, code=code, name=name, parent=by_code[parent]
                )
    return schools[0], schools[1]


class Cards:
    def __init__(self, school: School, rng: random.Random):
        self.school, self.rng = school, rng
        self.settings = services.asset_settings_for(school)
        self.rules = services.category_rules(school)
        self.categories = {c.code: c for c in AssetCategory.objects.for_school(school)}
        rooms = list(Location.objects.for_school(school).filter(kind=LocationKind.ROOM).order_by("pk"))
        self.rooms = rooms
        self.departments = list(Department.objects.for_school(school).order_by("pk"))
        self.staff = list(
            Membership.objects.for_school(school).order_by("pk").values_list("user_id", flat=True)
        )
        self.keys: dict[str, str] = {}
        self.today = timezone.localdate()
        self.kinds = KINDS
        self.weights = [k[1] for k in KINDS]

    def keys_of(self, text: str) -> str:
        """``pinyin_keys`` cached: names, models and brands repeat thousands of times."""
        if text not in self.keys:
            self.keys[text] = pinyin_keys(text)
        return self.keys[text]

    def text(self, asset: Asset) -> str:
        # exactly services.cards._asset_text: search_text(name, spec_model, brand, code, custom values)
        parts = [self.keys_of(asset.name), self.keys_of(asset.spec_model), self.keys_of(asset.brand)]
        parts.append(pinyin_keys(asset.code))
        return " | ".join(k for k in parts if k)[:1000]

    def make(self, index: int) -> Asset:
        rng = self.rng
        code, _w, names, brands, (low, high), (qmin, qmax), bookable = rng.choices(self.kinds, self.weights)[
            0
        ]
        category = self.categories[code]
        acquired = self.today - dt.timedelta(days=int(rng.triangular(0, 21 * 365, 3 * 365)))
        name = rng.choice(names)
        brand = rng.choice(brands)
        price = (
            Decimal(rng.randint(low * 100, high * 100)) / 100
            if high < 1000
            else Decimal(rng.randrange(low, high, 10))
        )
        quantity = rng.randint(qmin, qmax)
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        room = rng.choice(self.rooms)
        asset = Asset(
            school=self.school,
            code=f"ZC-{acquired.year}-{index:06d}",
            name=name,
            category=category,
            spec_model=f"{rng.choice('ABCDEFGHKLMPTX')}{rng.randint(100, 9999)}" if brand else "",
            brand=brand,
            serial_number=f"SN{rng.randrange(10**9, 10**10)}" if brand and quantity == 1 else "",
            quantity=quantity,
            unit="套" if code == "601" else ("册" if code == "5" else "台"),
            unit_price=price,
            total_value=(price * quantity).quantize(Decimal("0.01")),
            acquired_on=acquired,
            acquisition_way=rng.choices([w for w, _ in WAYS], [w for _, w in WAYS])[0],
            funding_source=rng.choice(FUNDS),
            supplier=rng.choice(SUPPLIERS),
            invoice_number=f"{rng.randrange(10**7, 10**8)}",
            warranty_until=acquired + dt.timedelta(days=365 * rng.choice([1, 2, 3])) if brand else None,
            location=room,
            department=rng.choice(self.departments),
            custodian_id=rng.choice(self.staff) if rng.random() < 0.9 else None,
            status=status,
            is_bookable=rng.random() < bookable,
            last_used_on=None,
        )
        asset.asset_class = services.classify(
            unit_price=price, rules=self.rules[category.pk], settings=self.settings
        )
        if status == AssetStatus.DISPOSED:
            asset.disposed_on = min(self.today, acquired + dt.timedelta(days=rng.randint(30, 12 * 365)))
        if asset.is_bookable and rng.random() < 0.7:
            asset.last_used_on = self.today - dt.timedelta(days=rng.randint(0, 720))
        asset.search_text = self.text(asset)
        return asset


def add_cards(school: School, target: int, rng: random.Random, batch: int = 2000) -> int:
    have = Asset.objects.for_school(school).count()
    if have >= target:
        return 0
    maker = Cards(school, rng)
    ct = ContentType.objects.get_for_model(Asset)
    start = Asset.objects.for_school(school).order_by("-pk").values_list("code", flat=True).first()
    first = int(start.rsplit("-", 1)[1]) + 1 if start else 1
    t = time.perf_counter()
    made = 0
    for offset in range(0, target - have, batch):
        n = min(batch, target - have - offset)
        with transaction.atomic():
            assets = Asset.objects.bulk_create(
                [maker.make(first + offset + i) for i in range(n)], batch_size=500
            )
            AuditEvent.objects.bulk_create(
                [
                    AuditEvent(
                        school=school,
                        verb="imported",
                        target_type=ct,
                        target_id=str(a.pk),
                        target_repr=str(a)[:200],
                        changes={
                            "code": [None, a.code],
                            "name": [None, a.name],
                            "total_value": [None, str(a.total_value)],
                        },
                    )
                    for a in assets
                ],
                batch_size=1000,
            )
        made += n
        if made % 20000 < batch or made == target - have:
            elapsed = time.perf_counter() - t
            log(f"  {have + made:>7} cards  {elapsed:6.1f}s  ({made / elapsed:,.0f} cards/s)")
    return made


def add_loans(school: School, rng: random.Random, per_asset: int = 6) -> int:
    """Past loans of the bookable equipment, so the utilisation and idle reports have something to count."""
    if AssetLoan.objects.for_school(school).exists():
        return 0
    assets = list(Asset.objects.for_school(school).bookable().values_list("pk", flat=True)[:3000])
    staff = list(Membership.objects.for_school(school).values_list("user_id", flat=True))
    now = timezone.now()
    loans = []
    for pk in assets:
        for _ in range(rng.randint(0, per_asset)):
            start = now - dt.timedelta(days=rng.randint(1, 700), hours=rng.randint(0, 10))
            loans.append(
                AssetLoan(
                    school=school,
                    number=f"JY-B{len(loans) + 1:07d}",
                    asset_id=pk,
                    borrower_id=rng.choice(staff),
                    starts_at=start,
                    due_at=start + dt.timedelta(hours=rng.choice([2, 4, 24, 72])),
                    status=rng.choices([LoanStatus.RETURNED, LoanStatus.CANCELLED], [9, 1])[0],
                )
            )
    AssetLoan.objects.bulk_create(loans, batch_size=1000)
    return AssetLoan.objects.for_school(school).count()


# --- 2. measure ---------------------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - t, sql))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def urls_for(school: School) -> list[tuple[str, str]]:
    computers = AssetCategory.objects.get(school=school, code="301")
    building = Location.objects.for_school(school).filter(kind=LocationKind.BUILDING).order_by("pk").first()
    middle = Asset.objects.for_school(school).active().order_by("pk")
    count = middle.count()
    asset = middle[count // 2] if count else None
    return [
        ("ledger", "/assets/"),
        ("ledger search q=dn", "/assets/?q=dn"),
        ("ledger search code", "/assets/?q=ZC-2024-0"),
        ("ledger category+location", f"/assets/?category={computers.pk}&location={building.pk}"),
        ("ledger page 50", "/assets/?page=50"),
        ("asset page", f"/assets/{asset.pk}/" if asset else "/assets/0/"),
        ("summary report", "/assets/reports/summary/"),
        ("changes report", "/assets/reports/changes/"),
        ("idle report", "/assets/reports/idle/"),
        ("utilisation report", "/assets/reports/utilisation/"),
    ]


def fetch(client: Client, url: str) -> tuple[float, Recorder, int]:
    rec = Recorder()
    t = time.perf_counter()
    with connection.execute_wrapper(rec):
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return time.perf_counter() - t, rec, response.status_code


def measure(repeat: int, top: int) -> list[dict]:
    big_school = School.objects.get(code=f"{DISTRICT[1]}-s{BIG:03d}")
    tiny_school = School.objects.get(code=f"{DISTRICT[1]}-s{TINY:03d}")
    cards = Asset.objects.for_school(big_school).count()
    backend = "houqin.accounts.backends.UsernameOrMobileBackend"
    big, tiny = Client(raise_request_exception=False), Client(raise_request_exception=False)
    big.force_login(User.objects.get(username=f"b{BIG}_3"), backend=backend)
    tiny.force_login(User.objects.get(username=f"b{TINY}_3"), backend=backend)
    tiny_urls = dict(urls_for(tiny_school))
    log(f"\nmeasuring as b{BIG}_3 (总务主任) in {big_school.name}: {cards} cards; {repeat} runs per page")
    log(
        f"{'page':28} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'queries':>7} {'3-card':>6} {'sql ms':>7}"
    )
    rows = []
    for name, url in urls_for(big_school):
        fetch(big, url)  # warm-up
        times, recs, status = [], [], None
        for _ in range(repeat):
            elapsed, rec, status = fetch(big, url)
            times.append(elapsed * 1000)
            recs.append(rec)
        counts = {len(r.queries) for r in recs}
        fetch(tiny, tiny_urls[name])
        _e, tiny_rec, _s = fetch(tiny, tiny_urls[name])
        sql = statistics.median(sum(q[0] for q in r.queries) * 1000 for r in recs)
        row = {
            "page": name,
            "url": url,
            "status": status,
            "p50": pct(times, 50),
            "p95": pct(times, 95),
            "max": max(times),
            "queries": sorted(counts),
            "queries_3_cards": len(tiny_rec.queries),
            "sql_ms": sql,
        }
        rows.append(row)
        log(
            f"{name:28} {status:>6} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f} "
            f"{'/'.join(map(str, row['queries'])):>7} {row['queries_3_cards']:>6} {sql:7.1f}"
        )
        if top:
            slowest = sorted(recs[-1].queries, key=lambda q: -q[0])[:top]
            for seconds, statement in slowest:
                log(f"      {seconds * 1000:7.1f} ms  {statement[:220]}")
    return rows


# --- 3. export -----------------------------------------------------------------------------------------


def export(poll_every: float = 1.0) -> dict:
    school = School.objects.get(code=f"{DISTRICT[1]}-s{BIG:03d}")
    user = User.objects.get(username=f"b{BIG}_3")
    spec = get_spec("assets.asset")
    params = QueryDict(mutable=True)
    params["status"] = "all"  # every card, disposed ones included
    seen: list[tuple[float, int]] = []
    stop = threading.Event()
    t0 = time.perf_counter()

    def poll():
        try:
            while not stop.wait(poll_every):
                row = (
                    ExportJob.objects.filter(school=school, created_by=user)
                    .order_by("-pk")
                    .values("rows_done")
                    .first()
                )
                if row:
                    seen.append((time.perf_counter() - t0, row["rows_done"]))
        finally:
            connections.close_all()

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    with transaction.atomic():  # the task is enqueued on commit, as in a request
        job = export_job_create(actor=user, school=school, spec=spec, params=params)
    elapsed = time.perf_counter() - t0
    stop.set()
    watcher.join()
    job.refresh_from_db()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = job.file.size / 1024 / 1024 if job.file else 0
    result = {
        "status": job.status,
        "error": job.error,
        "rows": job.rows_total,
        "seconds": elapsed,
        "rows_per_s": job.rows_total / elapsed if elapsed else 0,
        "file_mb": size_mb,
        "peak_rss_mb": peak_mb,
        "progress_seen": [n for _t, n in seen],
    }
    log(
        f"\nexport of {job.rows_total} cards through run_export: {job.status} in {elapsed:.1f}s "
        f"({result['rows_per_s']:,.0f} rows/s), file {size_mb:.1f} MB, peak RSS {peak_mb:.0f} MB"
    )
    progress = result["progress_seen"]
    log(
        f"  progress seen by a second connection every {poll_every:g}s: "
        f"{progress[:12]}{' …' if len(progress) > 12 else ''}"
    )
    if job.error:
        log(f"  error: {job.error}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assets", type=int, default=100_000, help="cards in the bench school")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=20, help="measured requests per page")
    ap.add_argument("--top", type=int, default=0, help="slowest statements shown per page")
    ap.add_argument("--no-generate", action="store_true")
    ap.add_argument("--no-measure", action="store_true")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--no-migrate", action="store_true")
    args = ap.parse_args()

    db = connection.settings_dict
    log(f"database: {connection.vendor} {db['NAME']}")
    if not args.no_migrate:
        t = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        log(f"migrate: {time.perf_counter() - t:.1f}s")
    rng = random.Random(args.seed)
    if not args.no_generate:
        t = time.perf_counter()
        big, tiny = ensure_schools(args.seed)
        made = add_cards(big, args.assets, rng)
        add_cards(tiny, 3, rng)
        loans = add_loans(big, rng)
        if made or loans:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA optimize")
        log(
            f"generation: {made} new cards, {Asset.objects.for_school(big).count()} in {big.name}, "
            f"{AssetLoan.objects.for_school(big).count()} loans, {time.perf_counter() - t:.1f}s"
        )
    if not args.no_measure:
        measure(args.repeat, args.top)
    if not args.no_export:
        export()
    return 0


if __name__ == "__main__":
    sys.exit(main())
