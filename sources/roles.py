"""The roles a source plays, as small typed interfaces: what resolvers and processes see.

Above ``sources/`` nothing knows a vendor: the gateway opens one implementation per role
(``sources.registry``, chosen by ``ORDER360_ERP``, ``ORDER360_SERVICE_DESK``…), and
resolvers and processes call these methods only, with canonical models in and out
(``sources.models``).

Every read takes keys in bulk and answers a mapping (a key the system does not know is
absent), so dataloaders batch one call per key kind. Every write is idempotent by our
reference (the workflow id): asked again after a lost answer, it finds what it did
before rather than doing it twice, by the vendor's idempotency keys where it has them
and by a look-up before posting where it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from .call import CallContext
from .carriers.hub import TrackingRef
from .commands import CaseDraft, CreditNote, ReturnRequest
from .errors import SourceError
from .models import (
    CrmCase,
    CrmContact,
    ErpBillingDocument,
    ErpSalesOrder,
    Money,
    OmsOrder,
    OmsRefund,
    RefundQuote,
    StockLevel,
    Tracking,
)
from .paging import OrderListQuery, OrderPage

__all__ = ["ROLES", "Carriers", "Erp", "LineQuantities", "OrderSystem", "Role", "ServiceDesk"]

Role = Literal["oms", "erp", "crm", "carrier"]
"""The roles, by the names errors and health report them under (``crm``: service desk)."""

LineQuantities = Sequence[tuple[str, int]]
"""(order line id, quantity) pairs."""


@runtime_checkable
class OrderSystem(Protocol):
    """The order management system (Shopify): orders, customers, refunds, new orders."""

    def channels(self) -> list[str]:
        """The sales channels orders are attributed to."""
        ...

    async def orders_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, OmsOrder]:
        """Orders by the order system's id."""
        ...

    async def order_by_number(self, number: str, call: CallContext) -> OmsOrder | None:
        """One order by its number (``#1001``)."""
        ...

    async def customer_ids_by_email(self, email: str, call: CallContext) -> list[str]:
        """The order system's customers with this e-mail address."""
        ...

    async def list_orders(self, query: OrderListQuery, call: CallContext) -> OrderPage:
        """A page of orders, newest first."""
        ...

    async def calculate_refund(
        self, order_id: str, currency: str, lines: LineQuantities, call: CallContext
    ) -> RefundQuote:
        """What a refund of these lines (or, with none, the most) would give back."""
        ...

    async def refund_by_marker(
        self, order_id: str, currency: str, marker: str, call: CallContext
    ) -> OmsRefund | None:
        """An earlier refund carrying ``marker``, if one was made."""
        ...

    async def create_refund(
        self,
        order_id: str,
        *,
        currency: str,
        amount: Money,
        quote: RefundQuote,
        lines: LineQuantities,
        restock: str,
        note: str,
        idempotency_key: str,
        call: CallContext,
    ) -> OmsRefund:
        """Refund money (and restock lines); the irreversible step of a refund."""
        ...

    async def create_order(
        self,
        *,
        customer_id: str,
        lines: Sequence[tuple[str, int]],
        currency: str,
        tags: str,
        note: str,
        idempotency_key: str,
        call: CallContext,
    ) -> OmsOrder:
        """A zero-priced order of (SKU, quantity) lines, for a replacement."""
        ...


@runtime_checkable
class Erp(Protocol):
    """The ERP: the books (sales orders, invoices, credits) and the stock."""

    async def sales_orders(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, ErpSalesOrder]:
        """Sales orders by the order system's order number they were booked for."""
        ...

    async def billing_documents(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, list[ErpBillingDocument]]:
        """Invoices and credits by order number, oldest first."""
        ...

    async def stock(self, materials: Sequence[str], call: CallContext) -> dict[str, StockLevel]:
        """Stock free for sale, per material (SKU), summed over sites."""
        ...

    async def post_credit(self, credit: CreditNote, call: CallContext) -> str:
        """Book a credit for a refund; returns the ERP's document number."""
        ...

    async def post_return(self, goods: ReturnRequest, call: CallContext) -> str:
        """Book goods coming back; returns the ERP's document number."""
        ...


@runtime_checkable
class ServiceDesk(Protocol):
    """The CRM or service desk: customers as it knows them, and their cases."""

    contact_id_prefix: str
    """How its contacts' global ids begin (``CrmContact.global_id``)."""

    async def contacts_by_oms_customer(
        self, customer_ids: Sequence[str], call: CallContext
    ) -> dict[str, CrmContact]:
        """Contacts by the order system's customer id they are linked to."""
        ...

    async def contacts_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, CrmContact]:
        """Contacts by the service desk's own id."""
        ...

    async def contacts_by_email(
        self, emails: Sequence[str], call: CallContext
    ) -> dict[str, CrmContact]:
        """Contacts by lower-cased e-mail address."""
        ...

    async def cases_by_order_number(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, list[CrmCase]]:
        """Cases about each order, oldest first."""
        ...

    async def cases_by_contact(
        self, contact_ids: Sequence[str], call: CallContext
    ) -> dict[str, list[CrmCase]]:
        """Cases raised by each contact, oldest first."""
        ...

    async def cases_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, CrmCase]:
        """Cases by the service desk's own id."""
        ...

    async def cases_by_number(
        self, numbers: Sequence[str], call: CallContext
    ) -> dict[str, CrmCase]:
        """Cases by the number people quote."""
        ...

    async def open_case(
        self, reference: str, draft: CaseDraft, call: CallContext
    ) -> tuple[str, bool]:
        """Open the case ``reference`` names (or find it); returns (case id, created)."""
        ...

    async def comment_once(self, case_id: str, tag: str, body: str, call: CallContext) -> str:
        """Add an internal comment carrying ``tag``, unless one already does; its id."""
        ...


@runtime_checkable
class Carriers(Protocol):
    """Every carrier integration behind one call."""

    async def track(
        self, refs: Sequence[TrackingRef], call: CallContext
    ) -> dict[TrackingRef, Tracking | SourceError]:
        """Tracking, or a per-parcel error, for every (company, tracking number)."""
        ...


ROLES: dict[Role, type] = {
    "oms": OrderSystem,
    "erp": Erp,
    "crm": ServiceDesk,
    "carrier": Carriers,
}
"""The interface each role's implementation must offer."""
