from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import audit, registry
from .audit_exports import AUDIT_EVENTS
from .exports import export_response
from .http import school_required
from .middleware import SESSION_SCHOOL_KEY
from .models import AuditEvent
from .pagination import paginate
from .permissions import attach_school_context
from .pinyin import normalise_query


@school_required()
def home(request):
    return TemplateResponse(request, "core/home.html", {"todos": registry.todos_for(request)})


@school_required()
@require_GET
def search(request):
    query = normalise_query(request.GET.get("q", ""))
    groups = registry.search(request, query) if query else []
    template = "core/search.html#results" if request.htmx else "core/search.html"
    return TemplateResponse(request, template, {"q": query, "groups": groups})


@require_POST
def switch_school(request):
    school_id = request.POST.get("school")
    context = attach_school_context(request, request.user, school_id)
    if context.school is not None and str(context.school.pk) == str(school_id):
        request.session[SESSION_SCHOOL_KEY] = context.school.pk
        audit.record(actor=request.user, verb="school_switched", target=context.school, school=context.school)
    nxt = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = resolve_url("core:home")
    return HttpResponseRedirect(nxt)


@login_not_required
@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@school_required("core.view_auditevent")
def auditevent_list(request):
    if request.GET.get("export") == "xlsx":
        return export_response(request, AUDIT_EVENTS)
    events = AuditEvent.objects.for_school(request.school).select_related("actor", "target_type")
    verb = request.GET.get("verb")
    if verb:
        events = events.filter(verb=verb)
    return TemplateResponse(request, "core/auditevent_list.html", {"page": paginate(request, events)})


def permission_denied(request, exception=None):
    return TemplateResponse(request, "403.html", status=403).render()


def page_not_found(request, exception=None):
    if request.path_info.startswith("/api/"):  # API clients get the API's error body, not a page
        return JsonResponse({"detail": str(_("未找到。")), "code": "not_found"}, status=404)
    return TemplateResponse(request, "404.html", status=404).render()


def server_error(request):
    # No context processors that touch the database: the error may be the database.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({}))
