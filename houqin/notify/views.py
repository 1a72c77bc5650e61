"""Pages: my notifications, my channel choices, the school's robots and reminder rules. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from houqin.core.http import add_service_errors, form_page, get_for_school, school_required
from houqin.core.pagination import paginate

from . import services
from .choices import MAX_ATTEMPTS, RETRY_DELAYS
from .forms import PreferenceForm, ReminderRuleForm, WebhookEndpointForm
from .models import Notification, ReminderRule, WebhookDelivery, WebhookEndpoint

# --- my notifications --------------------------------------------------------------------------------


def _mine(request):
    return Notification.objects.for_school(request.school).for_user(request.user)


@school_required()
def notification_list(request):
    unread_only = request.GET.get("unread") == "1"
    qs = _mine(request).select_related("actor")
    if unread_only:
        qs = qs.unread()
    page = paginate(request, qs)
    template = "notify/notification_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, {"page": page, "unread_only": unread_only})


@school_required()
def notification_read(request, pk):
    """POST: mark one read and go to what it is about (or back to the list)."""
    notification = get_object_or_404(_mine(request), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.notification_mark_read(user=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("notify:notification_list")


@school_required()
def notification_read_all(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = services.notification_mark_all_read(user=request.user, school=request.school)
    if count:
        messages.success(request, _("已全部标为已读。"))
    return redirect("notify:notification_list")


# --- my channel choices ---------------------------------------------------------------------------------


@school_required()
def notificationpreference_update(request):
    form = PreferenceForm(
        request.POST or None, user=request.user, current=services.preferences_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(user=request.user, email_kinds=form.email_kinds())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("通知设置已保存。"))
            return redirect("notify:notificationpreference_update")
    return TemplateResponse(request, "notify/notificationpreference_update.html", {"form": form})


# --- group robots (school admin) -------------------------------------------------------------------------


@school_required("notify.view_webhookendpoint")
def webhookendpoint_list(request):
    endpoints = WebhookEndpoint.objects.for_school(request.school)
    page = paginate(request, endpoints)
    problems = WebhookDelivery.objects.for_school(request.school).problems().select_related("endpoint")[:20]
    return TemplateResponse(
        request,
        "notify/webhookendpoint_list.html",
        {
            "page": page,
            "problems": problems,
            "can_add": request.user.has_perm("notify.add_webhookendpoint"),
            "can_change": request.user.has_perm("notify.change_webhookendpoint"),
            "max_attempts": MAX_ATTEMPTS,
            "retry_minutes": [int(d.total_seconds() // 60) for d in RETRY_DELAYS],
        },
    )


@school_required("notify.add_webhookendpoint")
def webhookendpoint_create(request):
    form = WebhookEndpointForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.webhook_endpoint_create(
            actor=request.user,
            school=request.school,
            name=data["name"],
            provider=data["provider"],
            url=data["url"],
            secret=data["secret"],
            kinds=data["kinds"],
        ),
        success_message=_("群机器人已添加。可以点“发送测试消息”检查。"),
        title=_("添加群机器人"),
        redirect_to="notify:webhookendpoint_list",
        template="notify/webhookendpoint_form.html",
    )


@school_required("notify.change_webhookendpoint")
def webhookendpoint_update(request, pk):
    endpoint = get_for_school(WebhookEndpoint, request, pk=pk)
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    return form_page(
        request,
        form,
        lambda data: services.webhook_endpoint_update(actor=request.user, endpoint=endpoint, data=data),
        success_message=_("群机器人已保存。"),
        title=_("编辑群机器人"),
        object=endpoint,
        redirect_to="notify:webhookendpoint_list",
        template="notify/webhookendpoint_form.html",
    )


@school_required("notify.change_webhookendpoint")
def webhookendpoint_test(request, pk):
    endpoint = get_for_school(WebhookEndpoint, request, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.webhook_endpoint_send_test(actor=request.user, endpoint=endpoint)
    messages.info(request, _("测试消息已排队发送，稍后刷新本页查看结果。"))
    return redirect("notify:webhookendpoint_list")


# --- reminder rules (school admin) -----------------------------------------------------------------------


@school_required("notify.view_reminderrule")
def reminderrule_list(request):
    page = paginate(request, ReminderRule.objects.for_school(request.school))
    return TemplateResponse(
        request,
        "notify/reminderrule_list.html",
        {"page": page, "can_add": request.user.has_perm("notify.add_reminderrule")},
    )


@school_required("notify.add_reminderrule")
def reminderrule_create(request):
    form = ReminderRuleForm(request.POST or None, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.reminder_rule_create(actor=request.user, school=request.school, **data),
        success_message=_("提醒规则已添加。"),
        title=_("添加提醒规则"),
        redirect_to="notify:reminderrule_list",
        template="notify/reminderrule_form.html",
    )


@school_required("notify.change_reminderrule")
def reminderrule_update(request, pk):
    rule = get_for_school(ReminderRule, request, pk=pk)
    form = ReminderRuleForm(request.POST or None, instance=rule, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.reminder_rule_update(actor=request.user, rule=rule, data=data),
        success_message=_("提醒规则已保存。"),
        title=_("编辑提醒规则"),
        object=rule,
        redirect_to="notify:reminderrule_list",
        template="notify/reminderrule_form.html",
    )
