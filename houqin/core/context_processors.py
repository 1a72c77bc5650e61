from django.conf import settings

from . import registry


def houqin(request):
    context = getattr(request, "school_context", None)
    return {
        "site_name": settings.SITE_NAME,
        "current_school": getattr(request, "school", None),
        "school_context": context,
        "nav_sections": registry.nav_for(request) if hasattr(request, "user") else [],
    }
