"""Reading Shopify REST request bodies: the root object, ids, counts and money.

Shopify answers a missing or malformed root with 400 and a string per field
(`{"errors": {"refund": "Required parameter missing or invalid"}}`), and bad
values inside it with 422 and a list of messages per field.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.oms.errors import ShopifyError

MAX_ITEMS = 250  # Shopify caps array inputs at 250


def invalid(field: str, message: str) -> ShopifyError:
    return ShopifyError(422, {field: [message]})


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ShopifyError(400, "Bad Request: the request body is not valid JSON") from None


def root(body: Any, name: str) -> dict[str, Any]:
    """`body[name]` when it is an object, else Shopify's 400 for a missing parameter."""
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise ShopifyError(400, {name: "Required parameter missing or invalid"})
    return value


def identifier(value: Any) -> int | None:
    """A Shopify id sent as a number or as a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def count(value: Any, field: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    number = identifier(value)
    if number is None or number < 1:
        raise invalid(field, "quantity must be a whole number greater than 0")
    return number


def money(value: Any, field: str) -> Decimal:
    """A non-negative amount with at most two decimals, from "5.00" or 5.0."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(field, "amount is invalid")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(field, "amount is invalid") from None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        raise invalid(field, "amount is invalid")
    return number.quantize(Decimal("0.01"))


def array(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid(field, "must be an array of objects")
    if len(value) > MAX_ITEMS:
        raise invalid(field, f"must contain at most {MAX_ITEMS} items")
    return value
