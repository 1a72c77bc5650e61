"""Who may do what with damage and disposals, role by role (DESIGN.md rule 3; apps.py grants:
everyone on the staff reports damage; the asset clerk and the logistics director keep the books;
leaders read)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.assets.choices import DamageCause, DamageStatus
from houqin.org.roles import DEFAULT_ROLES

from .test_damage_helpers import fresh

pytestmark = pytest.mark.django_db

KEEPERS = {"asset_clerk", "logistics_director"}
READERS = KEEPERS | {"school_admin", "principal", "finance", "school_affairs"}
ROLES = [spec.code for spec in DEFAULT_ROLES]


@pytest.mark.parametrize("role", ROLES)
def test_every_member_of_staff_opens_the_damage_list_and_reports(client, school_a, role):
    client.force_login(school_a.user(role))
    assert client.get(reverse("assets:assetdamage_list")).status_code == 200
    response = client.get(reverse("assets:assetdamage_create"), {"asset": school_a.asset.pk})
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_only_the_keepers_of_the_books_judge_damage(client, school_a, role):
    damage = school_a.damage  # the sample report of make_school()
    client.force_login(school_a.user(role))
    response = client.post(
        reverse("assets:assetdamage_assess", args=[damage.pk]), {"cause": DamageCause.NATURAL}
    )
    if role in KEEPERS:
        assert response.status_code == 302
        assert fresh(damage).status == DamageStatus.REPAIR
    else:
        assert response.status_code in (403, 404)
        assert fresh(damage).status == DamageStatus.REPORTED


@pytest.mark.parametrize("role", ROLES)
def test_disposals_are_read_by_leaders_and_drawn_up_by_the_keepers(client, school_a, role):
    client.force_login(school_a.user(role))
    listed = client.get(reverse("assets:assetdisposal_list")).status_code
    detail = client.get(school_a.disposal.get_absolute_url()).status_code
    printed = client.get(reverse("assets:assetdisposal_print", args=[school_a.disposal.pk])).status_code
    create = client.get(reverse("assets:assetdisposal_create")).status_code
    expected = 200 if role in READERS else 403
    assert (listed, detail, printed) == (expected, expected, expected)
    assert create == (200 if role in KEEPERS else 403)
