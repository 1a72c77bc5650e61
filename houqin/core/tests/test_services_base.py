"""core.services: the validated create/update every app's services build on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from houqin.core.services import validate
from houqin.org.models import Location


@pytest.mark.django_db
def test_validate_trusts_looked_up_relations_but_checks_fields_and_constraints(school_a):
    w = school_a
    room = Location(school=w.school, campus=w.campus, parent=w.floor, name="新房间", code="R-a", path="x")
    with CaptureQueriesContext(connection) as ctx, pytest.raises(ValidationError) as exc:
        validate(room)
    assert any("location_unique_code" in m for m in exc.value.messages)  # the per-school code rule
    fk_checks = [
        q for q in ctx.captured_queries if 'FROM "org_campus"' in q["sql"] or 'FROM "org_school"' in q["sql"]
    ]
    assert fk_checks == [], "foreign keys held as instances are not re-read"

    nameless = Location(school=w.school, campus=w.campus, parent=w.floor, name="", path="x")
    with pytest.raises(ValidationError) as exc:
        validate(nameless)
    assert "name" in exc.value.message_dict

    no_campus = Location(school=w.school, parent=w.floor, name="x", path="x")
    with pytest.raises(ValidationError) as exc:
        validate(no_campus)
    assert "campus" in exc.value.message_dict


def test_change_keys_that_are_not_fields_read_in_the_users_language():
    """Timelines show registered labels for keys such as an approval's comment, in English too."""
    from django.utils import translation

    from houqin.core.audit import readable_changes
    from houqin.core.models import AuditEvent

    event = AuditEvent(
        verb="approval_approved", changes={"comment": [None, "同意"], "attachment": [None, "a.jpg"]}
    )
    assert [row[0] for row in readable_changes(event)] == ["意见", "附件"]
    with translation.override("en"):
        assert [row[0] for row in readable_changes(event)] == ["Comment", "Attachment"]
