"""Project-wide pytest fixtures. Real database (SQLite, or PostgreSQL via HOUQIN_TEST_DATABASE_URL)."""

import pytest

from houqin.core.testing import make_school


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def school_a(db):
    return make_school("a")


@pytest.fixture
def school_b(db):
    return make_school("b")
