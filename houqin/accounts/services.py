from __future__ import annotations

from typing import Any

from django.db import transaction

from houqin.core import audit
from houqin.core.pinyin import search_text


@transaction.atomic
def user_update_profile(*, actor, user, data: dict[str, Any]):
    """A person edits their own name, mobile and e-mail."""
    fields = [f for f in ("display_name", "mobile", "email") if f in data]
    data = dict(data)
    if "mobile" in data:
        data["mobile"] = (data["mobile"] or "").strip() or None
    before = audit.snapshot(user, fields)
    for f in fields:
        setattr(user, f, data[f])
    changes = audit.diff(user, before, fields)
    if not changes:
        return user
    user.search_text = search_text(user.display_name, user.username)
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*fields, "search_text"])
    context = getattr(actor, "school_context", None)
    audit.record(
        actor=actor, verb="updated", target=user, school=context.school if context else None, changes=changes
    )
    return user
