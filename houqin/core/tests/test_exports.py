"""Excel export of list pages (issue 3): what the filters show; big exports as a task with progress."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from houqin.core.export_models import ExportJob
from houqin.core.exports import run_export
from houqin.core.models import AuditEvent
from houqin.org import services

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def sheet_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def director(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    return school_a.user("logistics_director")


def test_list_exports_what_its_filters_show(client, school_a, director):
    w = school_a
    response = client.get(reverse("org:location_list"), {"kind": "room", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = sheet_rows(response.getvalue())
    assert rows[0][:3] == ("编号", "名称", "类型")
    assert [r[1] for r in rows[1:]] == [w.room.name]  # rooms only: the building and floor are filtered out
    assert rows[1][6] is None and rows[1][5] == w.room.full_name
    assert AuditEvent.objects.for_school(w.school).filter(verb="exported", actor=director).exists()


def test_staff_export_lists_roles_and_needs_the_staff_permission(client, school_a):
    client.force_login(school_a.user("school_admin"))
    rows = sheet_rows(client.get(reverse("org:membership_list"), {"export": "xlsx"}).getvalue())
    teacher = next(r for r in rows if r[1] == "a_teacher")
    assert teacher[6] == "教师"
    client.force_login(school_a.user("teacher"))  # teachers do not see the staff list
    assert client.get(reverse("org:membership_list"), {"export": "xlsx"}).status_code == 403


def test_a_big_export_runs_as_a_task_with_progress(
    client, school_a, director, settings, django_capture_on_commit_callbacks
):
    settings.HOUQIN = {**settings.HOUQIN, "EXPORT_SYNC_MAX_ROWS": 2}
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("org:location_list"), {"export": "xlsx"})
    job = ExportJob.objects.for_school(school_a.school).filter(created_by=director).get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows_total == 3 and job.percent == 100
    page = client.get(job.get_absolute_url())
    assert "下载文件" in page.content.decode()
    download = client.get(reverse("core:exportjob_download", args=[job.pk]))
    assert len(sheet_rows(b"".join(download.streaming_content))) == 4  # header + 3 places
    # an export holds what one person could see: another user of the school cannot open it
    client.force_login(school_a.user("principal"))
    assert client.get(job.get_absolute_url()).status_code == 404


def test_the_export_task_checks_the_permission_again_when_it_runs(school_a, settings):
    settings.TASKS = IMMEDIATE
    w = school_a
    teacher = w.user("teacher")
    job = ExportJob.objects.create(
        school=w.school, spec="org.membership", title="教职工", params={}, created_by=teacher
    )
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    services.role_update(
        actor=None,
        role=w.role("teacher"),
        data={"permissions": [*w.role("teacher").permissions.all(), _perm("org.view_membership")]},
    )
    job.status = ExportJob.Status.QUEUED
    job.save()
    run_export.call(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE


def _perm(name):
    from django.contrib.auth.models import Permission

    app, code = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=code)


def test_audit_log_exports_in_words(client, school_a):
    client.force_login(school_a.user("school_admin"))
    rows = sheet_rows(client.get(reverse("core:auditevent_list"), {"export": "xlsx"}).getvalue())
    assert rows[0][:3] == ("时间", "操作人", "动作")
    assert any(r[2] == "创建" and r[3] == school_a.room.full_name for r in rows[1:])


def test_general_requests_export_only_what_the_user_may_see(client, school_a):
    from houqin.approvals import services as approvals

    w = school_a
    approvals.general_request_create(actor=w.user("teacher"), school=w.school, title="买粉笔", amount=None)
    client.force_login(w.user("guard"))  # neither the requester nor an approver
    rows = sheet_rows(client.get(reverse("approvals:generalrequest_list"), {"export": "xlsx"}).getvalue())
    assert all(r[1] != "买粉笔" for r in rows[1:])
    client.force_login(w.user("teacher"))
    rows = sheet_rows(client.get(reverse("approvals:generalrequest_list"), {"export": "xlsx"}).getvalue())
    assert any(r[1] == "买粉笔" for r in rows[1:])


def test_department_export_counts_staff_still_on_duty(client, school_a, director):
    from houqin.org import services as org

    teacher = school_a.members["teacher"]
    org.membership_update(actor=None, membership=teacher, data={"is_active": False})
    rows = sheet_rows(client.get(reverse("org:department_list"), {"export": "xlsx"}).getvalue())
    (department,) = [r for r in rows[1:] if r[0] == school_a.department.name]
    assert department[4] == len(school_a.members) - 1
