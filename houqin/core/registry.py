"""Extension points modules plug into: to-do providers (我的待办) and search providers.

An app registers its providers in ``AppConfig.ready()``::

    from houqin.core import registry
    registry.register_todo(my_todo_provider)
    registry.register_search(label=_("位置"), provider=my_search_provider, perm="org.view_location")

A provider receives the request (with ``request.school`` and the user's permissions) and must
start every query from ``.for_school(request.school)``. Providers run one or two queries each;
keep them counted (the home page has a query-count test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    count: int | None = None
    due: dt.date | None = None
    level: str = "info"  # info | warning | danger (Bootstrap contextual colours)
    area: str = ""


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    subtitle: str = ""


@dataclass(frozen=True)
class SearchProvider:
    label: Any
    provider: Callable[[Any, str, int], Iterable[SearchResult]]
    perm: str


_todo_providers: list[Callable[[Any], Iterable[TodoItem]]] = []
_search_providers: list[SearchProvider] = []


def register_todo(provider: Callable[[Any], Iterable[TodoItem]]) -> None:
    if provider not in _todo_providers:
        _todo_providers.append(provider)


def register_search(*, label, provider, perm: str) -> None:
    if all(p.provider is not provider for p in _search_providers):
        _search_providers.append(SearchProvider(label=label, provider=provider, perm=perm))


def todos_for(request) -> list[TodoItem]:
    if request.school is None:
        return []
    items: list[TodoItem] = []
    for provider in _todo_providers:
        items.extend(provider(request))
    order = {"danger": 0, "warning": 1, "info": 2}
    return sorted(items, key=lambda i: (order.get(i.level, 3), i.due or dt.date.max, i.title))


def search(request, query: str, *, limit: int = 8) -> list[tuple[Any, list[SearchResult]]]:
    if request.school is None or not query:
        return []
    groups = []
    for p in _search_providers:
        if request.user.has_perm(p.perm):
            results = list(p.provider(request, query, limit))
            if results:
                groups.append((p.label, results))
    return groups


# --- navigation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    section: Any
    label: Any
    url_name: str
    perm: str
    icon: str = "circle"
    order: int = 100


_nav_items: list[NavItem] = []


def register_nav(*items: NavItem) -> None:
    for item in items:
        if item not in _nav_items:
            _nav_items.append(item)


def nav_for(request) -> list[tuple[Any, list[NavItem]]]:
    """Menu sections with the entries the user may open, in registration order."""
    if getattr(request, "school", None) is None:
        return []
    sections: dict[str, tuple[Any, list[NavItem]]] = {}
    for item in sorted(_nav_items, key=lambda i: i.order):
        if request.user.has_perm(item.perm):
            sections.setdefault(str(item.section), (item.section, []))[1].append(item)
    return list(sections.values())


# --- setting up a new school ---------------------------------------------------------------------

_school_setup: list[Callable[..., Any]] = []


def register_school_setup(setup: Callable[..., Any]) -> None:
    """``setup(school, *, actor)`` runs inside ``org.services.school_create``, after the default
    roles exist: modules seed what every school starts with (approval policies, ...)."""
    if setup not in _school_setup:
        _school_setup.append(setup)


def setup_school(school, *, actor) -> None:
    for setup in _school_setup:
        setup(school, actor=actor)
