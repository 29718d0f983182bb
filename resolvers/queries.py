"""Root query fields: thin, they validate arguments and resolve through loaders."""

from __future__ import annotations

import strawberry

from sources import SourceError, WorkflowKind, WorkflowStatus

from .context import Info
from .errors import BadUserInput, CodedError, CustomerNotFound, Forbidden
from .identifiers import InvalidIdentifier, native_order_id
from .inputs import refund_ask
from .loads import Load, free, looks_up
from .lookup import find_case, find_customer, find_order, find_refund_request
from .permissions import requires
from .prefetch import order_selection, prefetch
from .processes import Refused, assess, runtime_of
from .types.audit import AuditEntry
from .types.case import Case
from .types.connection import OrderConnection, OrderFilter, list_orders
from .types.customer import Customer
from .types.health import SourceHealth
from .types.money import Money
from .types.order import Order
from .types.process import (
    RefundPreview,
    RefundPreviewInput,
    RefundRequest,
    UserError,
    audit_entries,
)
from .types.workflow import (
    RefundRequestConnection,
    RefundRequestEdge,
    Workflow,
    WorkflowConnection,
    WorkflowEdge,
    workflow_page,
)
from .validation import Checker, is_valid_text

__all__ = ["Query"]


class CodedPreviewError(CodedError):
    """A preview that cannot be computed (unknown order, missing scope, bad input)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        # errors[] codes come from the contract's fixed list; anything else is input.
        self.code = {"NOT_FOUND": "NOT_FOUND", "FORBIDDEN": "FORBIDDEN"}.get(code, "BAD_USER_INPUT")  # type: ignore[assignment]


def _require_any(info: Info, *scopes: str) -> None:
    context = info.context
    if not any(context.policy.allows(context.principal, s) for s in scopes):
        raise Forbidden(f"This needs one of the scopes {', '.join(scopes)}.")


@strawberry.type(description="Read everything about orders, customers and cases.")
class Query:
    """The read side of Order360."""

    @strawberry.field(
        description='One order by its customer-facing number (e.g. "#1001") or its id.',
        extensions=requires("orders:read"),
        metadata=looks_up(Load.OMS_ORDER),
    )
    async def order(
        self, info: Info, number: str | None = None, id: strawberry.ID | None = None
    ) -> Order | None:
        """Exactly one of ``number`` and ``id``."""
        if (number is None) == (id is None):
            raise BadUserInput("Give exactly one of number and id.")
        if id is not None:
            try:
                native = native_order_id(str(id))
            except InvalidIdentifier as bad:
                raise BadUserInput(str(bad)) from bad
            order = await find_order(info, order_id=native)
        else:
            order = await find_order(info, number=number)
        await prefetch(info, [order.record], order_selection(info))
        return order

    @strawberry.field(
        description="A page of orders, newest first. Partners only ever see their own channel.",
        extensions=requires("orders:read"),
        metadata=looks_up(Load.OMS_ORDER_PAGE),
    )
    async def orders(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: OrderFilter | None = None,
    ) -> OrderConnection:
        """Cursor-paged, at most 250 per page."""
        return await list_orders(info, first=first, after=after, filter=filter)

    @strawberry.field(
        description="One customer by id (the service desk's, e.g. sfdc:Contact:<id>, or "
        "shopify:Customer:<id>) or e-mail.",
        extensions=requires("orders:read"),
        metadata=looks_up(Load.CRM_CONTACT),
    )
    async def customer(
        self, info: Info, id: strawberry.ID | None = None, email: str | None = None
    ) -> Customer | None:
        """Exactly one of ``id`` and ``email``. Partner tokens cannot look customers up."""
        if (id is None) == (email is None):
            raise BadUserInput("Give exactly one of id and email.")
        if email is None:
            return await find_customer(info, str(id))
        context = info.context
        if context.policy.channel_filter(context.principal) is not None:
            # A customer spans channels; a partner only reaches customers through its orders.
            raise CustomerNotFound("No customer matches.")
        found = await context.sources.crm.contacts_by_email([email], context.call)
        contact = found.get(email.lower())
        if contact is None:
            raise CustomerNotFound("No customer matches.")
        return Customer.of(contact, None)

    @strawberry.field(
        description="One service case by its number.",
        extensions=requires("cases:read"),
        metadata=looks_up(Load.CRM_CASE),
    )
    async def case(self, info: Info, number: str) -> Case | None:
        """Partners see a case only when its order is in their channel."""
        return await find_case(info, number)

    @strawberry.field(description="A refund request by id (rr_…).", metadata=looks_up(Load.JOURNAL))
    async def refund_request(self, info: Info, id: strawberry.ID) -> RefundRequest | None:
        """Visible to refunds:write, refunds:approve and ops; partners see their channel only."""
        return await find_refund_request(info, str(id))

    @strawberry.field(
        description="The supervisors' approval queue: refund requests newest first, by status "
        "(PENDING_APPROVAL for what waits). Needs refunds:approve or ops; partners see their "
        "channel only.",
        metadata=looks_up(Load.JOURNAL),
    )
    async def refund_requests(
        self,
        info: Info,
        status: WorkflowStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> RefundRequestConnection:
        """Cursor-paged, at most 100 per page."""
        _require_any(info, "refunds:approve", "ops")
        edges, page = await workflow_page(
            info, first=first, after=after, status=status, kinds=[WorkflowKind.REFUND]
        )
        return RefundRequestConnection(
            edges=[RefundRequestEdge(cursor=c, node=RefundRequest(record=r)) for c, r in edges],
            page_info=page,
        )

    @strawberry.field(
        description="Operators' queue: workflows of every kind, newest first, by status and "
        "kind, with their steps and last error. Needs ops.",
        metadata=looks_up(Load.JOURNAL),
    )
    async def workflows(
        self,
        info: Info,
        status: WorkflowStatus | None = None,
        kind: WorkflowKind | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> WorkflowConnection:
        """Cursor-paged, at most 100 per page."""
        _require_any(info, "ops")
        edges, page = await workflow_page(
            info, first=first, after=after, status=status, kinds=[kind] if kind else None
        )
        return WorkflowConnection(
            edges=[WorkflowEdge(cursor=c, node=Workflow(record=r)) for c, r in edges],
            page_info=page,
        )

    @strawberry.field(
        description="Every audit entry written under one request id (X-Request-ID), oldest "
        "first: where one request went. Needs ops.",
        metadata=looks_up(Load.JOURNAL),
    )
    async def audit(self, info: Info, correlation_id: str) -> list[AuditEntry]:
        """At most 500 entries."""
        _require_any(info, "ops")
        if not (0 < len(correlation_id) <= 128 and is_valid_text(correlation_id)):
            raise BadUserInput("correlationId is a request id of at most 128 characters.")
        entries = await audit_entries(info, correlation_id=correlation_id)
        context = info.context
        if context.policy.channel_filter(context.principal) is None or context.processes is None:
            return entries
        # A partner sees only entries about workflows of its own channel.
        journal = context.processes.journal
        mine: list[AuditEntry] = []
        for entry in entries:
            found = await journal.workflow(entry.workflow_id) if entry.workflow_id else None
            if found and context.policy.may_see_channel(context.principal, found.channel):
                mine.append(entry)
        return mine

    @strawberry.field(
        description="What a refund would do (eligibility, amount, approval needed) "
        "without doing it.",
        # The checks of a refund, read live: the OMS order, the ERP's order and billing, the
        # CRM contact, and what open requests hold.
        metadata=looks_up(
            Load.OMS_ORDER, Load.ERP_SALES_ORDER, Load.ERP_BILLING, Load.CRM_CONTACT, Load.JOURNAL
        ),
    )
    async def refund_preview(self, info: Info, input: RefundPreviewInput) -> RefundPreview:
        """Live OMS and ERP data, minus what open refund requests already hold."""
        check = Checker()
        ask = refund_ask(check, input.order_number, input.lines, input.amount)
        try:
            rt = runtime_of(info.context)
            rt.require("refunds:write")
            if not check.ok:
                raise BadUserInput(check.complaints[0].message)
            reserved = await rt.journal.reserved_now(ask.order_number)
            found = await assess(rt, ask, reserved)
        except Refused as refused:
            problem = refused.problems[0]
            cause = refused.__cause__
            if problem.code == "ELIGIBILITY_UNAVAILABLE" and isinstance(cause, SourceError):
                raise cause from None  # a query reports a source down as the source's error
            raise CodedPreviewError(problem.code, problem.message) from refused
        return RefundPreview(
            eligible=found.eligible,
            amount=Money.of(found.amount),
            refundable=Money.of(found.refundable),
            requires_approval=found.requires_approval,
            reasons=[UserError.of(p) for p in found.problems]
            + (
                [
                    UserError(
                        field=None,
                        message="A second person must approve.",
                        code="APPROVAL_REQUIRED",
                    )
                ]
                if found.requires_approval
                else []
            ),
        )

    @strawberry.field(
        description="Health of each upstream as the gateway sees it "
        "(circuit state, latency, errors). Needs ops.",
        extensions=requires("ops"),
        metadata=free("the gateway's own breaker and latency counters, no upstream call"),
    )
    def sources(self, info: Info) -> list[SourceHealth]:
        """One entry per system; operators only, as the contract reserves health details."""
        return [
            SourceHealth(
                name=name,
                state=report.breaker.value,
                latency_p50_ms=report.window.latency_p50_ms,
                error_rate=report.window.error_rate,
            )
            for name, report in info.context.sources.health().items()
        ]
