"""`POST orders.json`: a new order (Order360 creates zero-priced replacement orders).

The order gets the next order number and name, the customer's currency and
tax rate, and the calling app's `app_id`: the sandbox has one access token, the
web storefront's app, so that is 580111 (channel "web"). It is not replicated
to SAP yet, like other brand-new orders. Each line takes its units from SAP's
unrestricted stock; a line short of stock is marked backordered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.oms.input import array, count, identifier, invalid, money
from sandbox.world import Order, OrderLine, WorldWriter
from sandbox.world.orders import CHANNELS
from sandbox.world.orders import money as round_money

CHANNEL = "web"
FINANCIAL_STATUSES = ("paid", "pending")


def _tags(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return ", ".join(tag.strip() for tag in value)
    if not isinstance(value, str):
        raise invalid("tags", "must be a comma-separated string")
    return ", ".join(tag.strip() for tag in value.split(",") if tag.strip())


def _text(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        raise invalid(field, "must be a string")
    return value


def build_order(writer: WorldWriter, data: dict[str, Any]) -> Order:
    """Validate an `order` object and record the new order; returns it."""
    world = writer.world
    raw_customer = data.get("customer")
    customer_id = identifier(raw_customer.get("id")) if isinstance(raw_customer, dict) else None
    if customer_id is None:
        raise invalid("customer", "must be an object with the id of an existing customer")
    customer = world.customer_by_id.get(customer_id)
    if customer is None:
        raise invalid("customer", f"customer {customer_id} does not exist")
    currency = data.get("currency")
    if currency is not None and currency != customer.currency:
        raise invalid("currency", f"must be the customer's currency, {customer.currency}")
    status = data.get("financial_status") or "paid"
    if status not in FINANCIAL_STATUSES:
        raise invalid("financial_status", f"must be one of {', '.join(FINANCIAL_STATUSES)}")
    items = array(data.get("line_items"), "line_items")
    if not items:
        raise invalid("line_items", "must contain at least one line item")
    wanted = []
    for item in items:
        sku = item.get("sku")
        product = world.product_by_sku.get(sku) if isinstance(sku, str) else None
        if product is None:
            raise invalid("line_items", f"sku {sku!r} does not match any product variant")
        quantity = count(item.get("quantity"), "line_items")
        price = item.get("price")
        unit = product.prices[customer.currency] if price is None else money(price, "line_items")
        wanted.append((product, quantity, unit))
    note, source = _text(data, "note"), _text(data, "source_name")
    tags = _tags(data.get("tags"))
    lines = [
        OrderLine(
            shopify_id=writer.line_ids.next(),
            position=position,
            product=product,
            quantity=quantity,
            price=unit,
            discount=Decimal("0.00"),
            tax=round_money(unit * quantity * customer.tax_rate),
        )
        for position, (product, quantity, unit) in enumerate(wanted, start=1)
    ]
    now = writer.now()
    _, app_id, _ = CHANNELS[CHANNEL]
    order = Order(
        index=len(world.orders),
        shopify_id=writer.order_ids.next(),
        number=writer.order_numbers.next(),
        customer=customer,
        channel=CHANNEL,
        source_name=source or "api",
        app_id=app_id,
        gateway="manual",  # no card was charged: Shopify books API orders on "manual"
        created_at=now,
        lines=lines,
        discount_code=None,
        sale_transaction_id=writer.transaction_ids.next(),
        financial_status=status,
        updated_at=now,
        tags=tags,
        note=note,
    )
    for line in lines:
        line.backordered = writer.take_stock(line.product.sku, line.quantity) < line.quantity
    writer.add_order(order)
    return order
