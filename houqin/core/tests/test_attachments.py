"""Attachments and signatures (issue 3): real uploads, real type checks, permissions, the timeline.

DESIGN rule 5 (uploads are checked for size and real type), rule 4 (removal keeps the record),
rule 2 (another school's attachment is a 404).
"""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from houqin.core import audit
from houqin.core.attachments import (
    attachment_add,
    attachment_remove,
    attachments_for,
    register_attachment_rule,
    signature_add,
    sniff_type,
)
from houqin.core.models import Attachment, AttachmentKind

pytestmark = pytest.mark.django_db


def image_bytes(size=(40, 30), fmt="JPEG", color=(10, 120, 200), exif=None, mode="RGB") -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(settings) -> list[str]:
    return sorted(str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def office_zip(main_type: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0"?><Types><Override PartName="/x" ContentType="{main_type}"/></Types>',
        )
    return out.getvalue()


def signature_url(ink=True, size=(300, 150)) -> str:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if ink:
        for x in range(20, 200):
            for dy in range(3):
                image.putpixel((x, 60 + (x // 10) + dy), (0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def director(school_a):
    return _with_context(school_a.user("logistics_director"), school_a)


def _with_context(user, world):
    from houqin.core.permissions import attach_school_context

    class R:
        pass

    attach_school_context(R(), user, world.school.pk)
    return user


# --- services ----------------------------------------------------------------------------------


def test_photo_is_shrunk_reencoded_and_thumbnailed(school_a, director, settings):
    settings.HOUQIN = {**settings.HOUQIN, "IMAGE_MAX_SIDE": 100, "THUMBNAIL_SIDE": 20}
    a = attachment_add(
        actor=director, target=school_a.room, upload=upload("门.png", image_bytes((400, 200), "PNG"))
    )
    assert a.kind == AttachmentKind.PHOTO and a.mime_type == "image/jpeg"
    assert (a.width, a.height) == (100, 50)
    assert a.original_name == "门.png" and a.download_name == "门.jpg"
    assert a.created_by == director and a.school == school_a.school
    # on disk: attachments/<school>/<yyyy>/<mm>/<uuid>.jpg — never the uploader's name
    parts = a.file.name.split("/")
    assert parts[0] == "attachments" and parts[1] == str(school_a.school.pk) and len(parts) == 5
    assert parts[4].endswith(".jpg") and "门" not in a.file.name
    with default_storage.open(a.file.name) as f, Image.open(f) as stored:
        assert stored.format == "JPEG" and stored.size == (100, 50)
    with default_storage.open(a.thumbnail.name) as f, Image.open(f) as thumb:
        assert max(thumb.size) == 20


def test_exif_orientation_is_applied_and_exif_dropped(school_a, director):
    """A phone stores portrait photos as landscape pixels plus "rotate" in EXIF (and GPS)."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS IFD
    a = attachment_add(
        actor=director, target=school_a.room, upload=upload("p.jpg", image_bytes((60, 20), exif=exif))
    )
    assert (a.width, a.height) == (20, 60)
    with default_storage.open(a.file.name) as f, Image.open(f) as stored:
        assert not stored.getexif(), "EXIF (orientation, GPS) is not kept"


@pytest.mark.parametrize(
    "name,data,mime",
    [
        ("a.webp", image_bytes(fmt="WEBP"), "image/jpeg"),
        ("a.gif", image_bytes(fmt="GIF", mode="P", color=3), "image/jpeg"),
        ("报告.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf"),
        (
            "清单.xlsx",
            office_zip("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "说明.docx",
            office_zip("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_accepted_documents(school_a, director, name, data, mime):
    a = attachment_add(actor=director, target=school_a.room, upload=upload(name, data), kind="document")
    assert a.mime_type == mime
    assert a.download_name.endswith(a.file.name.rsplit(".", 1)[1])


@pytest.mark.parametrize(
    "name,data",
    [
        ("renamed.pdf", b"just some text, not a PDF"),
        ("notes.txt", b"plain text is not accepted"),
        ("fake.jpg", b"<html><script>alert(1)</script></html>"),
        ("other.zip", office_zip("application/xml")),
        ("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ],
)
def test_wrong_real_type_is_refused_and_nothing_saved(school_a, director, name, data):
    before = Attachment.objects.count()
    with pytest.raises(ValidationError) as err:
        attachment_add(actor=director, target=school_a.room, upload=upload(name, data), kind="document")
    assert "不支持" in err.value.messages[0] and name in err.value.messages[0]
    assert Attachment.objects.count() == before


def test_pdf_is_not_a_photo(school_a, director):
    with pytest.raises(ValidationError, match="不是照片"):
        attachment_add(actor=director, target=school_a.room, upload=upload("x.pdf", b"%PDF-1.4 x"))


def test_oversized_file_is_refused_with_a_clear_error_and_nothing_saved(school_a, director, settings):
    settings.HOUQIN = {**settings.HOUQIN, "ATTACHMENT_MAX_BYTES": 1000}
    before, files = Attachment.objects.count(), stored_files(settings)
    with pytest.raises(ValidationError) as err:
        attachment_add(
            actor=director,
            target=school_a.room,
            upload=upload("big.pdf", b"%PDF-" + b"0" * 2000),
            kind="document",
        )
    assert "太大" in err.value.messages[0] and "big.pdf" in err.value.messages[0]
    assert Attachment.objects.count() == before
    assert stored_files(settings) == files, "no file written"


def test_decompression_bomb_is_refused(school_a, director, settings):
    settings.HOUQIN = {**settings.HOUQIN, "IMAGE_MAX_PIXELS": 10_000}
    with pytest.raises(ValidationError, match="尺寸过大"):
        attachment_add(
            actor=director, target=school_a.room, upload=upload("b.png", image_bytes((200, 200), "PNG"))
        )


def test_huge_dimension_image_is_shrunk(school_a, director):
    a = attachment_add(
        actor=director, target=school_a.room, upload=upload("wide.png", image_bytes((5000, 100), "PNG"))
    )
    assert a.width == 1600 and a.height == 32


def test_unreadable_heic_gets_a_clear_message(school_a, director):
    fake_heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    assert sniff_type(fake_heic) == "image/heic"
    with pytest.raises(ValidationError, match="HEIC"):
        attachment_add(actor=director, target=school_a.room, upload=upload("IMG_1.HEIC", fake_heic))


def test_teacher_may_not_add_without_change_permission(school_a):
    teacher = _with_context(school_a.user("teacher"), school_a)
    with pytest.raises(PermissionDenied):
        attachment_add(actor=teacher, target=school_a.room, upload=upload("p.jpg", image_bytes()))


def test_a_registered_rule_lets_a_teacher_add(school_a):
    from houqin.org.models import SchoolClass

    teacher = _with_context(school_a.user("teacher"), school_a)
    register_attachment_rule(SchoolClass, can_change=lambda user, obj: True)
    a = attachment_add(actor=teacher, target=school_a.school_class, upload=upload("p.jpg", image_bytes()))
    assert a.created_by == teacher


def test_add_and_remove_show_on_the_targets_timeline_and_removal_keeps_the_file(school_a, director):
    room = school_a.room
    a = attachment_add(actor=director, target=room, upload=upload("门.jpg", image_bytes()))
    assert a in attachments_for(room, school_a.school)
    attachment_remove(actor=director, attachment=a, reason="拍错了")
    a.refresh_from_db()
    assert a.removed_at is not None and a.removed_by == director and a.removed_reason == "拍错了"
    assert default_storage.exists(a.file.name), "the file stays for the record"
    assert a not in attachments_for(room, school_a.school)
    verbs = [e.verb for e in audit.timeline(room, school=school_a.school)]
    assert verbs[:2] == ["attachment_removed", "attachment_added"]
    assert audit.verb_label("attachment_added") == "添加附件"
    with pytest.raises(ValidationError, match="已被移除"):
        attachment_remove(actor=director, attachment=a)


# --- signatures ------------------------------------------------------------------------------------


def test_signature_is_stored_with_signer_and_audited(school_a, director):
    a = signature_add(actor=director, target=school_a.room, data_url=signature_url(), signed_for="验收签字")
    assert a.kind == AttachmentKind.SIGNATURE and a.signer == director and a.signed_at is not None
    assert a.signed_for == "验收签字" and a.mime_type == "image/png"
    assert audit.timeline(school_a.room, school=school_a.school).first().verb == "signed"


@pytest.mark.parametrize(
    "data_url,message",
    [
        ("", "无效"),
        ("data:image/jpeg;base64," + base64.b64encode(image_bytes()).decode(), "无效"),
        ("data:image/png;base64,!!!notbase64", "无效"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a......").decode(), "无效"),
        (signature_url(ink=False), "还没有签字"),
        ("data:image/png;base64," + "A" * (800 * 1024), "太大"),
    ],
)
def test_signature_data_url_is_validated(school_a, director, data_url, message):
    with pytest.raises(ValidationError, match=message):
        signature_add(actor=director, target=school_a.room, data_url=data_url, signed_for="验收")
    assert not Attachment.objects.filter(kind=AttachmentKind.SIGNATURE).exists()


def test_signature_needs_what_was_signed(school_a, director):
    with pytest.raises(ValidationError) as err:
        signature_add(actor=director, target=school_a.room, data_url=signature_url(), signed_for=" ")
    assert "signed_for" in err.value.message_dict


# --- pages -----------------------------------------------------------------------------------------


def _post_upload(client, target, name, data, kind="photo", htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("core:attachment_upload"),
        {
            "target_type": f"{target._meta.app_label}.{target._meta.model_name}",
            "target_id": target.pk,
            "kind": kind,
            "file": upload(name, data),
        },
        headers=headers,
    )


def test_upload_page_returns_the_refreshed_panel(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    response = _post_upload(client, school_a.room, "门.jpg", image_bytes())
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="attachments-org-location-{school_a.room.pk}"' in body and "已上传 1 个文件" in body
    a = Attachment.objects.for_school(school_a.school).filter(original_name="门.jpg").get()
    assert reverse("core:attachment_thumbnail", args=[a.pk]) in body


def test_upload_page_shows_the_error_and_saves_nothing(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    before = Attachment.objects.count()
    response = _post_upload(client, school_a.room, "x.txt", b"hello", kind="document")
    assert response.status_code == 200 and "不支持文件“x.txt”的类型" in response.content.decode()
    assert Attachment.objects.count() == before


def test_upload_without_javascript_redirects_back(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    response = _post_upload(client, school_a.room, "门.jpg", image_bytes(), htmx=False)
    assert response.status_code == 302 and response["Location"] == school_a.room.get_absolute_url()


def test_upload_to_another_schools_record_is_404(client, school_a, school_b):
    client.force_login(school_b.user("school_admin"))
    assert _post_upload(client, school_a.room, "门.jpg", image_bytes()).status_code == 404


def test_teacher_cannot_upload_to_a_room(client, school_a):
    client.force_login(school_a.user("teacher"))
    assert _post_upload(client, school_a.room, "门.jpg", image_bytes()).status_code == 403


def test_download_streams_with_safe_headers(client, school_a, director):
    a = attachment_add(actor=director, target=school_a.room, upload=upload("门.jpg", image_bytes()))
    client.force_login(school_a.user("teacher"))  # may view rooms
    response = client.get(reverse("core:attachment_download", args=[a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    response = client.get(reverse("core:attachment_download", args=[a.pk]), {"download": "1"})
    assert response["Content-Disposition"].startswith("attachment")
    thumb = client.get(reverse("core:attachment_thumbnail", args=[a.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_documents_download_as_attachments(client, school_a, director):
    data = office_zip("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    a = attachment_add(
        actor=director, target=school_a.room, upload=upload("清单.xlsx", data), kind="document"
    )
    client.force_login(school_a.user("teacher"))
    response = client.get(reverse("core:attachment_download", args=[a.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("core:attachment_thumbnail", args=[a.pk])).status_code == 404


def test_another_schools_attachment_is_404(client, school_a, school_b, director):
    a = attachment_add(actor=director, target=school_a.room, upload=upload("门.jpg", image_bytes()))
    client.force_login(school_b.user("school_admin"))
    for name in ("core:attachment_download", "core:attachment_thumbnail", "core:attachment_remove"):
        assert client.get(reverse(name, args=[a.pk])).status_code == 404
    assert client.post(reverse("core:attachment_remove", args=[a.pk])).status_code == 404


def test_user_without_view_permission_on_the_target_gets_403(client, school_a):
    """Teachers may not see the staff list, so neither the attachments of a staff record."""
    membership = school_a.members["guard"]
    a = attachment_add(
        actor=None, target=membership, upload=upload("证书.pdf", b"%PDF-1.4 x"), kind="document"
    )
    client.force_login(school_a.user("teacher"))
    assert client.get(reverse("core:attachment_download", args=[a.pk])).status_code == 403


def test_remove_page_keeps_the_record(client, school_a, director):
    a = attachment_add(actor=director, target=school_a.room, upload=upload("门.jpg", image_bytes()))
    client.force_login(school_a.user("teacher"))
    assert client.post(reverse("core:attachment_remove", args=[a.pk])).status_code == 403
    client.force_login(school_a.user("logistics_director"))
    assert client.get(reverse("core:attachment_remove", args=[a.pk])).status_code == 405
    response = client.post(reverse("core:attachment_remove", args=[a.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "已移除" in response.content.decode()
    a.refresh_from_db()
    assert a.is_removed and default_storage.exists(a.file.name)
    # still downloadable by whoever may see the record: it is part of the history
    assert client.get(reverse("core:attachment_download", args=[a.pk])).status_code == 200


def test_sign_page(client, school_a):
    client.force_login(school_a.user("logistics_director"))
    data = {
        "target_type": "org.location",
        "target_id": school_a.room.pk,
        "signature": "1",
        "signed_for": "保管责任确认",
        "data_url": signature_url(),
    }
    response = client.post(reverse("core:attachment_sign"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "签字已保存" in response.content.decode()
    assert Attachment.objects.filter(kind="signature", signer__username="a_logistics_director").exists()
    response = client.post(
        reverse("core:attachment_sign"),
        {**data, "data_url": signature_url(ink=False)},
        headers={"HX-Request": "true"},
    )
    assert "还没有签字" in response.content.decode()


def test_location_page_shows_the_panel_with_constant_queries(
    client, school_a, director, django_assert_max_num_queries
):
    client.force_login(school_a.user("logistics_director"))
    url = school_a.room.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(40) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    for i in range(5):
        attachment_add(actor=director, target=school_a.room, upload=upload(f"{i}.jpg", image_bytes()))
        attachment_add(
            actor=director, target=school_a.room, upload=upload(f"{i}.pdf", b"%PDF-1.4"), kind="document"
        )
    signature_add(actor=director, target=school_a.room, data_url=signature_url(), signed_for="确认")
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    body = response.content.decode()
    assert "手写签字" in body and 'capture="environment"' in body and "4.pdf" in body
