"""The one way the world changes after generation: records written through the vendor APIs.

Each `add_*` appends to the world's collections and indexes, settles the facts
generation would have derived (refunded quantities, financial status, state),
then tells the listeners (the simulated systems' row stores and render caches),
so every read API shows the record at once, exactly as if it had been generated.

Everything here is synchronous on purpose: a write handler validates and inserts
without an `await` in between, so concurrent requests on one event loop cannot
interleave between "is this a duplicate?" and "insert it".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from sandbox.world.ids import sf_id
from sandbox.world.lifecycle import order_state
from sandbox.world.model import Customer, Order, Refund
from sandbox.world.records import (
    BillingDocument,
    Case,
    CaseComment,
    CreditMemoRequest,
    CustomerReturn,
)
from sandbox.world.world import World

# kind is one of: order, stock, billing_document, credit_memo_request, customer_return,
# case, comment; the subject is the changed object (the sku for stock).
Listener = Callable[[str, object], None]
Clock = Callable[[], datetime.datetime]


def _wall_clock() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class _Sequence:
    """Next values after the largest generated one; `step` keeps Shopify-like gaps."""

    def __init__(self, values: Iterable[int], floor: int, step: int) -> None:
        self._last = max(values, default=floor)
        self._step = step

    def next(self) -> int:
        self._last += self._step
        return self._last


class WorldWriter:
    """Appends written records to `world`, keeps its indexes, and notifies listeners."""

    def __init__(self, world: World, clock: Clock | None = None) -> None:
        self.world = world
        self._clock = clock or _wall_clock
        self._listeners: list[Listener] = []
        orders = world.orders
        transactions = [
            t
            for o in orders
            for t in (o.sale_transaction_id, o.capture_transaction_id, o.void_transaction_id)
            if t is not None
        ]
        transactions.extend(r.transaction_id for r in world.refunds)
        self.order_ids = _Sequence((o.shopify_id for o in orders), 5_800_000_000, 7_919)
        self.order_numbers = _Sequence((o.number for o in orders), 1000, 1)
        self.line_ids = _Sequence((ln.shopify_id for o in orders for ln in o.lines), 0, 97)
        self.refund_ids = _Sequence((r.shopify_id for r in world.refunds), 9_100_000_000, 53)
        self.refund_line_ids = _Sequence(
            (rl.shopify_id for r in world.refunds for rl in r.lines), 5_300_000_000, 41
        )
        self.transaction_ids = _Sequence(transactions, 7_300_000_000, 37)
        self.adjustment_ids = _Sequence((), 1_030_000_000, 29)  # none are generated
        docs = world.billing_documents
        self.billing_numbers = _Sequence((int(d.number) for d in docs), 90_000_000, 1)
        self.accounting_numbers = _Sequence(
            (int(d.accounting_document) for d in docs), 9_400_000_000, 1
        )
        self.credit_memo_request_numbers = _Sequence(
            (int(r.number) for r in world.credit_memo_requests), 60_000_000, 1
        )
        self.customer_return_numbers = _Sequence(
            (int(r.number) for r in world.customer_returns), 70_000_000, 1
        )

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self, kind: str, subject: object) -> None:
        for listener in self._listeners:
            listener(kind, subject)

    def now(self) -> datetime.datetime:
        """Wall-clock time to the second, but never before the world's own `now`, so a
        written record is always newer than everything generated."""
        floor = self.world.now + datetime.timedelta(seconds=1)
        return max(self._clock(), floor).replace(microsecond=0)

    # OMS ---------------------------------------------------------------------------

    def add_order(self, order: Order) -> None:
        world = self.world
        world.orders.append(order)
        world.order_by_id[order.shopify_id] = order
        world.order_by_name[order.name] = order
        order.customer.orders.append(order)
        self._tell("order", order)

    def take_stock(self, sku: str, quantity: int) -> int:
        """Consume up to `quantity` units of SAP stock; returns how many were there."""
        taken = min(quantity, self.world.stock.get(sku, 0))
        if taken:
            self.set_stock(sku, self.world.stock[sku] - taken)
        return taken

    def set_stock(self, sku: str, quantity: int) -> None:
        self.world.stock[sku] = quantity
        self._tell("stock", sku)

    def add_refund(self, refund: Refund) -> None:
        """Record a refund and settle the order as generation would (aftercare, lifecycle)."""
        order = refund.order
        for rl in refund.lines:
            rl.line.refunded += rl.quantity
        order.refunds.append(refund)
        self.world.refunds.append(refund)
        fully = order.paid_amount > 0 and order.refunded_amount >= order.paid_amount
        if refund.amount > 0:  # a refund that only restocked leaves the payment as it was
            order.financial_status = "refunded" if fully else "partially_refunded"
        order.state = order_state(order)
        if fully and order.closed_at is None:
            order.closed_at = refund.created_at  # Shopify archives fully refunded orders
        order.updated_at = refund.created_at
        self._tell("order", order)

    # ERP ---------------------------------------------------------------------------

    def add_billing_document(self, doc: BillingDocument) -> None:
        world = self.world
        world.billing_documents.append(doc)
        world.billing_document_by_number[doc.number] = doc
        target = doc.sales_order.credit_memos if doc.category == "O" else doc.sales_order.invoices
        target.append(doc)
        if doc.refund is not None and doc.refund.credit_memo is None:
            doc.refund.credit_memo = doc
        self._tell("billing_document", doc)

    def add_credit_memo_request(self, request: CreditMemoRequest) -> None:
        self.world.credit_memo_requests.append(request)
        if request.external_id:
            self.world.credit_memo_request_by_external_id[request.external_id] = request
        self._tell("credit_memo_request", request)

    def add_customer_return(self, customer_return: CustomerReturn) -> None:
        self.world.customer_returns.append(customer_return)
        if customer_return.external_id:
            self.world.customer_return_by_external_id[customer_return.external_id] = customer_return
        self._tell("customer_return", customer_return)

    # CRM ---------------------------------------------------------------------------

    def next_case_ids(self) -> tuple[str, str]:
        """(Id, CaseNumber) of the next case: the auto-number continues the generated ones."""
        n = len(self.world.cases)
        return sf_id("500", n + 1), f"{1001 + n:08d}"

    def order_named(self, number: str | None, shopify_id: str | None) -> Order | None:
        """The order a case's text fields name (its number, else its Shopify id), if any."""
        world = self.world
        if number and number in world.order_by_name:
            return world.order_by_name[number]
        if shopify_id and shopify_id.isdigit():
            return world.order_by_id.get(int(shopify_id))
        return None

    def next_comment_id(self) -> str:
        return sf_id("00a", len(self.world.comments) + 1)

    def add_case(self, case: Case) -> None:
        world = self.world
        world.cases.append(case)
        world.case_by_id[case.id] = case
        if case.request_id:
            world.case_by_request_id[case.request_id] = case
        if case.customer is not None:
            case.customer.cases.append(case)
        if case.order is not None:
            case.order.cases.append(case)
        self._tell("case", case)

    def move_case(self, case: Case, customer: Customer | None, order: Order | None) -> None:
        """Point `case` at another contact and order, keeping their `.cases` lists right."""
        if case.customer is not customer:
            if case.customer is not None:
                case.customer.cases.remove(case)
            case.customer = customer
            if customer is not None:
                customer.cases.append(case)
        if case.order is not order:
            if case.order is not None:
                case.order.cases.remove(case)
            case.order = order
            if order is not None:
                order.cases.append(case)

    def case_changed(self, case: Case) -> None:
        self._tell("case", case)

    def add_comment(self, comment: CaseComment) -> None:
        self.world.comments.append(comment)
        comment.case.comments.append(comment)
        self._tell("comment", comment)
