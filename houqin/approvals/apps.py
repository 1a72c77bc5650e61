from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "houqin.approvals"
    label = "approvals"
    verbose_name = _("审批")

    def ready(self) -> None:
        from houqin.core import audit
        from houqin.core import registry as core_registry
        from houqin.core.permissions import register_app_label
        from houqin.org.roles import DEFAULT_ROLES, register_grants

        from . import providers, services
        from .registry import register_document_type, register_seed_types

        register_app_label(self.label)
        # Every staff role asks for things and takes part in approvals; who may see or decide a
        # given approval is an object rule (permissions.py). The school admin runs the policies.
        staff = [
            "approvals.view_approvalrequest",
            "approvals.add_generalrequest",
            "approvals.view_generalrequest",
            "approvals.change_generalrequest",
            "approvals.view_approvaldelegation",
            "approvals.add_approvaldelegation",
        ]
        register_grants({spec.code: list(staff) for spec in DEFAULT_ROLES})
        register_grants(
            {
                "school_admin": ["approvals.*"],
                "principal": ["approvals.view_all_approvalrequest", "approvals.view_approvalpolicy"],
            }
        )

        register_seed_types()
        core_registry.register_school_setup(services.approval_policy_seed_defaults)
        core_registry.register_school_setup(providers.seed_approval_reminder)
        register_document_type("general_request", _("事项申请"), services.general_request_on_decision)

        try:
            from houqin.notify.registry import register_due_provider, register_kind
        except ImportError:  # pragma: no cover - notify not installed
            pass
        else:
            register_kind("approval.comment", _("审批意见"))
            register_due_provider(
                "approvals.waiting",
                _("审批等待处理"),
                providers.due_waiting_approvals,
                responsible_label=_("审批人"),
            )

        audit.register_verbs(
            {
                "approval_submitted": _("提交审批"),
                "approval_resubmitted": _("重新提交审批"),
                "approval_approved": _("审批同意"),
                "approval_rejected": _("审批驳回"),
                "approval_returned": _("退回修改"),
                "approval_withdrawn": _("撤回审批"),
                "approval_commented": _("审批意见"),
                "approval_step_skipped": _("跳过审批步骤（申请人即审批人）"),
                "approval_completed": _("审批通过"),
            }
        )
        audit.register_change_labels(
            {
                "approval_step": _("审批步骤"),
                "approval_policy": _("审批流程"),
                "comment": _("意见"),
                "on_behalf_of": _("代理审批"),
                "meeting_record": _("集体决策记录"),
            }
        )
        section = _("审批")
        core_registry.register_nav(
            core_registry.NavItem(
                section,
                _("我的审批"),
                "approvals:approvalrequest_list",
                "approvals.view_approvalrequest",
                "check2-square",
                10,
            ),
            core_registry.NavItem(
                section,
                _("事项申请"),
                "approvals:generalrequest_list",
                "approvals.view_generalrequest",
                "file-earmark-text",
                11,
            ),
            core_registry.NavItem(
                section,
                _("代理审批"),
                "approvals:approvaldelegation_list",
                "approvals.view_approvaldelegation",
                "person-check",
                12,
            ),
            core_registry.NavItem(
                section,
                _("审批流程"),
                "approvals:approvalpolicy_list",
                "approvals.view_approvalpolicy",
                "diagram-2",
                13,
            ),
        )
        core_registry.register_todo(providers.todo_pending_approvals)
        core_registry.register_todo(providers.todo_returned_requests)
