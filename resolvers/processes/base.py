"""What every governed process shares: settings, refusals, the runtime of one request."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, get_args

from sources import AuditRecord, CallContext, Journal, Sources

from ..context import Policy, Principal
from ..observe import NO_OBSERVER, BusinessObserver

__all__ = [
    "USER_ERROR_CODES",
    "Problem",
    "ProcessSettings",
    "Refused",
    "Runtime",
    "UserErrorCode",
    "runtime_of",
]

UserErrorCode = Literal[
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "FORBIDDEN",
    "NOT_ELIGIBLE",
    "AMOUNT_EXCEEDS_REFUNDABLE",
    "CURRENCY_MISMATCH",
    "APPROVAL_REQUIRED",
    "IDEMPOTENCY_KEY_REUSED",
    "IDEMPOTENCY_KEY_IN_USE",
    "ERP_ORDER_MISSING",
    "CRM_CONTACT_MISSING",
    "ELIGIBILITY_UNAVAILABLE",
    # A workflow that did not finish reports its failed step's source code.
    "SOURCE_UNAVAILABLE",
    "SOURCE_TIMEOUT",
    "SOURCE_THROTTLED",
    "SOURCE_BAD_RESPONSE",
    "INTERNAL",  # a defect of ours stopped it (logged with its traceback)
]
"""Every ``UserError.code`` (docs/CONTRACT.md lists them for clients)."""
USER_ERROR_CODES: frozenset[str] = frozenset(get_args(UserErrorCode))


@dataclass(frozen=True, slots=True)
class ProcessSettings:
    """Knobs of the governed processes (from ``ORDER360_*`` settings)."""

    approval_threshold: Decimal = Decimal("100.00")
    return_window_days: int = 30
    lease_s: float = 30.0
    in_use_wait_s: float = 2.0
    retry_base_s: float = 30.0
    """First background retry of a parked workflow after about this long, then doubling."""
    retry_cap_s: float = 3600.0
    """Never wait longer than this between two retries of one workflow."""
    max_retries: int = 12
    """Background retries before a parked workflow goes to NEEDS_ATTENTION."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a request was refused (a ``UserError`` in the schema)."""

    code: UserErrorCode
    message: str
    field: tuple[str, ...] | None = None


class Refused(Exception):
    """A business rule says no; nothing was written upstream."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class Runtime:
    """One request's view of the process machinery."""

    journal: Journal
    sources: Sources
    principal: Principal
    policy: Policy
    call: CallContext
    settings: ProcessSettings
    invalidate: Callable[[str, str], None]
    """Drop cached reads of an order (number, OMS id) after a write changed it."""
    observer: BusinessObserver = NO_OBSERVER
    """Hears where workflows end up (``resolvers.observe``)."""

    def allows(self, scope: str) -> bool:
        """The principal holds ``scope``."""
        return self.policy.allows(self.principal, scope)

    def require(self, scope: str) -> None:
        """Refuse with FORBIDDEN unless the principal holds ``scope``."""
        if not self.allows(scope):
            raise Refused(Problem("FORBIDDEN", f"This needs the {scope} scope."))

    def audit(
        self,
        action: str,
        decision: str,
        *,
        detail: str | None = None,
        workflow_id: str | None = None,
        order_number: str | None = None,
    ) -> AuditRecord:
        """An audit entry for this principal and request."""
        return AuditRecord(
            at=time.time(),
            actor=self.principal.subject,
            client=self.principal.client_id,
            action=action,
            decision=decision,
            detail=detail,
            workflow_id=workflow_id,
            order_number=order_number,
            correlation_id=self.call.request_id,
        )


def runtime_of(context: Any) -> Runtime:
    """The process runtime of a request; refused when the gateway runs without a journal."""
    env = context.processes
    if env is None:
        raise Refused(Problem("NOT_ELIGIBLE", "Governed processes are not enabled here."))
    return Runtime(
        journal=env.journal,
        sources=context.sources,
        principal=context.principal,
        policy=context.policy,
        call=context.call,
        settings=env.settings,
        invalidate=env.invalidate,
        observer=context.observer,
    )
