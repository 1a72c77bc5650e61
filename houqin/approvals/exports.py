"""Excel export of the 事项申请 list: the requests the user may see, filtered by status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from houqin.core.excel import ExportColumn
from houqin.core.exports import ExportSpec, register_export

from .models import GeneralRequest


def _general_requests(school, user, params):
    qs = (
        GeneralRequest.objects.visible_to(user, school)
        .select_related("requester", "department")
        .order_by("-created_at", "-id")
    )
    status = params.get("status")
    return qs.filter(status=status) if status else qs


GENERAL_REQUESTS = register_export(
    ExportSpec(
        key="approvals.generalrequest",
        title=_("事项申请"),
        perm="approvals.view_generalrequest",
        columns=[
            ExportColumn(_("编号"), "number"),
            ExportColumn(_("事项"), "title", width=30),
            ExportColumn(_("金额(元)"), "amount"),
            ExportColumn(_("申请人"), "requester"),
            ExportColumn(_("申请部门"), "department.name"),
            ExportColumn(_("状态"), "get_status_display"),
            ExportColumn(_("提交时间"), "submitted_at"),
            ExportColumn(_("说明"), "description", width=40),
        ],
        queryset=_general_requests,
    )
)
