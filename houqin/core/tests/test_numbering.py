"""Document numbers (issue 3, shared mechanisms): per school, type and year; unique, consecutive,
gap-free, safe under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from houqin.core.models import DocumentSequence
from houqin.core.numbering import next_number, peek_number
from houqin.core.testing import make_school


def _next(school, **kw):
    with transaction.atomic():
        return next_number(school=school, **{"key": "repairs.repairorder", "prefix": "BX", **kw})


@pytest.mark.django_db
def test_numbers_count_up_per_school_type_and_year(school_a, school_b):
    assert _next(school_a.school, year=2026) == "BX-2026-00001"
    assert _next(school_a.school, year=2026) == "BX-2026-00002"
    assert _next(school_b.school, year=2026) == "BX-2026-00001", "each school counts on its own"
    assert _next(school_a.school, year=2027) == "BX-2027-00001", "a new year starts again at 1"
    assert (
        _next(school_a.school, key="procurement.purchaserequest", prefix="CG", width=4, year=2026)
        == "CG-2026-0001"
    )
    assert _next(school_a.school, year=2026) == "BX-2026-00003"
    seq = DocumentSequence.objects.for_school(school_a.school).get(key="repairs.repairorder", year=2026)
    assert seq.last_value == 3


@pytest.mark.django_db
def test_default_year_is_the_schools_local_year(school_a):
    year = timezone.localdate().year  # Asia/Shanghai (TIME_ZONE)
    assert _next(school_a.school) == f"BX-{year}-00001"


@pytest.mark.django_db
def test_rolled_back_caller_gives_the_number_back(school_a):
    """Gap-free: a document that was not saved does not use up a number."""
    school = school_a.school
    assert _next(school, year=2026) == "BX-2026-00001"

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert next_number(school=school, key="repairs.repairorder", prefix="BX", year=2026) == (
            "BX-2026-00002"
        )
        raise Boom
    assert _next(school, year=2026) == "BX-2026-00002"


@pytest.mark.django_db
def test_rolled_back_first_number_of_the_year_leaves_no_sequence(school_a):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        next_number(school=school_a.school, key="x", prefix="X", year=2030)
        1 / 0  # noqa: B018
    assert not DocumentSequence.objects.filter(key="x").exists()
    assert _next(school_a.school, key="x", prefix="X", year=2030) == "X-2030-00001"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused(school_a):
    with pytest.raises(TransactionManagementError):
        next_number(school=school_a.school, key="k", prefix="K")


@pytest.mark.django_db
def test_peek_does_not_reserve(school_a):
    assert peek_number(school=school_a.school, key="k", prefix="K", year=2026) == "K-2026-00001"
    assert _next(school_a.school, key="k", prefix="K", year=2026) == "K-2026-00001"
    assert peek_number(school=school_a.school, key="k", prefix="K", year=2026) == "K-2026-00002"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_distinct_consecutive_numbers():
    """8 threads x 10 numbers, all racing to create the year's sequence: 80 distinct numbers 1..80."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    school = make_school("conc").school
    threads, results, errors = 8, [], []
    start = threading.Barrier(threads)
    lock = threading.Lock()

    def work():
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    number = next_number(school=school, key="repairs.repairorder", prefix="BX", year=2026)
                with lock:
                    results.append(number)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    assert sorted(results) == [f"BX-2026-{i:05d}" for i in range(1, 81)]
    assert DocumentSequence.objects.get(school=school, key="repairs.repairorder", year=2026).last_value == 80


@pytest.mark.django_db
def test_next_numbers_reserves_a_block_that_next_number_continues(school_a):
    from django.db import transaction

    from houqin.core.numbering import next_number, next_numbers

    with transaction.atomic():
        block = next_numbers(school=school_a.school, key="test.block", prefix="PL", count=3, year=2026)
        after = next_number(school=school_a.school, key="test.block", prefix="PL", year=2026)
    assert block == ["PL-2026-00001", "PL-2026-00002", "PL-2026-00003"]
    assert after == "PL-2026-00004"
