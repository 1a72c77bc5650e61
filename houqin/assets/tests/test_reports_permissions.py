"""Who may read the asset reports, labels and cards: every member of the staff (``assets.view_asset``,
granted to all default roles: a scanned label must open for anyone), the district supervisor
read-only; nobody outside the school."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from houqin.core.testing import make_school
from houqin.org.models import DistrictSupervisor, EducationDistrict
from houqin.org.roles import DEFAULT_ROLES

User = get_user_model()

PAGES = ["asset_summary", "asset_changes", "asset_idle", "asset_utilisation", "asset_labels", "asset_scan"]


@pytest.mark.parametrize("role", [spec.code for spec in DEFAULT_ROLES])
def test_every_role_reads_the_reports(client, school_a, role):
    client.force_login(school_a.user(role))
    for name in PAGES:
        assert client.get(reverse(f"assets:{name}")).status_code == 200, (role, name)
    assert client.get(reverse("assets:asset_print", args=[school_a.asset.pk])).status_code == 200
    assert client.get(reverse("api:assets-report-summary")).status_code == 200


def test_the_menu_lists_the_reports_and_the_scanner(client, school_a):
    client.force_login(school_a.user("teacher"))
    body = client.get(reverse("core:home")).content.decode()
    for name, label in [
        ("asset_summary", "资产汇总表"),
        ("asset_changes", "资产增减表"),
        ("asset_idle", "闲置设备"),
        ("asset_utilisation", "设备使用率"),
        ("asset_scan", "扫码查资产"),
    ]:
        assert f'href="{reverse(f"assets:{name}")}"' in body and label in body


def test_district_supervisor_reads_the_reports_of_a_school_of_the_district(client, db):
    district = EducationDistrict.objects.create(name="某区教育局", code="some-district")
    world = make_school("v", district=district)
    supervisor = User.objects.create_user("supervisor", display_name="督导")
    DistrictSupervisor.objects.create(user=supervisor, district=district)
    client.force_login(supervisor)
    assert client.post(reverse("core:switch_school"), {"school": world.school.pk}).status_code == 302
    for name in PAGES:
        assert client.get(reverse(f"assets:{name}")).status_code == 200, name
    response = client.get(reverse("assets:asset_summary"), {"export": "xlsx"})
    assert response.status_code == 200
    assert client.get(reverse("assets:asset_print", args=[world.asset.pk])).status_code == 200
    data = client.get(reverse("api:assets-report-summary")).json()
    assert data["total"]["cards"] >= 1
    scanned = client.get(reverse("assets:asset_scan"), {"c": world.asset.code})
    assert scanned.status_code == 302


def test_someone_of_no_school_gets_nothing(client, school_a):
    stranger = User.objects.create_user("stranger", display_name="路人")
    client.force_login(stranger)
    for name in PAGES:
        assert client.get(reverse(f"assets:{name}")).status_code == 403, name
    assert client.get(reverse("assets:asset_scan"), {"c": school_a.asset.code}).status_code == 403
    assert client.get(reverse("api:assets-report-summary")).status_code == 403


def test_signed_out_api_is_401(client, school_a):
    assert client.get(reverse("api:assets-report-summary")).status_code == 401
    assert client.get(reverse("api:assets-report-changes")).status_code == 401
