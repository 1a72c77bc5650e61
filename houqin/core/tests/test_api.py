"""The API shell: authentication sets the school, one error shape, writes through the services,
pagination, ``/me/``, and the OpenAPI schema and docs."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from houqin.core.models import AuditEvent
from houqin.core.testing import join_school
from houqin.org.models import Location

LOCATIONS = "/api/v1/locations/"


def token_headers(user) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def new_room(world, **extra):
    return {"campus": world.campus.pk, "parent": world.floor.pk, "kind": "room", "name": "API教室", **extra}


def assert_error_shape(body: dict, code: str) -> None:
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] == code


# --- authentication and the school ------------------------------------------------------------------


def test_token_auth_sets_the_school(client, school_a, school_b):
    response = client.get("/api/v1/me/", **token_headers(school_a.user("logistics_director")))
    assert response.status_code == 200
    body = response.json()
    assert body["school"] == {"id": school_a.school.pk, "name": school_a.school.name}
    assert body["username"] == "a_logistics_director"
    assert body["read_only"] is False
    assert "org.add_location" in body["permissions"]
    assert "org.add_membership" not in body["permissions"]
    locations = client.get(LOCATIONS, **token_headers(school_a.user("teacher"))).json()
    assert {r["name"] for r in locations["results"]} == {"教学楼a", "1Fa", "电脑室a"}


def test_session_auth_sets_the_school(client, school_a):
    client.force_login(school_a.user("teacher"))
    body = client.get("/api/v1/me/").json()
    assert body["school"]["id"] == school_a.school.pk
    assert [p for p in body["permissions"] if p.startswith("org.")] == sorted(
        ["org.view_campus", "org.view_location", "org.view_department", "org.view_schoolclass"]
    )


def test_school_header_selects_among_the_users_schools(client, school_a, school_b):
    user = school_a.user("teacher")
    join_school(user, school_b, "guard")
    headers = token_headers(user)
    assert client.get("/api/v1/me/", **headers).json()["school"]["id"] == school_a.school.pk
    body = client.get("/api/v1/me/", HTTP_X_HOUQIN_SCHOOL=str(school_b.school.pk), **headers).json()
    assert body["school"]["id"] == school_b.school.pk
    assert {s["id"] for s in body["schools"]} == {school_a.school.pk, school_b.school.pk}
    names = {
        r["name"]
        for r in client.get(LOCATIONS, HTTP_X_HOUQIN_SCHOOL=str(school_b.school.pk), **headers).json()[
            "results"
        ]
    }
    assert names == {"教学楼b", "1Fb", "电脑室b"}
    # the header also works with session auth, and a nonsense value falls back to the first school
    client.force_login(user)
    assert (
        client.get("/api/v1/me/", HTTP_X_HOUQIN_SCHOOL=str(school_b.school.pk)).json()["school"]["id"]
        == school_b.school.pk
    )
    assert client.get("/api/v1/me/", HTTP_X_HOUQIN_SCHOOL="abc").json()["school"]["id"] == school_a.school.pk


def test_no_credentials_is_401_with_detail_and_code(client, school_a):
    for url in (LOCATIONS, "/api/v1/me/", "/api/v1/staff/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert_error_shape(response.json(), "not_authenticated")
    response = client.get(LOCATIONS, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert_error_shape(response.json(), "authentication_failed")


def test_no_permission_is_403(client, school_a):
    headers = token_headers(school_a.user("teacher"))
    response = client.post(LOCATIONS, new_room(school_a), content_type="application/json", **headers)
    assert response.status_code == 403
    assert_error_shape(response.json(), "permission_denied")
    assert not Location.objects.filter(name="API教室").exists()
    response = client.get("/api/v1/staff/", **token_headers(school_a.user("guard")))
    assert response.status_code == 403
    assert_error_shape(response.json(), "permission_denied")


def test_user_without_a_school_gets_403(client, db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("loner")
    response = client.get(LOCATIONS, **token_headers(user))
    assert response.status_code == 403
    assert client.get("/api/v1/me/", **token_headers(user)).json()["school"] is None


# --- writes -----------------------------------------------------------------------------------------


@pytest.fixture
def director(school_a):
    return token_headers(school_a.user("logistics_director"))


def test_invalid_post_is_400_with_field_errors_and_creates_nothing(client, school_a, director):
    """DESIGN.md rule 5: field errors in the user's language, nothing saved."""
    before = Location.objects.count()
    response = client.post(
        LOCATIONS,
        {"campus": school_a.campus.pk, "kind": "cellar", "capacity": -1},
        content_type="application/json",
        **director,
    )
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert body["detail"] == "提交的数据有误，请检查各字段。"
    assert set(body["errors"]) >= {"name", "kind", "capacity"}
    assert body["errors"]["name"] == ["该字段是必填项。"]
    assert Location.objects.count() == before


def test_another_schools_related_object_is_refused(client, school_a, school_b, director):
    response = client.post(
        LOCATIONS, new_room(school_a, parent=school_b.floor.pk), content_type="application/json", **director
    )
    assert response.status_code == 400
    assert "parent" in response.json()["errors"]
    response = client.post(
        LOCATIONS,
        new_room(school_a, custodian=school_b.user("teacher").pk),
        content_type="application/json",
        **director,
    )
    assert response.status_code == 400
    assert "custodian" in response.json()["errors"]


def test_service_validation_error_comes_back_in_the_same_shape(client, school_a, director):
    """The service's parent/kind rule reaches the API client as a field error, like on the form."""
    response = client.post(
        LOCATIONS,
        {"campus": school_a.campus.pk, "kind": "floor", "name": "无楼的楼层"},
        content_type="application/json",
        **director,
    )
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert body["errors"] == {"parent": ["楼层 需要选择上级位置。"]}


def test_duplicate_location_code_is_400_and_nothing_created(client, school_a, director):
    response = client.post(
        LOCATIONS, new_room(school_a, code="R-a"), content_type="application/json", **director
    )
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert body["errors"]
    assert not Location.objects.filter(name="API教室").exists()


def test_duplicate_location_code_error_is_on_the_code_field(client, school_a, director):
    response = client.post(
        LOCATIONS, new_room(school_a, code="R-a"), content_type="application/json", **director
    )
    assert "code" in response.json()["errors"]


def test_create_location_goes_through_the_service(client, school_a, director):
    """事事有记录 + DESIGN.md rule 1: the API writes through the same service as the page."""
    response = client.post(
        LOCATIONS, new_room(school_a, code="A-1"), content_type="application/json", **director
    )
    assert response.status_code == 201
    body = response.json()
    assert body["full_name"] == "本部a / 教学楼a / 1Fa / API教室"
    assert body["depth"] == 2
    location = Location.objects.for_school(school_a.school).get(pk=body["id"])
    assert location.path == f"{school_a.floor.path}{location.pk}/"
    event = AuditEvent.objects.for_school(school_a.school).for_target(location).get(verb="created")
    assert event.actor == school_a.user("logistics_director")
    assert event.changes == {"full_name": [None, body["full_name"]]}


def test_patch_updates_through_the_service(client, school_a, director):
    url = f"{LOCATIONS}{school_a.building.pk}/"
    response = client.patch(
        url, {"name": "综合楼", "campus": 999999}, content_type="application/json", **director
    )  # campus is read-only on update: ignored
    assert response.status_code == 200
    assert response.json()["full_name"] == "本部a / 综合楼"
    assert Location.objects.get(pk=school_a.room.pk).full_name == "本部a / 综合楼 / 1Fa / 电脑室a"
    event = AuditEvent.objects.for_school(school_a.school).for_target(school_a.building).get(verb="updated")
    assert event.changes == {"name": ["教学楼a", "综合楼"]}
    response = client.patch(
        f"{LOCATIONS}{school_a.room.pk}/",
        {"custodian": school_a.user("teacher").pk},
        content_type="application/json",
        **director,
    )
    assert response.status_code == 200
    assert response.json()["custodian_detail"] == {
        "id": school_a.user("teacher").pk,
        "display_name": "teachera",
    }


def test_delete_is_not_offered(client, school_a):
    """DESIGN.md rule 4: records are deactivated, not deleted."""
    headers = token_headers(school_a.user("school_admin"))
    response = client.delete(f"{LOCATIONS}{school_a.room.pk}/", **headers)
    assert response.status_code == 405
    assert_error_shape(response.json(), "method_not_allowed")
    assert Location.objects.filter(pk=school_a.room.pk).exists()


def test_staff_create_through_the_api(client, school_a):
    headers = token_headers(school_a.user("school_admin"))
    response = client.post(
        "/api/v1/staff/",
        {"username": "apiuser", "display_name": "接口用户", "roles": [school_a.role("guard").pk]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["roles"] == [school_a.role("guard").pk]
    response = client.post(
        "/api/v1/staff/",
        {"username": "apiuser", "display_name": "再来"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


# --- reading ---------------------------------------------------------------------------------------------


def test_pagination_shape(client, school_a):
    headers = token_headers(school_a.user("teacher"))
    body = client.get(LOCATIONS, {"page_size": 2}, **headers).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["previous"] is None and "page=2" in body["next"]
    second = client.get(LOCATIONS, {"page_size": 2, "page": 2}, **headers).json()
    assert len(second["results"]) == 1 and second["next"] is None and second["previous"]


def test_location_filters_in_the_api(client, school_a):
    headers = token_headers(school_a.user("teacher"))
    body = client.get(LOCATIONS, {"q": "dns"}, **headers).json()
    assert [r["name"] for r in body["results"]] == ["电脑室a"]
    body = client.get(LOCATIONS, {"kind": "building"}, **headers).json()
    assert [r["name"] for r in body["results"]] == ["教学楼a"]
    response = client.get(LOCATIONS, {"kind": "cellar"}, **headers)
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_another_schools_object_is_404_in_the_api(client, school_a, school_b):
    response = client.get(f"{LOCATIONS}{school_b.room.pk}/", **token_headers(school_a.user("teacher")))
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_audit_events_api_lists_the_schools_trail(client, school_a):
    headers = token_headers(school_a.user("school_admin"))
    body = client.get("/api/v1/audit-events/", {"verb": "created"}, **headers).json()
    assert body["count"] > 0
    assert all(e["verb"] == "created" for e in body["results"])
    assert client.get("/api/v1/audit-events/", **token_headers(school_a.user("teacher"))).status_code == 403


# --- schema and docs -------------------------------------------------------------------------------------


def test_openapi_schema_is_valid(client, db):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/locations/", "/api/v1/locations/{id}/", "/api/v1/me/", "/api/v1/staff/"} <= set(
        schema["paths"]
    )
    assert "delete" not in schema["paths"]["/api/v1/locations/{id}/"]
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    as_json = client.get(reverse("api-schema"), {"format": "json"})
    assert as_json.status_code == 200 and as_json.json()["paths"].keys() == schema["paths"].keys()


def test_api_docs_render(client, db):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert "swagger" in response.content.decode().lower()


def test_an_unknown_api_url_answers_in_the_api_error_shape(client, school_a):
    client.force_login(school_a.user("school_admin"))
    response = client.get("/api/v1/locations/not-a-number/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
