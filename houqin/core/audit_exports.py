"""Excel export of the audit log (操作记录), e.g. for a term's records or an inspection."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .excel import ExportColumn
from .exports import ExportSpec, register_export
from .models import AuditEvent


def _changes(event: AuditEvent) -> str:
    return "；".join(f"{label}：{old} → {new}" for label, old, new in event.change_rows)


def _events(school, user, params):
    events = AuditEvent.objects.for_school(school).select_related("actor")
    verb = params.get("verb")
    return events.filter(verb=verb) if verb else events


AUDIT_EVENTS = register_export(
    ExportSpec(
        key="core.auditevent",
        title=_("操作记录"),
        perm="core.view_auditevent",
        columns=[
            ExportColumn(_("时间"), "created_at", width=20),
            ExportColumn(_("操作人"), "actor"),
            ExportColumn(_("动作"), "verb_label"),
            ExportColumn(_("对象"), "target_repr", width=40),
            ExportColumn(_("变更"), _changes, width=60),
            ExportColumn(_("IP 地址"), "ip_address"),
        ],
        queryset=_events,
    )
)
