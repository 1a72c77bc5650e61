from functools import cache

from django.conf import settings

from . import registry


def _unread_counter(request):
    """The bell's number, counted once (one query) and only if a template shows it."""

    @cache
    def count() -> int:
        from houqin.notify.services import unread_count

        return unread_count(user=request.user, school=getattr(request, "school", None))

    return count


def houqin(request):
    context = getattr(request, "school_context", None)
    return {
        "site_name": settings.SITE_NAME,
        "current_school": getattr(request, "school", None),
        "school_context": context,
        "nav_sections": registry.nav_for(request) if hasattr(request, "user") else [],
        "notify_unread": _unread_counter(request) if hasattr(request, "user") else 0,
    }
