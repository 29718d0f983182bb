"""Customers: the CRM contact, with the OMS customer as fallback and link to orders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from sources import CrmContact, OmsCustomer

from ..context import Info
from ..identifiers import customer_id
from ..loads import Load, looks_up, reads
from ..permissions import requires

if TYPE_CHECKING:
    from .case import Case
    from .connection import OrderConnection

__all__ = ["Customer"]


@strawberry.type(description="A customer: the CRM contact, linked to the OMS customer.")
class Customer:
    """GraphQL face of a customer."""

    contact: strawberry.Private[CrmContact | None]
    oms: strawberry.Private[OmsCustomer | None]

    @classmethod
    def of(cls, contact: CrmContact | None, oms: OmsCustomer | None) -> Customer:
        """A customer from the CRM contact and/or the OMS customer block."""
        return cls(contact=contact, oms=oms)

    @strawberry.field(
        description="Customer id: the service desk's (sfdc:Contact:<id> for Salesforce, "
        "zendesk:User:<id> for Zendesk), or shopify:Customer:<id>."
    )
    def id(self) -> strawberry.ID:
        """The service desk's id when it knows the customer, else the order system's."""
        if self.contact:
            return strawberry.ID(self.contact.global_id)
        return strawberry.ID(customer_id(self.oms.id if self.oms else ""))

    @strawberry.field(description="Full name.")
    def name(self) -> str:
        """First and last name."""
        if self.contact:
            return self.contact.name
        parts = (self.oms.first_name, self.oms.last_name) if self.oms else ()
        return " ".join(p for p in parts if p)

    @strawberry.field(
        description="E-mail address. PII: needs pii:read.", extensions=requires("pii:read")
    )
    def email(self) -> str | None:
        """CRM e-mail, else the OMS one."""
        if self.contact and self.contact.email:
            return self.contact.email
        return self.oms.email if self.oms else None

    @strawberry.field(
        description="Phone number. PII: needs pii:read.", extensions=requires("pii:read")
    )
    def phone(self) -> str | None:
        """CRM phone, else the OMS one."""
        if self.contact and self.contact.phone:
            return self.contact.phone
        return self.oms.phone if self.oms else None

    @strawberry.field(description="Loyalty tier from the CRM (Bronze, Silver, Gold, Platinum).")
    def loyalty_tier(self) -> str | None:
        """Null when the CRM has none."""
        return self.contact.loyalty_tier if self.contact else None

    def oms_customer_id(self) -> str | None:
        """The OMS id of this customer, from the CRM link or the OMS itself."""
        if self.oms:
            return self.oms.id
        return self.contact.oms_customer_id if self.contact else None

    @strawberry.field(
        description="This customer's orders, newest first (OMS). Partners see only their channel.",
        extensions=requires("orders:read"),
        metadata=looks_up(Load.OMS_ORDER_PAGE),
    )
    async def orders(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Annotated[OrderConnection, strawberry.lazy(".connection")] | None:
        """Paged like ``Query.orders``, with its tenancy: partners see only their channel."""
        from .connection import list_orders

        customer_id = self.oms_customer_id()
        if customer_id is None:
            return None
        return await list_orders(info, first=first, after=after, customer_id=customer_id)

    @strawberry.field(
        description="Service cases this customer raised (CRM). "
        "Partners see only the cases about their channel's orders.",
        extensions=requires("cases:read"),
        # The CRM's cases, and for a partner one OMS batch proving which are about its orders.
        metadata=reads(Load.CRM_CASES_BY_CONTACT, Load.OMS_ORDER),
    )
    async def cases(self, info: Info) -> list[Annotated[Case, strawberry.lazy(".case")]] | None:
        """Oldest first; empty when the CRM does not know the customer."""
        from .case import Case, visible_cases

        if self.contact is None:
            return []
        found = await info.context.loaders.cases_by_contact.load(self.contact.id)
        return [Case(record=c) for c in await visible_cases(info, found)]
