"""Fixtures and helpers for the Excel import tests: a school made by the services, xlsx files in memory.

Import the fixtures into a test module with ``from houqin.org.tests.import_fixtures import *``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from houqin.core.excel import XLSX_CONTENT_TYPE
from houqin.org import services
from houqin.org.models import Role

PASSWORD = "Import-Test-4821"  # test accounts only


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_CONTENT_TYPE)


def xlsx_upload(rows: Iterable[Sequence[Any]], name: str = "import.xlsx") -> SimpleUploadedFile:
    return upload(xlsx_bytes(rows), name)


def read_xlsx(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet of a workbook as lists of row values."""
    workbook = load_workbook(io.BytesIO(content))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def make_member(school, username: str, display_name: str, *roles: str, mobile: str | None = None):
    return services.membership_create(
        actor=None,
        school=school,
        username=username,
        display_name=display_name,
        mobile=mobile,
        password=PASSWORD,
        roles=[Role.objects.get(school=school, code=code) for code in roles],
    )


@pytest.fixture
def town(db):
    """One school (主校区, 东校区, 教学楼 > 3层 > 301教室, 总务处) with a director, an admin and a
    teacher; and a second school with a member of its own."""
    school = services.school_create(actor=None, name="实验小学", code="imp-syxx", kind="primary")
    campus = services.campus_create(actor=None, school=school, name="主校区")
    east = services.campus_create(actor=None, school=school, name="东校区")
    building = services.location_create(
        actor=None, school=school, campus=campus, name="教学楼", kind="building"
    )
    floor = services.location_create(
        actor=None, school=school, campus=campus, name="3层", kind="floor", parent=building
    )
    room = services.location_create(
        actor=None, school=school, campus=campus, name="301教室", kind="room", parent=floor, code="301"
    )
    department = services.department_create(actor=None, school=school, name="总务处")
    director = make_member(school, "director", "王主任", "logistics_director", mobile="13900000001")
    admin = make_member(school, "admin", "李管理", "school_admin")
    teacher = make_member(school, "teacher", "赵老师", "teacher", mobile="13900000003")

    other = services.school_create(actor=None, name="第二中学", code="imp-dezx", kind="junior")
    outsider = make_member(other, "outsider", "钱外校", "logistics_director", mobile="13900000009")
    return SimpleNamespace(
        school=school,
        campus=campus,
        east=east,
        building=building,
        floor=floor,
        room=room,
        department=department,
        director=director.user,
        admin=admin.user,
        teacher=teacher.user,
        other=other,
        outsider=outsider.user,
    )
