"""Attachments through the API: the same rules as the pages (issue 3, attachments)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.authtoken.models import Token

from houqin.core.models import Attachment


def photo(name="门.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def token(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.fixture
def director(school_a):
    return token(school_a.user("logistics_director"))


def test_upload_list_download_and_remove(client, school_a, director):
    room = school_a.room
    response = client.post(
        "/api/v1/attachments/",
        {"target_type": "org.location", "target_id": room.pk, "kind": "photo", "file": photo()},
        **director,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["target_type"] == "org.location" and body["mime_type"] == "image/jpeg"
    listed = client.get(
        "/api/v1/attachments/", {"target_type": "org.location", "target_id": room.pk}, **director
    )
    names = [a["original_name"] for a in listed.json()["results"]]
    assert "门.jpg" in names
    download = client.get(body["download_url"], **director)
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"\xff\xd8"
    removed = client.post(
        f"/api/v1/attachments/{body['id']}/remove/",
        {"reason": "拍错了"},
        content_type="application/json",
        **director,
    )
    assert removed.status_code == 200
    assert Attachment.objects.get(pk=body["id"]).removed_at is not None  # kept, marked removed


def test_a_renamed_text_file_is_refused_with_a_field_error(client, school_a, director):
    fake = SimpleUploadedFile("photo.jpg", b"just some text", content_type="image/jpeg")
    response = client.post(
        "/api/v1/attachments/",
        {"target_type": "org.location", "target_id": school_a.room.pk, "file": fake},
        **director,
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not Attachment.objects.filter(original_name="photo.jpg").exists()


def test_rules_of_the_record_apply(client, school_a, school_b, director):
    teacher = token(school_a.user("teacher"))  # may view rooms, may not change them
    upload = {"target_type": "org.location", "target_id": school_a.room.pk, "file": photo()}
    assert client.post("/api/v1/attachments/", upload, **teacher).status_code == 403
    other = token(school_b.user("school_admin"))
    assert (
        client.get(
            "/api/v1/attachments/", {"target_type": "org.location", "target_id": school_a.room.pk}, **other
        ).status_code
        == 404
    )
    sample = Attachment.objects.for_school(school_a.school).first()
    assert client.get(f"/api/v1/attachments/{sample.pk}/download/", **other).status_code == 404
    assert client.get("/api/v1/attachments/", **director).status_code == 400  # which record?
