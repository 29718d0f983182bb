"""The full Shopify order object (vendor-wire-formats §2.2), assembled from the parts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.oms.render import (
    LOCALE,
    address,
    amount,
    customer_json,
    fulfillment_json,
    line_json,
    money_set,
    refund_json,
)
from sandbox.timefmt import shopify_time
from sandbox.world import Order

_ZERO = Decimal("0.00")


def order_fulfillment_status(order: Order) -> str | None:
    """null (nothing shipped), "partial" or "fulfilled"."""
    if not order.shipments:
        return None
    if all(line.fulfilled >= line.quantity for line in order.lines):
        return "fulfilled"
    return "partial"


def order_json(order: Order) -> dict[str, Any]:
    t, currency = order.region, order.currency
    customer = order.customer
    refund_lines = [rl for refund in order.refunds for rl in refund.lines]
    refunded_gross = sum((rl.line.price * rl.quantity for rl in refund_lines), _ZERO)
    refunded_discount = sum((rl.discount for rl in refund_lines), _ZERO)
    refunded_tax = sum((rl.tax for rl in refund_lines), _ZERO)
    if order.financial_status == "voided":
        current = (_ZERO, _ZERO, _ZERO, _ZERO)
    else:
        current = (
            order.net - (refunded_gross - refunded_discount),
            order.discounts - refunded_discount,
            order.tax - refunded_tax,
            order.total - order.refunded_amount,
        )
    outstanding = order.total if order.financial_status in ("pending", "authorized") else _ZERO
    created = shopify_time(order.created_at, t)
    discount_codes = []
    if order.discount_code:
        discount_codes = [
            {"code": order.discount_code, "amount": amount(order.discounts), "type": "percentage"}
        ]
    return {
        "id": order.shopify_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.shopify_id}",
        "app_id": order.app_id,
        "buyer_accepts_marketing": False,
        "cancel_reason": order.cancel_reason,
        "cancelled_at": shopify_time(order.cancelled_at, t) if order.cancelled_at else None,
        "closed_at": shopify_time(order.closed_at, t) if order.closed_at else None,
        "confirmed": True,
        "contact_email": customer.email,
        "created_at": created,
        "currency": currency,
        "current_subtotal_price": amount(current[0]),
        "current_subtotal_price_set": money_set(current[0], currency),
        "current_total_discounts": amount(current[1]),
        "current_total_discounts_set": money_set(current[1], currency),
        "current_total_tax": amount(current[2]),
        "current_total_tax_set": money_set(current[2], currency),
        "current_total_price": amount(current[3]),
        "current_total_price_set": money_set(current[3], currency),
        "customer_locale": LOCALE[t],
        "discount_codes": discount_codes,
        "email": customer.email,
        "estimated_taxes": False,
        "financial_status": order.financial_status,
        "fulfillment_status": order_fulfillment_status(order),
        "gateway": order.gateway,
        "name": order.name,
        "note": order.note,
        "number": order.number - 1000,
        "order_number": order.number,
        "payment_gateway_names": [order.gateway],
        "phone": None,
        "presentment_currency": currency,
        "processed_at": created,
        "source_name": order.source_name,
        # Shopify's subtotal is after discounts and before tax (what SAP books as net).
        "subtotal_price": amount(order.net),
        "subtotal_price_set": money_set(order.net, currency),
        "tags": order.tags,
        "tax_lines": [
            {
                "title": customer.tax_title,
                "rate": float(customer.tax_rate),
                "price": amount(order.tax),
                "price_set": money_set(order.tax, currency),
            }
        ],
        "taxes_included": False,
        "test": False,
        "total_discounts": amount(order.discounts),
        "total_discounts_set": money_set(order.discounts, currency),
        "total_line_items_price": amount(order.subtotal),
        "total_line_items_price_set": money_set(order.subtotal, currency),
        "total_outstanding": amount(outstanding),
        "total_price": amount(order.total),
        "total_price_set": money_set(order.total, currency),
        "total_shipping_price_set": money_set(_ZERO, currency),
        "total_tax": amount(order.tax),
        "total_tax_set": money_set(order.tax, currency),
        "total_weight": sum(line.product.grams * line.quantity for line in order.lines),
        "updated_at": shopify_time(order.updated_at or order.created_at, t),
        "billing_address": address(customer),
        "shipping_address": address(customer),
        "customer": customer_json(customer),
        "line_items": [line_json(order, line) for line in order.lines],
        "fulfillments": [fulfillment_json(s) for s in order.shipments],
        "refunds": [refund_json(r) for r in order.refunds],
        "shipping_lines": [
            {
                "code": "Standard",
                "title": "Free shipping",
                "price": amount(_ZERO),
                "price_set": money_set(_ZERO, currency),
                "discounted_price": amount(_ZERO),
                "source": "shopify",
                "tax_lines": [],
            }
        ],
    }
