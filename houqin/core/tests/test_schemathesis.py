"""API fuzzing from our own OpenAPI schema (DESIGN.md stack: schemathesis): every operation, signed
in as the school admin of a real school, in-process against the WSGI app and inside the test's
transaction. No 500s; every response conforms to the schema.

Not checked: that schema-valid bodies are accepted (fuzzed ids rarely exist, so a 400 is
right) and that invalid ones are rejected (the serializers are lenient on some query parameters).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from houqin.core.models import AuditEvent
from houqin.core.testing import make_school


def _openapi() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


OPENAPI = _openapi()
app = get_wsgi_application()
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.app = app  # every request, including schemathesis' own probes, goes to the WSGI app
BASE_URL = "http://localhost"
# Checks not enforced yet: the schema does not document error responses (see bottom of file).
NOT_YET = [positive_data_acceptance, negative_data_rejection]

FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)

gate = schema


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly sends request_started/finished, whose close_old_connections()
    would close the connection holding the test transaction on PostgreSQL. Django's test client
    disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker, module_media):
    """One school per module and test worker, built in an outer transaction that each test's own
    nests in (as ``TestCase.setUpTestData``), rolled back at the end: a world per operation (~260)
    was a large share of the suite's time. Each test's writes are undone by its own savepoint."""
    with override_settings(MEDIA_ROOT=module_media), django_db_blocker.unblock(), transaction.atomic():
        yield make_school("st")
        transaction.set_rollback(True)


@pytest.fixture
def world(db, _module_world):
    return _module_world


@pytest.fixture
def auth_headers(world):
    token = Token.objects.create(user=world.user("school_admin"))
    return {"Authorization": f"Token {token.key}"}


@gate.parametrize()
@FUZZ
def test_api_operation(case, auth_headers):
    case.call_and_validate(base_url=BASE_URL, headers=auth_headers, excluded_checks=NOT_YET)


CREATE_PATHS = [
    "/api/v1/campuses/",
    "/api/v1/classes/",
    "/api/v1/departments/",
    "/api/v1/locations/",
    "/api/v1/staff/",
]


def valid_body(path: str, world) -> dict:
    return {
        "/api/v1/campuses/": {"name": "新校区"},
        "/api/v1/classes/": {"grade": 3, "number": 1},
        "/api/v1/departments/": {"name": "新部门"},
        "/api/v1/locations/": {
            "campus": world.campus.pk,
            "parent": world.floor.pk,
            "kind": "room",
            "name": "新房",
        },
        "/api/v1/staff/": {"username": "newperson", "display_name": "新人"},
    }[path]


@pytest.mark.parametrize("path", CREATE_PATHS)
def test_api_create_with_valid_data_conforms(path, auth_headers, world):
    """A valid create answers 201 with a body that matches the schema (deterministic, not fuzzed:
    fuzzing rarely finds existing foreign keys). Once fixed, put the writes back into the gate."""
    case = schema[path]["POST"].Case(body=valid_body(path, world), media_type="application/json")
    response = case.call_and_validate(base_url=BASE_URL, headers=auth_headers, excluded_checks=NOT_YET)
    assert response.status_code == 201


def test_audit_event_with_no_actor_conforms(auth_headers, world):
    event = AuditEvent.objects.for_school(world.school).filter(actor__isnull=True).first()
    case = schema["/api/v1/audit-events/{id}/"]["GET"].Case(path_parameters={"id": event.pk})
    case.call_and_validate(base_url=BASE_URL, headers=auth_headers, excluded_checks=NOT_YET)


def test_location_without_custodian_conforms(auth_headers, world):
    case = schema["/api/v1/locations/{id}/"]["GET"].Case(path_parameters={"id": world.room.pk})
    case.call_and_validate(base_url=BASE_URL, headers=auth_headers, excluded_checks=NOT_YET)


def test_location_with_custodian_conforms(auth_headers, world):
    from houqin.org import services

    services.location_update(actor=None, location=world.room, data={"custodian": world.user("teacher")})
    case = schema["/api/v1/locations/{id}/"]["GET"].Case(path_parameters={"id": world.room.pk})
    case.call_and_validate(base_url=BASE_URL, headers=auth_headers, excluded_checks=NOT_YET)


def test_every_operation_documents_its_error_responses():
    missing = []
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            expected = {"401", "403"}
            if "{id}" in path:
                expected.add("404")
            if method in {"post", "put", "patch"}:
                expected.add("400")
            lacking = expected - set(operation["responses"])
            if lacking:
                missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert not missing, "\n".join(missing)
