"""Pages of approvals: 我的审批, an approval's page with exactly the buttons the user may press,
事项申请, policies and delegations. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.exports import export_response
from houqin.core.http import form_page, get_for_school, run_form, school_required
from houqin.core.pagination import paginate

from . import permissions, services
from .choices import STATUS_COLOURS, Action, StepKind
from .exports import GENERAL_REQUESTS
from .forms import DecisionForm, DelegationForm, GeneralRequestForm, PolicyForm, PolicyStepFormSet
from .models import ApprovalDelegation, ApprovalPolicy, ApprovalRequest, ApprovalTask, GeneralRequest
from .querysets import today

TABS = ("pending", "done", "mine")


def _post_only(request):
    """POST-only views look the object up first (another school's id stays a 404), then refuse GET."""
    if request.method != "POST":
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["POST"])
    return None


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- 我的审批 ---------------------------------------------------------------------------------------


@school_required("approvals.view_approvalrequest")
def approvalrequest_list(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "pending"
    base = ApprovalRequest.objects.for_school(request.school)
    user, school = request.user, request.school
    querysets = {
        "pending": base.pending_for(user, school),
        "done": base.done_by(user, school),
        "mine": base.requested_by(user),
    }
    page = paginate(request, querysets[tab].for_list())
    pending_count = querysets["pending"].count() if tab != "pending" else page.count
    context = {"page": page, "tab": tab, "pending_count": pending_count, "colours": STATUS_COLOURS}
    template = "approvals/approvalrequest_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(request, template, context)


def _approval_for(request, pk) -> ApprovalRequest:
    approval = get_for_school(
        ApprovalRequest.objects.select_related("requester", "department", "current_step", "decided_by"),
        request,
        pk=pk,
    )
    if not permissions.can_view(request.user, approval):
        raise Http404
    return approval


@school_required("approvals.view_approvalrequest")
def approvalrequest_detail(request, pk, *, form=None, status=200):
    approval = _approval_for(request, pk)
    steps = (
        approval.steps.filter(round=approval.round)
        .order_by("order")
        .prefetch_related(
            Prefetch(
                "tasks", queryset=ApprovalTask.objects.select_related("approver", "acted_by").order_by("id")
            )
        )
    )
    earlier = (
        ApprovalTask.objects.filter(request=approval, step__round__lt=approval.round)
        .exclude(decided_at=None)
        .select_related("approver", "acted_by", "step")
        .order_by("decided_at")
    )
    actions = services.available_actions(approval, request.user)
    current = approval.current_step
    target = approval.target
    context = {
        "object": approval,
        "document": target,
        "steps": steps,
        "earlier": earlier,
        "comments": approval.comments.select_related("author"),
        "actions": actions,
        "can_decide": Action.APPROVE in actions,
        "can_withdraw": Action.WITHDRAW in actions,
        "can_comment": Action.COMMENT in actions,
        "needs_meeting_record": bool(current and current.kind == StepKind.COLLECTIVE),
        "form": form
        or DecisionForm(initial={"version": approval.version, "step_order": current and current.order}),
        "timeline": audit.timeline(target or approval, school=request.school)[:50],
        "colours": STATUS_COLOURS,
    }
    return TemplateResponse(request, "approvals/approvalrequest_detail.html", context, status=status)


@school_required("approvals.view_approvalrequest")
def approvalrequest_act(request, pk):
    """Approve / return / reject / withdraw / comment: one POST endpoint, the services decide."""
    approval = _approval_for(request, pk)
    if refused := _post_only(request):
        return refused
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return approvalrequest_detail(request, pk, form=form, status=400)
    data = form.cleaned_data
    action = data["action"]
    if action not in services.available_actions(approval, request.user) and action != Action.COMMENT:
        # pressed in a stale tab: someone else decided, or it was withdrawn
        messages.error(
            request, _("这条审批在您打开页面后已有变化（他人已处理或申请人已撤回），请刷新后再看。")
        )
        return redirect(approval)
    try:
        services.approval_act(
            actor=request.user,
            approval=approval,
            action=action,
            version=data.get("version"),
            step_order=data.get("step_order"),
            comment=data.get("comment", ""),
            meeting_record=data.get("meeting_record", ""),
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您不能这样处理这条审批。"))
        return redirect(approval)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return approvalrequest_detail(request, pk, form=form, status=400)
        messages.error(request, _error_text(exc))
        return redirect(approval)
    done = {
        Action.APPROVE: _("已同意。"),
        Action.RETURN: _("已退回申请人修改。"),
        Action.REJECT: _("已驳回。"),
        Action.WITHDRAW: _("已撤回。"),
        Action.COMMENT: _("意见已发表。"),
    }
    messages.success(request, done[Action(action)])
    return redirect(approval)


# --- 事项申请 ---------------------------------------------------------------------------------------


@school_required("approvals.view_generalrequest")
def generalrequest_list(request):
    if request.GET.get("export") == "xlsx":
        return export_response(request, GENERAL_REQUESTS)
    qs = (
        GeneralRequest.objects.visible_to(request.user, request.school)
        .select_related("requester", "department")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status")
    if status:
        qs = qs.filter(status=status)
    page = paginate(request, qs)
    template = "approvals/generalrequest_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return TemplateResponse(
        request,
        template,
        {
            "page": page,
            "colours": STATUS_COLOURS,
            "can_add": request.user.has_perm("approvals.add_generalrequest"),
        },
    )


def _general_request_for(request, pk) -> GeneralRequest:
    gr = get_for_school(GeneralRequest.objects.select_related("requester", "department"), request, pk=pk)
    if not GeneralRequest.objects.visible_to(request.user, request.school).filter(pk=gr.pk).exists():
        raise Http404
    return gr


@school_required("approvals.view_generalrequest")
def generalrequest_detail(request, pk):
    gr = _general_request_for(request, pk)
    approval = (
        ApprovalRequest.objects.for_school(request.school)
        .filter(document_type="general_request", target_id=gr.pk)
        .select_related("current_step")
        .first()
    )
    can_edit = permissions.can_edit_general_request(request.user, gr)
    return TemplateResponse(
        request,
        "approvals/generalrequest_detail.html",
        {
            "object": gr,
            "approval": approval,
            "can_edit": can_edit,
            "can_submit": can_edit and request.user.has_perm("approvals.change_generalrequest"),
            "timeline": audit.timeline(gr, school=request.school)[:50],
            "colours": STATUS_COLOURS,
        },
    )


@school_required("approvals.add_generalrequest")
def generalrequest_create(request):
    form = GeneralRequestForm(request.POST or None, school=request.school)
    if request.method != "POST" and request.membership is not None:
        form.initial.setdefault("department", request.membership.department_id)
    return form_page(
        request,
        form,
        lambda data: services.general_request_create(actor=request.user, school=request.school, **data),
        success_message=_("申请已保存为草稿，确认无误后请提交审批。"),
        title=_("新建事项申请"),
        template="approvals/generalrequest_form.html",
    )


@school_required("approvals.change_generalrequest")
def generalrequest_update(request, pk):
    gr = _general_request_for(request, pk)
    if not permissions.can_edit_general_request(request.user, gr):
        raise PermissionDenied
    form = GeneralRequestForm(request.POST or None, instance=gr, school=request.school)
    return form_page(
        request,
        form,
        lambda data: services.general_request_update(actor=request.user, general_request=gr, data=data),
        success_message=_("申请已保存。"),
        title=_("修改事项申请"),
        object=gr,
        template="approvals/generalrequest_form.html",
    )


@school_required("approvals.change_generalrequest")
def generalrequest_submit(request, pk):
    gr = _general_request_for(request, pk)
    if refused := _post_only(request):
        return refused
    try:
        services.general_request_submit(actor=request.user, general_request=gr)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您不能提交这份申请。"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已提交审批。"))
    return redirect(gr)


# --- policies ------------------------------------------------------------------------------------


@school_required("approvals.view_approvalpolicy")
def approvalpolicy_list(request):
    if request.user.has_perm("approvals.add_approvalpolicy"):
        # schools created before approvals existed get their default policies (idempotent)
        services.approval_policy_seed_defaults(request.school, actor=request.user)
    policies = ApprovalPolicy.objects.for_school(request.school).prefetch_related(
        "steps__role", "steps__user"
    )
    return TemplateResponse(
        request,
        "approvals/approvalpolicy_list.html",
        {"policies": policies, "can_change": request.user.has_perm("approvals.change_approvalpolicy")},
    )


@school_required("approvals.view_approvalpolicy")
def approvalpolicy_detail(request, pk):
    policy = get_for_school(ApprovalPolicy, request, pk=pk)
    return TemplateResponse(
        request,
        "approvals/approvalpolicy_detail.html",
        {
            "object": policy,
            "steps": policy.steps.select_related("role", "user"),
            "can_change": request.user.has_perm("approvals.change_approvalpolicy"),
            "timeline": audit.timeline(policy, school=request.school)[:50],
        },
    )


@school_required("approvals.change_approvalpolicy")
def approvalpolicy_update(request, pk):
    policy = get_for_school(ApprovalPolicy, request, pk=pk)
    initial = [
        {
            "name": s.name,
            "kind": s.kind,
            "rule": s.rule,
            "role": s.role_id,
            "user": s.user_id,
            "min_amount": s.min_amount,
            "mode": s.mode,
            "ORDER": i,
        }
        for i, s in enumerate(policy.steps.all(), start=1)
    ]
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, initial={"name": policy.name})
    formset = PolicyStepFormSet(data, initial=initial, school=request.school, prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.approval_policy_update(
                actor=request.user, policy=policy, name=form.cleaned_data["name"], steps=formset.steps()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("审批流程已保存；正在审批的单据仍按提交时的步骤进行。"))
            return redirect(policy)
    return TemplateResponse(
        request,
        "approvals/approvalpolicy_form.html",
        {"object": policy, "form": form, "formset": formset, "title": _("编辑审批流程")},
    )


# --- delegations ---------------------------------------------------------------------------------


@school_required("approvals.view_approvaldelegation")
def approvaldelegation_list(request):
    qs = ApprovalDelegation.objects.for_school(request.school).select_related("delegator", "delegate")
    if not request.user.has_perm("approvals.change_approvaldelegation"):
        from django.db.models import Q

        qs = qs.filter(Q(delegator=request.user) | Q(delegate=request.user))
    page = paginate(request, qs)
    rows = [(d, permissions.can_cancel_delegation(request.user, d)) for d in page.object_list]
    return TemplateResponse(
        request,
        "approvals/approvaldelegation_list.html",
        {
            "page": page,
            "rows": rows,
            "today": today(),
            "can_add": request.user.has_perm("approvals.add_approvaldelegation"),
        },
    )


@school_required("approvals.add_approvaldelegation")
def approvaldelegation_create(request):
    form = DelegationForm(request.POST or None, school=request.school, user=request.user)
    if request.method != "POST":
        form.initial.setdefault("start_date", today())

    def save(data):
        return services.approval_delegation_create(
            actor=request.user,
            school=request.school,
            delegator=data.get("delegator") or request.user,
            delegate=data["delegate"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            reason=data.get("reason", ""),
        )

    delegation = run_form(request, form, save, success_message=_("代理审批已设置。"))
    if delegation:
        return redirect("approvals:approvaldelegation_list")
    return TemplateResponse(request, "core/object_form.html", {"form": form, "title": _("设置代理审批")})


@school_required("approvals.view_approvaldelegation")
def approvaldelegation_cancel(request, pk):
    delegation = get_for_school(ApprovalDelegation, request, pk=pk)
    if not permissions.can_cancel_delegation(request.user, delegation):
        raise Http404
    if refused := _post_only(request):
        return refused
    services.approval_delegation_cancel(actor=request.user, delegation=delegation)
    messages.success(request, _("代理审批已取消。"))
    return redirect("approvals:approvaldelegation_list")
