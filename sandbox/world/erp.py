"""SAP documents derived from the orders: sales orders, deliveries, invoices, credit memos.

Deliberate reconciliation gaps, each flagged on the records so tests can find
them: ~3 % of orders (recent ones) are not yet replicated, ~2 % of sales orders
carry a slightly wrong TotalNetAmount, and ~3 % of shipped orders have no invoice.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from sandbox.world.model import Order
from sandbox.world.records import BillingDocument, BillingItem, SalesOrder

_H = datetime.timedelta(hours=1)


def _statuses(order: Order) -> tuple[str, str, str]:
    """(OverallSDProcessStatus, OverallDeliveryStatus, OverallSDDocumentRejectionSts)."""
    state = order.state
    if state == "cancelled":
        return "C", "", "C"
    if state == "open":
        return "A", "A", "A"
    if state == "partially_fulfilled":
        return "B", "B", "A"
    if state == "in_transit":
        return "B", "C", "A"
    return "C", "C", "A"


def _sales_order(rng: random.Random, order: Order, number: int) -> SalesOrder:
    mismatch = rng.random() < 0.02
    amount = order.net
    if mismatch:
        delta = Decimal(rng.choice((1, 5, 10, 50, 100, 250))) / 100
        amount += delta if rng.random() < 0.5 else -delta
    process, delivery, rejection = _statuses(order)
    return SalesOrder(
        number=str(number),
        order=order,
        total_net_amount=amount,
        amount_mismatch=mismatch,
        process_status=process,
        delivery_status=delivery,
        rejection_status=rejection,
        changed_at=order.updated_at or order.created_at,
    )


def _invoice(order: Order, so: SalesOrder, rng: random.Random, now: datetime.datetime) -> None:
    for shipment in order.shipments:
        at = min(shipment.shipped_at + _H * rng.uniform(1, 8), now - _H)
        items = [
            BillingItem(
                number=str(10 * pos),
                line=line,
                quantity=qty,
                net=line.net,
                tax=line.tax,
                reference_document="",  # the delivery number, known once numbered
                reference_item=line.sap_item,
                reference_category="J",
            )
            for pos, (line, qty) in enumerate(shipment.lines, start=1)
        ]
        doc = BillingDocument("", "M", "F2", order, so, at.replace(microsecond=0), items, "")
        doc.shipment = shipment
        shipment.invoice = doc
        so.invoices.append(doc)


def _credit_memos(order: Order, so: SalesOrder, rng: random.Random, now: datetime.datetime) -> None:
    invoiced = {id(item.line): (doc, item) for doc in so.invoices for item in doc.items}
    for refund in order.refunds:
        at = min(refund.created_at + _H * rng.uniform(0.5, 6), now - _H)
        items = []
        for pos, rl in enumerate(refund.lines, start=1):
            source = invoiced.get(id(rl.line))
            items.append(
                BillingItem(
                    number=str(10 * pos),
                    line=rl.line,
                    quantity=rl.quantity,
                    net=rl.subtotal,
                    tax=rl.tax,
                    reference_document=so.number if source is None else "",
                    reference_item=rl.line.sap_item if source is None else source[1].number,
                    reference_category="C" if source is None else "M",
                    invoice=None if source is None else source[0],
                )
            )
        doc = BillingDocument("", "O", "G2", order, so, at.replace(microsecond=0), items, "")
        doc.refund = refund
        refund.credit_memo = doc
        so.credit_memos.append(doc)


def build_erp(
    rng: random.Random, orders: list[Order], now: datetime.datetime
) -> tuple[list[SalesOrder], list[BillingDocument]]:
    """Replicate orders into SAP and number every document in date order, as SAP would."""
    recent_from = int(len(orders) * 0.95)
    sales_orders: list[SalesOrder] = []
    for order in orders:
        if order.index >= recent_from and rng.random() < 0.6:
            continue  # placed recently; replication has not run yet
        so = _sales_order(rng, order, 5_000_001 + len(sales_orders))
        order.sales_order = so
        sales_orders.append(so)
        if order.shipments and rng.random() >= 0.03:
            _invoice(order, so, rng, now)
    shipments = sorted(
        (s for o in orders for s in o.shipments), key=lambda s: (s.shipped_at, s.shopify_id)
    )
    for n, shipment in enumerate(shipments):
        shipment.delivery_number = str(80_000_001 + n)
    for so in sales_orders:
        _credit_memos(so.order, so, rng, now)
    documents = [doc for so in sales_orders for doc in (*so.invoices, *so.credit_memos)]
    # Invoices and credit memos share SAP's billing number range, in date order.
    documents.sort(key=lambda d: (d.date, d.category, d.order.index))
    for n, doc in enumerate(documents):
        doc.number = str(90_000_001 + n)
        doc.accounting_document = str(9_400_000_001 + n)
    for doc in documents:
        for item in doc.items:
            if doc.shipment is not None:
                item.reference_document = doc.shipment.delivery_number
            elif item.invoice is not None:
                item.reference_document = item.invoice.number
    return sales_orders, documents
