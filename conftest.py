"""Project-wide pytest fixtures. Real database (SQLite, or PostgreSQL via HOUQIN_TEST_DATABASE_URL)."""

import pytest
from django.db import connection

from houqin.core.testing import make_school


def pytest_collection_modifyitems(config, items):
    """``postgres_only`` tests (row locks, concurrent connections) skip on SQLite, saying why."""
    if connection.vendor == "postgresql":
        return
    reason = f"needs PostgreSQL row locks and concurrent connections (database is {connection.vendor})"
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    """Uploads of data built once for a whole module (``module_media`` in a module fixture)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _test_settings(request, settings, tmp_path):
    settings.AXES_ENABLED = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "zh-hans"
    # uploads and exports never land in var/media; a module that builds its data once keeps its
    # files in the module's folder for every test
    shared = "module_media" in request.fixturenames
    settings.MEDIA_ROOT = request.getfixturevalue("module_media") if shared else tmp_path / "media"


@pytest.fixture
def school_a(db):
    return make_school("a")


@pytest.fixture
def school_b(db):
    return make_school("b")
