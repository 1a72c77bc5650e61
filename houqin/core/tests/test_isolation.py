"""Tenancy sweep (DESIGN.md rule 2): every page and API route, walked as a member of another school
and as an anonymous visitor. New modules are covered without writing anything here, provided they
follow the naming rule: URL names ``app:model_action`` (pages) and router basenames ``app-model``
(API), with the object id in ``pk``.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from houqin.core.testing import make_school

pytestmark = pytest.mark.django_db

SECRET_TAG = "zq7x"  # in every name of the other school's objects; must never show up for school B

# Pages anyone may open (no school data), and the platform operator's Django admin.
PUBLIC = {"accounts:login", "set_language", "javascript-catalog", "core:healthz", "api-schema", "api-docs"}
SKIP_NAMESPACES = {"admin"}


def walk(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIP_NAMESPACES:
                continue
            yield from walk(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def all_routes():
    routes = []
    for name, pattern in walk():
        kwargs = sorted(pattern.pattern.regex.groupindex)  # path converters and DRF's regex groups
        routes.append((name, kwargs, "api" if name.startswith("api:") else "page"))
    return routes


def model_for(name: str):
    """``org:location_detail`` -> org.Location; ``api:org-location-detail`` -> org.Location."""
    if name.startswith("api:"):
        app_label, model_name = name.removeprefix("api:").rsplit("-", 1)[0].split("-", 1)
    else:
        app_label, rest = name.split(":", 1)
        model_name = rest.split("_", 1)[0]  # model names have no "_"; actions may (set_password)
    return apps.get_model(app_label, model_name)


@pytest.fixture(scope="module")
def two_schools(django_db_setup, django_db_blocker, module_media):
    """School A (every name tagged) and school B, built once per module and test worker — as
    ``TestCase.setUpTestData`` does: in an outer transaction that each test's own transaction nests
    in (a savepoint), rolled back at the end. Every test here only reads them, and building two
    worlds per route (~470 routes) was most of the suite's time."""
    with override_settings(MEDIA_ROOT=module_media), django_db_blocker.unblock(), transaction.atomic():
        yield make_school(SECRET_TAG), make_school("b")
        transaction.set_rollback(True)


def object_of(world, model):
    obj = model.objects.filter(school=world.school).order_by("pk").first()
    assert obj is not None, (
        f"make_school() creates no {model.__name__}: add one in houqin/core/testing.py so the tenancy "
        "sweep can try another school's id on its pages"
    )
    return obj


ROUTES = all_routes()


def test_sweep_found_the_routes():
    names = {name for name, _, _ in ROUTES}
    assert {"org:location_detail", "api:org-location-detail", "core:home"} <= names


@pytest.mark.parametrize("name,kwargs,kind", [r for r in ROUTES if r[1]], ids=lambda v: str(v))
def test_other_schools_object_is_not_found(client, two_schools, name, kwargs, kind):
    """A user of school B (with every default role) opening school A's object gets 404 or 403."""
    school_a, school_b = two_schools
    assert kwargs == ["pk"], f"{name}: object URLs take the object id as <int:pk> ({kwargs})"
    target = object_of(school_a, model_for(name))
    outsider = school_b.user("school_admin")
    client.force_login(outsider)
    url = reverse(name, kwargs={"pk": target.pk})
    response = client.get(url)
    if response.status_code == 405:  # a write-only action (remove, act): the write must not reach it
        response = (
            client.post(url, data={}, content_type="application/json") if kind == "api" else client.post(url)
        )
    assert response.status_code in (403, 404), f"{url} as another school: {response.status_code}"
    if kind == "api":
        response = client.patch(url, data={"name": "x"}, content_type="application/json")
    else:
        response = client.post(url, data={"name": "x"})
    assert response.status_code in (403, 404, 405), (
        f"write to {url} as another school: {response.status_code}"
    )


@pytest.mark.parametrize(
    "name,kwargs,kind", [r for r in ROUTES if not r[1] and r[0] not in PUBLIC], ids=lambda v: str(v)
)
def test_lists_never_show_another_schools_data(client, two_schools, name, kwargs, kind):
    _, school_b = two_schools
    client.force_login(school_b.user("school_admin"))
    url = reverse(name)
    response = client.get(url)
    # 400: a list that needs to be told which record (attachments of ?target_type=&target_id=)
    assert response.status_code in (200, 400, 403, 405), f"GET {url}: {response.status_code}"
    body = response.content.decode("utf-8", "replace")
    assert SECRET_TAG not in body, f"{url} shows data of another school"
    if name == "core:search":
        # both schools have a 电脑室<tag>; school B must find only its own
        body = client.get(url, {"q": "电脑室"}).content.decode()
        assert "电脑室b" in body
        assert SECRET_TAG not in body, "search shows another school's room"


@pytest.mark.parametrize("name,kwargs,kind", [r for r in ROUTES if r[0] not in PUBLIC], ids=lambda v: str(v))
def test_anonymous_is_sent_to_login(client, two_schools, name, kwargs, kind):
    school_a, _ = two_schools
    url = reverse(name, kwargs={"pk": object_of(school_a, model_for(name)).pk} if kwargs else None)
    response = client.get(url)
    if kind == "api":
        assert response.status_code == 401, f"{url}: {response.status_code}"
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
            f"{url}: {response.status_code}"
        )


def test_api_header_cannot_pick_a_school_the_user_is_not_in(client, two_schools):
    school_a, school_b = two_schools
    client.force_login(school_b.user("school_admin"))
    response = client.get(reverse("api:org-location-list"), HTTP_X_HOUQIN_SCHOOL=str(school_a.school.pk))
    assert response.status_code == 200
    assert SECRET_TAG not in response.content.decode()
    assert response.json()["count"] == 3  # school B's own building, floor and room
