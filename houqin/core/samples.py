"""Sample objects of core's own school-owned models for make_school() (see houqin/core/testing.py).

Each carries the world's tag (from the school code ``school-<tag>``) in its ``str``, so the tenancy
sweep can spot another school's data on a page.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image


def _tag(world) -> str:
    return world.school.code.removeprefix("school-")


def add_samples(world) -> None:
    from .attachments import attachment_add
    from .numbering import next_number

    tag = _tag(world)
    with transaction.atomic():
        next_number(school=world.school, key=f"sample{tag}", prefix="YB")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    upload = SimpleUploadedFile(f"门牌{tag}.png", buffer.getvalue(), content_type="image/png")
    attachment_add(actor=None, target=world.room, upload=upload, kind="photo")

    from .export_models import ExportJob

    ExportJob.objects.create(
        school=world.school,
        spec="org.location",
        title=f"位置导出{tag}",
        created_by=world.user("school_admin"),
    )
