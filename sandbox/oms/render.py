"""Shopify REST JSON for line items, fulfillments, refunds, customers and addresses.

Money is a string with two decimals, except `refund_line_items[].subtotal` and
`total_tax`, which Shopify sends as JSON numbers (vendor-wire-formats §2.2).
Times carry the shop's offset ("-04:00" in a US summer).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.oms.payments import refund_transaction
from sandbox.timefmt import shopify_time
from sandbox.world import Customer, Order, OrderLine, Refund, Shipment

VENDOR = "Order360 Outfitters"
TRACKING_URLS = {
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "UPS": "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
}
LOCALE = {"US": "en-US", "EU": "de-DE", "GB": "en-GB"}
_LOCATION = {"US": 61_100_000_017, "EU": 61_100_000_029, "GB": 61_100_000_031}
_ZERO = Decimal("0.00")


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def money_set(value: Decimal, currency: str) -> dict[str, dict[str, str]]:
    money = {"amount": amount(value), "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def _gid(kind: str, ident: int) -> str:
    return f"gid://shopify/{kind}/{ident}"


def restock_location(order: Order, restock_type: str) -> int | None:
    """The location goods go back to: only returns and cancellations restock."""
    return _LOCATION[order.region] if restock_type in ("return", "cancel") else None


def address(customer: Customer) -> dict[str, Any]:
    place = customer.address.place
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.name,
        "company": None,
        "address1": customer.address.address1,
        "address2": None,
        "city": place.city,
        "province": place.province,
        "province_code": place.province_code,
        "zip": place.zip,
        "country": place.country,
        "country_code": place.country_code,
        "phone": customer.phone,
        "latitude": None,
        "longitude": None,
    }


def _default_address(customer: Customer) -> dict[str, Any]:
    return {
        "id": 8_800_000_000 + customer.index * 17,
        "customer_id": customer.shopify_id,
        **address(customer),
        "country_name": customer.address.place.country,
        "default": True,
    }


def customer_json(customer: Customer, full: bool = False) -> dict[str, Any]:
    """The customer as embedded in an order, or (`full`) as `customers.json` serves it."""
    t = customer.region
    updated = max([customer.created_at, *(o.updated_at or o.created_at for o in customer.orders)])
    out: dict[str, Any] = {
        "id": customer.shopify_id,
        "email": customer.email,
        "created_at": shopify_time(customer.created_at, t),
        "updated_at": shopify_time(updated, t),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": customer.phone,
        "currency": customer.currency,
        "tags": customer.loyalty_tier or "",
        "admin_graphql_api_id": _gid("Customer", customer.shopify_id),
        "default_address": _default_address(customer),
    }
    if full:
        orders = customer.orders
        spent = sum((o.total - o.refunded_amount for o in orders), _ZERO)
        out["orders_count"] = len(orders)
        out["total_spent"] = amount(spent)
        out["last_order_id"] = orders[-1].shopify_id if orders else None
        out["last_order_name"] = orders[-1].name if orders else None
        out["addresses"] = [_default_address(customer)]
    return out


def _current_quantity(order: Order, line: OrderLine) -> int:
    return 0 if order.cancelled_at is not None else line.quantity - line.refunded


def _line_status(line: OrderLine) -> str | None:
    if line.fulfilled == 0:
        return None
    return "fulfilled" if line.fulfilled >= line.quantity else "partial"


def line_json(order: Order, line: OrderLine) -> dict[str, Any]:
    currency = order.currency
    product = line.product
    current = _current_quantity(order, line)
    out: dict[str, Any] = {
        "id": line.shopify_id,
        "admin_graphql_api_id": _gid("LineItem", line.shopify_id),
        "variant_id": product.variant_id,
        "product_id": product.product_id,
        "sku": product.sku,
        "title": product.title,
        "variant_title": product.variant_title,
        "name": product.name,
        "vendor": VENDOR,
        "quantity": line.quantity,
        "current_quantity": current,
        "fulfillable_quantity": max(0, current - line.fulfilled),
        "fulfillment_service": "manual",
        "fulfillment_status": _line_status(line),
        "grams": product.grams,
        "price": amount(line.price),
        "price_set": money_set(line.price, currency),
        "total_discount": amount(line.discount),
        "total_discount_set": money_set(line.discount, currency),
        "requires_shipping": True,
        "taxable": True,
        "gift_card": False,
        "product_exists": True,
        "properties": [],
        "tax_lines": [
            {
                "title": order.customer.tax_title,
                "rate": float(order.customer.tax_rate),
                "price": amount(line.tax),
                "price_set": money_set(line.tax, currency),
            }
        ],
        "discount_allocations": [],
    }
    if line.discount:
        out["discount_allocations"] = [
            {
                "amount": amount(line.discount),
                "amount_set": money_set(line.discount, currency),
                "discount_application_index": 0,
            }
        ]
    return out


def fulfillment_json(shipment: Shipment) -> dict[str, Any]:
    order = shipment.order
    t = order.region
    url = TRACKING_URLS[shipment.carrier].format(shipment.tracking_number)
    return {
        "id": shipment.shopify_id,
        "admin_graphql_api_id": _gid("Fulfillment", shipment.shopify_id),
        "order_id": order.shopify_id,
        "name": shipment.name,
        "status": "success",
        "shipment_status": shipment.oms_status,
        "service": "manual",
        "location_id": _LOCATION[t],
        "tracking_company": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_numbers": [shipment.tracking_number],
        "tracking_url": url,
        "tracking_urls": [url],
        "created_at": shopify_time(shipment.shipped_at, t),
        "updated_at": shopify_time(shipment.oms_updated_at or shipment.shipped_at, t),
        "line_items": [
            {
                "id": line.shopify_id,
                "variant_id": line.product.variant_id,
                "product_id": line.product.product_id,
                "sku": line.product.sku,
                "title": line.product.title,
                "name": line.product.name,
                "quantity": quantity,
                "price": amount(line.price),
                "fulfillment_status": _line_status(line),
            }
            for line, quantity in shipment.lines
        ],
    }


def _adjustments(refund: Refund) -> list[dict[str, Any]]:
    """Shopify's `refund_discrepancy` when the money returned differs from the lines:
    positive when less was refunded than the lines are worth, negative when more."""
    if refund.adjustment_id is None:
        return []
    order = refund.order
    gap = refund.lines_amount - refund.amount
    return [
        {
            "id": refund.adjustment_id,
            "order_id": order.shopify_id,
            "refund_id": refund.shopify_id,
            "amount": amount(gap),
            "amount_set": money_set(gap, order.currency),
            "tax_amount": amount(_ZERO),
            "tax_amount_set": money_set(_ZERO, order.currency),
            "kind": "refund_discrepancy",
            "reason": "Refund discrepancy",
        }
    ]


def refund_json(refund: Refund) -> dict[str, Any]:
    order = refund.order
    t, currency = order.region, order.currency
    at = shopify_time(refund.created_at, t)
    return {
        "id": refund.shopify_id,
        "admin_graphql_api_id": _gid("Refund", refund.shopify_id),
        "order_id": order.shopify_id,
        "created_at": at,
        "processed_at": at,
        "note": refund.note,
        "restock": refund.restock,
        "user_id": None,
        "order_adjustments": _adjustments(refund),
        "refund_line_items": [
            {
                "id": rl.shopify_id,
                "line_item_id": rl.line.shopify_id,
                "location_id": restock_location(order, rl.restock_type),
                "quantity": rl.quantity,
                "restock_type": rl.restock_type,
                "subtotal": float(rl.subtotal),  # a number here, unlike every other amount
                "subtotal_set": money_set(rl.subtotal, currency),
                "total_tax": float(rl.tax),
                "total_tax_set": money_set(rl.tax, currency),
                "line_item": {
                    "id": rl.line.shopify_id,
                    "sku": rl.line.product.sku,
                    "title": rl.line.product.title,
                    "quantity": rl.line.quantity,
                    "price": amount(rl.line.price),
                },
            }
            for rl in refund.lines
        ],
        "transactions": [refund_transaction(refund)] if refund.amount > 0 else [],
    }
