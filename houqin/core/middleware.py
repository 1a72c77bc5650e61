from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware

from . import audit
from .permissions import NO_SCHOOL, attach_school_context

SESSION_SCHOOL_KEY = "houqin_school_id"


def client_ip(request) -> str | None:
    # Behind a proxy, configure it to set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or None


class HouqinLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user, except views marked ``login_not_required``.

    The API authenticates in DRF (token or session) and answers 401 itself, so it is left alone.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SchoolMiddleware:
    """Sets ``request.school`` (the tenant), ``request.membership`` and the permission context.

    The school is the one chosen in the session (switch school) when the user may act there,
    else the user's first school. API requests are handled again by the API authentication
    classes, which also read the ``X-Houqin-School`` header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.current_ip.set(client_ip(request))
        try:
            request.school_context = NO_SCHOOL
            request.school = None
            request.membership = None
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                attach_school_context(request, user, request.session.get(SESSION_SCHOOL_KEY))
            return self.get_response(request)
        finally:
            audit.current_ip.reset(token)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
