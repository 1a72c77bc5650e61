"""What other apps plug into: notification kinds, periodic jobs and due-date providers.

Registered in ``AppConfig.ready()``::

    from houqin.notify.registry import register_kind, register_job, register_due_provider

    register_kind("approval.pending", _("待我审批"), default_channels=("app", "email"))
    register_job("approvals.expire", every=timedelta(hours=1), func=tasks.expire_requests)
    register_due_provider("approvals.step_waiting", _("审批待处理"), providers.steps_waiting)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# --- notification kinds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    default_channels: tuple[str, ...] = ("app",)


_kinds: dict[str, Kind] = {}


def register_kind(key: str, label, default_channels: Iterable[str] = ("app",)) -> Kind:
    """A kind of notification (``"approval.pending"``). ``default_channels`` apply to people who
    have not chosen: ``("app",)`` or ``("app", "email")``. In-app is always on."""
    channels = tuple(dict.fromkeys(("app", *default_channels)))
    kind = Kind(key=key, label=label, default_channels=channels)
    _kinds[key] = kind
    return kind


def get_kind(key: str) -> Kind | None:
    return _kinds.get(key)


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: k.key)


def kind_label(key: str) -> str:
    kind = _kinds.get(key)
    return str(kind.label) if kind else key


# --- periodic jobs (run by ``manage.py scheduler``) -------------------------------------------------


@dataclass(frozen=True)
class Job:
    key: str
    every: dt.timedelta
    func: Any  # a django_tasks Task (enqueued) or a plain callable (run by the scheduler itself)


_jobs: dict[str, Job] = {}


def register_job(key: str, every: dt.timedelta, func) -> Job:
    """Run ``func`` once per slot of length ``every`` (slots are aligned to the Unix epoch in UTC:
    hourly jobs at the top of the hour, daily jobs at 00:00 UTC = 08:00 Beijing time)."""
    if every < dt.timedelta(minutes=1):
        raise ValueError("jobs run at most once a minute")
    job = Job(key=key, every=every, func=func)
    _jobs[key] = job
    return job


def jobs() -> list[Job]:
    return [_jobs[k] for k in sorted(_jobs)]


# --- due-date providers (the sources of reminder rules) ---------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """Something with a due date: an approval step, a repair order, a certificate to renew.

    ``target`` is the model instance (its type and id make the item's identity for "once per
    day"); ``responsible_users`` are the people a rule with ``notify="responsible"`` reminds.
    """

    title: str
    url: str
    due_date: dt.date
    target: Any
    responsible_users: list = field(default_factory=list)


@dataclass(frozen=True)
class DueProvider:
    key: str
    label: Any
    func: Callable[[Any, dt.date], Iterable[DueItem]]
    responsible_label: Any = None


_due_providers: dict[str, DueProvider] = {}


def register_due_provider(key: str, label, func, *, responsible_label=None) -> DueProvider:
    """``func(school, on_date)`` returns the open items of ``school`` due on or before ``on_date``."""
    provider = DueProvider(key=key, label=label, func=func, responsible_label=responsible_label)
    _due_providers[key] = provider
    return provider


def get_due_provider(key: str) -> DueProvider | None:
    return _due_providers.get(key)


def due_providers() -> list[DueProvider]:
    return sorted(_due_providers.values(), key=lambda p: p.key)
