"""Who may do what with plans, role by role (DESIGN.md rule 3; houqin/stocktake/apps.py grants):
the asset clerk and the logistics director run plans, the principal, finance and the school admin
read them, every member may count (我的盘点) and sees the plans they count in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from houqin.stocktake.actions import stocktake_actions

from .helpers import member, plan

pytestmark = pytest.mark.django_db

RUNS = ("asset_clerk", "logistics_director")
READS = ("principal", "finance", "school_admin")
COUNTS_ONLY = ("teacher", "head_teacher", "technician", "guard")


def status_of(client, name, *args) -> int:
    return client.get(reverse(f"stocktake:{name}", args=args)).status_code


def test_pages_role_by_role(client, school_a):
    w = school_a
    stocktake = plan(w)
    place = stocktake.locations.get()
    expected = {
        # role: list, create, detail, update, cancel, assign, mine
        **dict.fromkeys(RUNS, (200, 200, 200, 200, 200, 200, 200)),
        **dict.fromkeys(READS, (200, 403, 200, 403, 403, 403, 200)),
        **dict.fromkeys(COUNTS_ONLY, (403, 403, 404, 403, 403, 403, 200)),
    }
    for role, codes in expected.items():
        client.force_login(w.user(role))
        got = (
            status_of(client, "stocktake_list"),
            status_of(client, "stocktake_create"),
            status_of(client, "stocktake_detail", stocktake.pk),
            status_of(client, "stocktake_update", stocktake.pk),
            status_of(client, "stocktake_cancel", stocktake.pk),
            status_of(client, "stocktakelocation_assign", place.pk),
            status_of(client, "stocktakelocation_mine"),
        )
        assert got == codes, role


def test_the_buttons_follow_the_role_and_the_state(school_a):
    """stocktake_actions: managers get the plan's steps, readers and counters none."""
    w = school_a
    stocktake = plan(w, counters={w.room.pk: w.user("teacher")})
    for role in RUNS:
        assert stocktake_actions(stocktake, member(w, role)) == [
            "update",
            "assign",
            "close_counting",
            "cancel",
        ]
    for role in (*READS, "teacher"):
        assert stocktake_actions(stocktake, member(w, role)) == []


def test_a_counter_opens_the_plan_they_count_in(client, school_a):
    w = school_a
    stocktake = plan(w, counters={w.room.pk: w.user("head_teacher")})
    client.force_login(w.user("head_teacher"))
    assert status_of(client, "stocktake_detail", stocktake.pk) == 200
    assert status_of(client, "stocktake_progress", stocktake.pk) == 200
    client.force_login(w.user("teacher"))  # counts the sample plan, not this one
    assert status_of(client, "stocktake_detail", stocktake.pk) == 404
    assert status_of(client, "stocktake_detail", w.stocktake.pk) == 200
