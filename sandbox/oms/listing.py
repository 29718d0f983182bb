"""`orders.json` listing: filters, sort order and cursor pagination with `page_info`.

Shopify's pitfalls are reproduced on purpose: `status` defaults to `open`, so
closed and cancelled orders silently drop out of `ids=` lookups; and once a
`page_info` cursor is used, only `limit` and `fields` may accompany it.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.oms.errors import ShopifyError
from sandbox.oms.order_json import order_fulfillment_status
from sandbox.timefmt import parse_iso
from sandbox.world import Order

MAX_IDS = 250
MAX_LIMIT = 250
_STATUS: dict[str, Callable[[Order], bool]] = {
    "open": lambda o: o.closed_at is None and o.cancelled_at is None,
    "closed": lambda o: o.closed_at is not None,
    "cancelled": lambda o: o.cancelled_at is not None,
    "any": lambda o: True,
}
_FINANCIAL = {
    "authorized": {"authorized"},
    "pending": {"pending"},
    "paid": {"paid"},
    "partially_paid": {"partially_paid"},
    "refunded": {"refunded"},
    "voided": {"voided"},
    "partially_refunded": {"partially_refunded"},
    "unpaid": {"authorized", "pending", "partially_paid"},
}
_FULFILLMENT: dict[str, set[str | None]] = {
    "shipped": {"fulfilled"},
    "partial": {"partial"},
    "unshipped": {None},
    "unfulfilled": {None, "partial"},
}
_SORT_FIELDS = ("created_at", "updated_at", "processed_at", "id")
PAGING_PARAMS = {"limit", "fields", "page_info"}


def _invalid(field: str, message: str) -> ShopifyError:
    return ShopifyError(400, {field: [message]})


def parse_limit(params: Mapping[str, str]) -> int:
    text = params.get("limit", "50")
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return int(text)


def parse_ids(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise _invalid("ids", "must be a comma-separated list of integers")
    if len(parts) > MAX_IDS:
        raise _invalid("ids", f"must contain at most {MAX_IDS} ids")
    return [int(p) for p in parts]


def _time(params: Mapping[str, str], name: str) -> datetime.datetime | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return parse_iso(text)
    except ValueError:
        raise _invalid(name, "must be an ISO 8601 date and time") from None


@dataclass(slots=True)
class OrderQuery:
    """Filters of one listing; built from request params or from a page_info cursor."""

    params: dict[str, str]  # the filter params, kept verbatim for the cursor

    def matcher(self) -> Callable[[Order], bool]:
        p = self.params
        status = p.get("status", "open")
        if status not in _STATUS:
            raise _invalid("status", "must be one of open, closed, cancelled, any")
        checks: list[Callable[[Order], bool]] = [_STATUS[status]]
        if (fin := p.get("financial_status", "any")) != "any":
            if fin not in _FINANCIAL:
                raise _invalid("financial_status", "is not a valid financial status")
            allowed = _FINANCIAL[fin]
            checks.append(lambda o: o.financial_status in allowed)
        if (ful := p.get("fulfillment_status", "any")) != "any":
            if ful not in _FULFILLMENT:
                raise _invalid("fulfillment_status", "is not a valid fulfillment status")
            shipped = _FULFILLMENT[ful]
            checks.append(lambda o: order_fulfillment_status(o) in shipped)
        for name, attr, newer in (
            ("created_at_min", "created_at", True),
            ("created_at_max", "created_at", False),
            ("updated_at_min", "updated_at", True),
            ("updated_at_max", "updated_at", False),
        ):
            bound = _time(p, name)
            if bound is not None:
                checks.append(_bound(attr, bound, newer))
        if (order_name := p.get("name")) is not None:
            # Shopify matches the order name with or without its leading "#".
            wanted = order_name if order_name.startswith("#") else f"#{order_name}"
            checks.append(lambda o: o.name == wanted)
        if (app := p.get("attribution_app_id")) is not None:
            if not app.isdigit():
                raise _invalid("attribution_app_id", "must be an integer")
            app_id = int(app)
            checks.append(lambda o: o.app_id == app_id)
        if (since := p.get("since_id")) is not None:
            if not since.isdigit():
                raise _invalid("since_id", "must be an integer")
            since_id = int(since)
            checks.append(lambda o: o.shopify_id > since_id)
        return lambda order: all(check(order) for check in checks)

    def sort_key(self) -> Callable[[Order], tuple[float, int]]:
        default = "id asc" if "since_id" in self.params else "created_at desc"
        field, _, direction = self.params.get("order", default).strip().partition(" ")
        direction = direction.strip().lower() or "asc"
        if field not in _SORT_FIELDS or direction not in ("asc", "desc"):
            raise _invalid("order", "must be a field (created_at, updated_at, id) and asc or desc")
        sign = -1 if direction == "desc" else 1

        def key(order: Order) -> tuple[float, int]:
            if field == "id":
                return (sign * order.shopify_id, 0)
            at = order.updated_at if field == "updated_at" else order.created_at
            return (sign * (at or order.created_at).timestamp(), sign * order.shopify_id)

        return key


def _bound(attr: str, bound: datetime.datetime, newer: bool) -> Callable[[Order], bool]:
    def check(order: Order) -> bool:
        value = getattr(order, attr) or order.created_at
        return bool(value >= bound if newer else value <= bound)

    return check


@dataclass(slots=True)
class Page:
    orders: list[Order]
    previous: str | None
    next: str | None


def encode_cursor(params: Mapping[str, str], key: tuple[float, int], direction: str) -> str:
    raw = json.dumps({"p": dict(params), "k": list(key), "d": direction}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[dict[str, str], tuple[float, int], str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data: Any = json.loads(raw)
        key = (float(data["k"][0]), int(data["k"][1]))
        params = {str(k): str(v) for k, v in data["p"].items()}
        direction = str(data["d"])
    except (binascii.Error, ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise ShopifyError(400, {"page_info": ["Invalid value."]}) from None
    return params, key, direction


def paginate(
    orders: list[Order], query: OrderQuery, limit: int, cursor: tuple[tuple[float, int], str] | None
) -> Page:
    """One page in the requested order, with cursors for the pages around it."""
    keep = query.matcher()
    key = query.sort_key()
    rows = sorted((o for o in orders if keep(o)), key=key)
    keys = [key(o) for o in rows]
    if cursor is None:
        start = 0
    elif cursor[1] == "next":
        start = bisect.bisect_right(keys, cursor[0])
    else:
        start = max(0, bisect.bisect_left(keys, cursor[0]) - limit)
    end = min(len(rows), start + limit)
    page = rows[start:end]
    previous = encode_cursor(query.params, keys[start], "prev") if page and start > 0 else None
    following = (
        encode_cursor(query.params, keys[end - 1], "next") if page and end < len(rows) else None
    )
    return Page(page, previous, following)
