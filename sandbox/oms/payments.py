"""Shopify order transactions: sale, or authorization then capture or void; then refunds.

Refund transactions point at the payment they return money from (`parent_id`),
which is what a refund client must send back when it creates a refund.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.timefmt import shopify_time
from sandbox.world import Order, Refund


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _transaction(
    order: Order, ident: int, kind: str, value: Decimal, at: str, parent: int | None, status: str
) -> dict[str, Any]:
    return {
        "id": ident,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{ident}",
        "order_id": order.shopify_id,
        "kind": kind,
        "status": status,
        "amount": _amount(value),
        "currency": order.currency,
        "gateway": order.gateway,
        "parent_id": parent,
        "created_at": at,
        "processed_at": at,
        "authorization": None,
        "error_code": None,
        "source_name": "web",
        "test": False,
        "message": None,
    }


def refund_transaction(refund: Refund) -> dict[str, Any]:
    order = refund.order
    at = shopify_time(refund.created_at, order.region)
    return _transaction(
        order,
        refund.transaction_id,
        "refund",
        refund.amount,
        at,
        order.payment_transaction_id,
        "success",
    )


def transactions_json(order: Order) -> list[dict[str, Any]]:
    """Payment history: sale (or authorization, then capture or void), then refunds."""
    t = order.region
    created = shopify_time(order.created_at, t)
    manual = order.capture_transaction_id is not None or order.financial_status in (
        "authorized",
        "voided",
    )
    first_kind = "authorization" if manual else "sale"
    status = "pending" if order.financial_status == "pending" else "success"
    out = [
        _transaction(
            order, order.sale_transaction_id, first_kind, order.total, created, None, status
        )
    ]
    if order.capture_transaction_id is not None:
        at = shopify_time(order.shipments[0].shipped_at, t)
        parent = order.sale_transaction_id
        out.append(
            _transaction(
                order, order.capture_transaction_id, "capture", order.total, at, parent, "success"
            )
        )
    if order.void_transaction_id is not None and order.cancelled_at is not None:
        at = shopify_time(order.cancelled_at, t)
        parent = order.sale_transaction_id
        out.append(
            _transaction(
                order, order.void_transaction_id, "void", order.total, at, parent, "success"
            )
        )
    # A refund that only restocked (no money back) has no transaction.
    out.extend(refund_transaction(refund) for refund in order.refunds if refund.amount > 0)
    return out
