"""Small helpers for function views: school + permission guard, scoped lookups, service errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse


def school_required(*perms: str) -> Callable:
    """The view needs a current school and every permission in ``perms`` (403 otherwise).

    Also used for htmx partial views: a partial is authorised like the page it belongs to.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.school is None:
                return TemplateResponse(request, "core/no_school.html", status=403)
            if perms and not request.user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.houqin_perms = perms  # read by the permission sweep test
        return wrapper

    return decorator


def get_for_school(model_or_qs: type[Model] | QuerySet, request, **lookup):
    """Look an object up inside the current school: another school's id is a 404, as if absent."""
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs.objects.all()
    return get_object_or_404(qs.for_school(request.school), **lookup)


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors on fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def form_data(form, fields=None) -> dict:
    names = fields or form.cleaned_data.keys()
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


def run_form(request, form, save: Callable[[dict], Model], *, success_message: str = ""):
    """POST handling shared by every create/edit view.

    Returns the saved object, or None when the form (or the service) found errors; service
    ``ValidationError`` s are shown on the form, so bad input loses nothing that was typed.
    """
    from django.contrib import messages

    if request.method != "POST" or not form.is_valid():
        return None
    try:
        obj = save(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    if success_message:
        messages.success(request, success_message)
    return obj


def form_page(
    request,
    form,
    save: Callable[[dict], Model],
    *,
    title,
    success_message: str = "",
    redirect_to=None,
    template: str = "core/object_form.html",
    object=None,
):
    """A create or edit page: on a valid POST call ``save`` (a service) and redirect to
    ``redirect_to`` (URL, URL name) or to the saved object; otherwise (GET, or any error) show the
    form with everything typed still in it."""
    from django.shortcuts import redirect

    saved = run_form(request, form, save, success_message=success_message)
    if saved:
        return redirect(redirect_to or saved)
    context = {"form": form, "title": title}
    if object is not None:
        context["object"] = object
    return TemplateResponse(request, template, context)


__all__ = [
    "NON_FIELD_ERRORS",
    "add_service_errors",
    "form_data",
    "form_page",
    "get_for_school",
    "run_form",
    "school_required",
]


MAX_ID = 2**63 - 1  # the largest primary key the databases hold (SQLite and PostgreSQL bigint)


def id_param(params, key: str) -> int | None:
    """An object id from query parameters (``?stocktake=12``): ``None`` unless it is a plain positive
    number a primary key can be, so a junk or huge value filters nothing instead of failing."""
    raw = str(params.get(key, "") or "")
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
