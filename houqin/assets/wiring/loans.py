"""Start-up registrations of borrowing (借用): menu, to-dos, search, export, the asset page's
buttons, audit verbs, the notification kind and the overdue reminder."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from houqin.core import audit
    from houqin.core import registry as core_registry
    from houqin.notify.registry import register_due_provider, register_job, register_kind

    from .. import providers_loans
    from ..actions import register_asset_action
    from ..services import loans as services
    from ..views import loans as views  # noqa: F401  (registers the loan list's Excel export)

    audit.register_verbs(
        {
            "reserved": _("预约"),
            "lent": _("借出"),
            "returned": _("归还"),
            "loan_cancelled": _("取消预约"),
        }
    )
    audit.register_change_labels(
        {
            "loan": _("借用单"),
            "borrower": _("借用人"),
            "period": _("借用时段"),
            "due_at": _("应还时间"),
            "condition_out": _("借出时状况"),
            "condition_in": _("归还时状况"),
            "overdue": _("逾期"),
        }
    )
    register_kind("assets.loan", _("借用与预约"))
    register_due_provider(
        providers_loans.OVERDUE_SOURCE,
        _("借用逾期未还"),
        providers_loans.due_overdue_loans,
        responsible_label=_("借用人"),
    )
    core_registry.register_school_setup(providers_loans.seed_loan_reminder)
    register_job(
        "assets.loan_no_shows", every=dt.timedelta(hours=1), func=services.asset_loan_release_no_shows
    )

    section = _("校产")
    core_registry.register_nav(
        core_registry.NavItem(
            section, _("借用登记"), "assets:assetloan_list", "assets.view_assetloan", "box-arrow-right", 26
        ),
        core_registry.NavItem(
            section, _("预约设备"), "assets:assetloan_bookable", "assets.add_assetloan", "calendar3", 27
        ),
    )
    core_registry.register_todo(providers_loans.todo_loans_to_handle)
    core_registry.register_todo(providers_loans.todo_my_loans_due)
    core_registry.register_search(
        label=_("借用单"), provider=providers_loans.search_loans, perm="assets.view_assetloan"
    )
    register_asset_action(providers_loans.asset_loan_actions)
