"""DRF authentication that also sets the school context, exactly as the middleware does for pages.

A token request is anonymous to the middleware (DRF authenticates later), so the school and the
permissions are worked out here. ``X-Houqin-School: <id>`` picks one of the user's schools.
"""

from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from houqin.core.middleware import SESSION_SCHOOL_KEY
from houqin.core.permissions import attach_school_context

SCHOOL_HEADER = "HTTP_X_HOUQIN_SCHOOL"


def _attach(request, user):
    django_request = request._request
    requested = django_request.META.get(SCHOOL_HEADER)
    if requested is None and hasattr(django_request, "session"):
        requested = django_request.session.get(SESSION_SCHOOL_KEY)
    attach_school_context(django_request, user, requested)


class SchoolTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _attach(request, result[0])
        return result


class SchoolSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            _attach(request, result[0])
        return result
