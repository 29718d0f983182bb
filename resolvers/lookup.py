"""Finding one order, customer, case or refund request by its key, with tenancy applied
the same way everywhere: by a root field and by a federation representation alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sources import CrmContact, NotFound, OmsOrder, WorkflowKind

from .context import Info
from .errors import (
    BadUserInput,
    CaseNotFound,
    CustomerNotFound,
    Forbidden,
    OrderNotFound,
    RefundRequestNotFound,
)
from .identifiers import CUSTOMER_PREFIX, InvalidIdentifier, is_workflow_id, order_number

if TYPE_CHECKING:
    from .types.case import Case
    from .types.customer import Customer
    from .types.order import Order
    from .types.process import RefundRequest

__all__ = ["find_case", "find_customer", "find_order", "find_refund_request", "visible"]

REFUND_READERS = ("refunds:write", "refunds:approve", "ops")
"""Scopes that may read a refund request."""


def visible(info: Info, record: OmsOrder) -> bool:
    """Whether the caller's tenancy lets them see this order at all."""
    context = info.context
    return context.policy.may_see_channel(context.principal, record.channel)


async def find_order(
    info: Info, *, order_id: str | None = None, number: str | None = None
) -> Order:
    """The order, or ``OrderNotFound`` when it does not exist *or* the caller may not see it."""
    from .types.order import Order

    context = info.context
    record: OmsOrder | None = None
    if order_id is not None:
        try:
            record = await context.loaders.order_by_id.load(order_id)
        except NotFound:
            record = None
    elif number is not None:
        try:
            canonical = order_number(number)
        except InvalidIdentifier as bad:
            raise BadUserInput(str(bad)) from bad
        record = await context.sources.oms.order_by_number(canonical, context.call)
        if record is not None:
            context.loaders.order_by_id.prime(record.id, record)
    if record is None or not visible(info, record):
        raise OrderNotFound()
    return Order.of(record)


async def find_customer(info: Info, customer_id: str) -> Customer:
    """The customer with this id (the service desk's or the order system's).

    Partners get ``CustomerNotFound``: a customer spans channels, so a partner reaches
    customers only through its own orders.
    """
    from .types.customer import Customer

    context = info.context
    if context.policy.channel_filter(context.principal) is not None:
        raise CustomerNotFound("No customer matches.")
    loaders = context.loaders
    contact: CrmContact | None
    if customer_id.startswith(prefix := context.sources.crm.contact_id_prefix):
        contact = await loaders.contact_by_id.load(customer_id.removeprefix(prefix))
    elif customer_id.startswith(CUSTOMER_PREFIX):
        contact = await loaders.contact_by_oms_customer.load(
            customer_id.removeprefix(CUSTOMER_PREFIX)
        )
    else:
        raise BadUserInput(f"id is not a customer id ({prefix}<id> or {CUSTOMER_PREFIX}<id>).")
    if contact is None:
        raise CustomerNotFound("No customer matches.")
    return Customer.of(contact, None)


async def find_case(info: Info, number: str) -> Case:
    """The case with this number; partners see it only when its order is in their channel."""
    from .types.case import Case

    context = info.context
    record = await context.loaders.case_by_number.load(number.strip())
    if record is None:
        raise CaseNotFound("No case matches.")
    if context.policy.channel_filter(context.principal) is not None:
        order = await Case(record=record).order(info)
        if order is None:
            raise CaseNotFound("No case matches.")
    return Case(record=record)


async def find_refund_request(info: Info, request_id: str) -> RefundRequest:
    """The refund request with this id, for refunds:write, refunds:approve and ops only;
    partners see their own channel's."""
    from .types.process import RefundRequest

    context = info.context
    if not any(context.policy.allows(context.principal, s) for s in REFUND_READERS):
        raise Forbidden("This needs refunds:write, refunds:approve or ops.")
    env = context.processes
    record = await env.journal.workflow(request_id) if env and is_workflow_id(request_id) else None
    if (
        record is None
        or record.kind is not WorkflowKind.REFUND
        or not context.policy.may_see_channel(context.principal, record.channel)
    ):
        raise RefundRequestNotFound("No refund request matches.")
    return RefundRequest(record=record)
