"""Time the Excel import of N rooms (issue 3: 10,000 rows in under 30 s on this machine).

    DATABASE_URL=sqlite:////$PWD/bench/out/import.sqlite3 .venv/bin/python bench/import_bench.py --rows 10000

Creates (or reuses) a school `import-bench`, builds an .xlsx in memory with N rooms spread over
buildings and floors, then runs the real importer (parse + validate + save through the
services in one transaction) and reports the time of each phase and the queries per row.
Each run uses a fresh building prefix, so it can be repeated on the same database.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from houqin.org import services  # noqa: E402
from houqin.org.imports import LocationImporter  # noqa: E402
from houqin.org.models import Campus, School  # noqa: E402


def workbook(rows: int, prefix: str) -> io.BytesIO:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("位置")
    ws.append(["校区", "楼宇", "楼层", "名称", "编号", "用途", "容纳人数"])
    per_floor, floors = 40, 5
    for i in range(rows):
        building, rest = divmod(i, per_floor * floors)
        floor, room = divmod(rest, per_floor)
        ws.append(
            [
                "本部",
                f"{prefix}{building + 1}号楼",
                f"{floor + 1}F",
                f"{floor + 1}{room + 1:02d}",
                f"{prefix}-{i:06d}",
                "普通教室",
                45,
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "rooms.xlsx"
    return buffer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    school = School.objects.filter(code="import-bench").first() or services.school_create(
        actor=None, name="导入测试学校", code="import-bench"
    )
    if not Campus.objects.for_school(school).filter(name="本部").exists():
        services.campus_create(actor=None, school=school, name="本部")
    prefix = f"B{int(time.time()) % 100000}"
    started = time.perf_counter()
    upload = workbook(args.rows, prefix)
    built = time.perf_counter()
    importer = LocationImporter(school=school, actor=None)
    result = importer.parse(upload)
    parsed = time.perf_counter()
    assert result.ok, result.errors[:5]
    counter = {"queries": 0}

    def count(execute, sql, params, many, context):
        counter["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        errors = importer.save_all(result.rows)
    saved = time.perf_counter()
    assert not errors, errors[:5]
    print(f"database: {connection.vendor}; rows: {args.rows}")
    print(f"build xlsx   {built - started:7.2f} s (not part of the import)")
    print(f"read+check   {parsed - built:7.2f} s")
    print(f"save         {saved - parsed:7.2f} s  ({counter['queries'] / args.rows:.1f} queries per row)")
    print(f"import total {saved - built:7.2f} s  ({args.rows / (saved - built):.0f} rows/s)")


if __name__ == "__main__":
    main()
