"""Everything a resolver may touch, declared here and filled by the gateway per request."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import strawberry

from sources import CallContext, Journal, Sources

from .observe import NO_OBSERVER, BusinessObserver
from .stale import StaleLog

if TYPE_CHECKING:
    from .loaders import Loaders
    from .processes.base import ProcessSettings

__all__ = ["Context", "Info", "Policy", "Principal", "ProcessEnv"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: who, through which client, with which grants."""

    subject: str
    client_id: str
    scopes: frozenset[str]
    partner_id: str | None = None
    refund_limit: Decimal | None = None
    """The most this principal may refund without a second person (token claim)."""


class Policy(Protocol):
    """The authorization rules, as the gateway defines them (``gateway/policy.py``)."""

    def allows(self, principal: Principal, scope: str) -> bool:
        """Whether ``principal`` holds what ``scope`` grants."""
        ...

    def may_see_channel(self, principal: Principal, channel: str) -> bool:
        """Whether orders of ``channel`` exist for ``principal`` at all."""
        ...

    def channel_filter(self, principal: Principal) -> str | None:
        """The only channel ``principal`` may list, or ``None`` for every channel."""
        ...


@dataclass(frozen=True, slots=True)
class ProcessEnv:
    """What the governed processes need beyond the read path."""

    journal: Journal
    settings: ProcessSettings
    invalidate: Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class Context:
    """Per-request context: principal, policy, upstream clients, loaders, call context."""

    principal: Principal
    policy: Policy
    sources: Sources
    loaders: Loaders
    call: CallContext
    stale: StaleLog
    processes: ProcessEnv | None = None
    """The journal and settings of the governed processes (absent: read-only gateway)."""
    views: dict[str, Any] = field(default_factory=dict)
    """Per-request memo of cross-system order views (timeline, discrepancies, sections)."""
    observer: BusinessObserver = NO_OBSERVER
    """Hears business outcomes (``resolvers.observe``; the gateway's metrics count them)."""

    def mark_stale(self, info: Info, kind: str, key: Hashable) -> None:
        """If (kind, key) was served stale, note the field at ``info.path`` for the client."""
        if self.stale.records:
            self.stale.mark(list(info.path.as_list()), kind, key)


Info = strawberry.Info[Context, None]
