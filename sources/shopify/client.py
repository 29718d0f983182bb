"""OMS client: Shopify Admin REST (orders, customers).

Orders by id are batched with ``orders.json?ids=`` (at most 250 per call) and always
with ``status=any``, since Shopify's default ``status=open`` silently drops closed and
cancelled orders. Listing walks Shopify's ``Link`` pagination and applies the exact
canonical status filter on our side after the nearest upstream filter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from ..batching import unique
from ..call import CallContext
from ..config import OmsConfig
from ..errors import SourceBadResponse
from ..http import Upstream
from ..models import OmsOrder, OrderStatus
from ..paging import OrderListQuery, OrderPage
from . import wire

__all__ = ["OmsClient"]

_FIELDS = ",".join(
    [
        "id",
        "name",
        "app_id",
        "source_name",
        "created_at",
        "updated_at",
        "cancelled_at",
        "closed_at",
        "financial_status",
        "fulfillment_status",
        "currency",
        "subtotal_price",
        "total_tax",
        "total_price",
        "customer",
        "line_items",
        "fulfillments",
        "refunds",
    ]
)
# The nearest Shopify list filter for each canonical status; the exact status is
# then checked on the mapped order.
_STATUS_PARAMS: dict[OrderStatus, dict[str, str]] = {
    OrderStatus.OPEN: {"status": "open", "fulfillment_status": "unshipped"},
    OrderStatus.PARTIALLY_FULFILLED: {"fulfillment_status": "partial"},
    OrderStatus.FULFILLED: {"fulfillment_status": "shipped"},
    OrderStatus.DELIVERED: {"fulfillment_status": "shipped"},
    OrderStatus.CANCELLED: {"status": "cancelled"},
    OrderStatus.REFUNDED: {"financial_status": "refunded"},
    # A return may come with a full or a partial refund: no single upstream filter.
    OrderStatus.RETURNED: {},
    OrderStatus.PARTIALLY_REFUNDED: {"financial_status": "partially_refunded"},
}
_MAX_SCAN_PAGES = 8


class OmsClient:
    """Reads orders and customers from the OMS."""

    def __init__(self, upstream: Upstream, config: OmsConfig) -> None:
        self._upstream = upstream
        self._config = config
        self._base = f"/admin/api/{config.api_version}"
        self._channels_by_app = {app: channel for channel, app in config.channel_apps.items()}
        self._headers = {"X-Shopify-Access-Token": config.access_token.reveal()}

    def channels(self) -> list[str]:
        """The channel names this shop attributes orders to."""
        return list(self._config.channel_apps)

    async def orders_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, OmsOrder]:
        """Orders by Shopify id; missing ids are simply absent from the result."""
        keys = [key for key in unique(ids) if key.isdigit()]
        limit = self._upstream.policy.batch_limit
        chunks = [keys[i : i + limit] for i in range(0, len(keys), limit)]
        pages = await asyncio.gather(
            *(
                self._get_orders(
                    "orders.json",
                    {"ids": ",".join(chunk), "status": "any", "limit": limit, "fields": _FIELDS},
                    call,
                )
                for chunk in chunks
            )
        )
        return {order.id: order for orders, _ in pages for order in orders}

    async def order_by_number(self, number: str, call: CallContext) -> OmsOrder | None:
        """The order with this customer-facing name (e.g. ``#1001``), if any."""
        orders, _ = await self._get_orders(
            "orders.json", {"name": number, "status": "any", "limit": 1, "fields": _FIELDS}, call
        )
        return next((order for order in orders if order.number == number), None)

    async def customer_ids_by_email(self, email: str, call: CallContext) -> list[str]:
        """Shopify customer ids whose e-mail matches exactly."""
        payload = await self._upstream.get_json(
            f"{self._base}/customers/search.json",
            call,
            params={"query": f"email:{email}", "fields": "id,email"},
            headers=self._headers,
        )
        customers = payload.get("customers") if isinstance(payload, dict) else None
        if not isinstance(customers, list):
            raise SourceBadResponse("oms", "customer search without a customers list")
        return [
            str(c["id"])
            for c in customers
            if isinstance(c, dict) and str(c.get("email", "")).lower() == email.lower()
        ]

    async def list_orders(self, query: OrderListQuery, call: CallContext) -> OrderPage:
        """A page of orders, newest first, after ``query.after``."""
        if query.channel is not None and query.channel not in self._config.channel_apps:
            return OrderPage((), False)
        path = "orders.json"
        customer_id = query.customer_id
        if query.customer_email is not None:
            ids = await self.customer_ids_by_email(query.customer_email, call)
            if not ids:
                return OrderPage((), False)
            customer_id = ids[0]
        if customer_id is not None:
            path = f"customers/{customer_id}/orders.json"
        params = self._list_params(query)
        wanted = query.first + 1
        found: list[OmsOrder] = []
        orders, next_url = await self._get_orders(path, params, call)
        found.extend(order for order in orders if self._matches(order, query))
        scanned = 1
        # A selective filter may need further upstream pages; the scan is bounded, and
        # a page cut short by the bound still reports that more may follow.
        while len(found) < wanted and next_url is not None and scanned < _MAX_SCAN_PAGES:
            orders, next_url = await self._get_orders(next_url, None, call)
            found.extend(order for order in orders if self._matches(order, query))
            scanned += 1
        has_next = len(found) > query.first or (len(found) < wanted and next_url is not None)
        return OrderPage(tuple(found[: query.first]), has_next)

    def _list_params(self, query: OrderListQuery) -> dict[str, str | int]:
        # A status filter is finished on our side, so scan in full upstream pages.
        limit = query.first + 2 if query.status is None else self._upstream.policy.batch_limit
        params: dict[str, str | int] = {
            "status": "any",
            "order": "created_at desc",
            "limit": min(self._upstream.policy.batch_limit, limit),
            "fields": _FIELDS,
        }
        if query.status is not None:
            params.update(_STATUS_PARAMS[query.status])
        if query.channel is not None:
            params["attribution_app_id"] = self._config.channel_apps[query.channel]
        if query.placed_after is not None:
            params["created_at_min"] = query.placed_after.isoformat()
        upper = query.placed_before
        if query.after is not None and (upper is None or query.after.placed_at < upper):
            upper = query.after.placed_at
        if upper is not None:
            params["created_at_max"] = upper.isoformat()
        return params

    def _matches(self, order: OmsOrder, query: OrderListQuery) -> bool:
        if query.after is not None and not query.after.precedes(order):
            return False
        if query.placed_before is not None and order.placed_at >= query.placed_before:
            return False
        if query.status is not None and order.status is not query.status:
            return False
        return query.channel is None or order.channel == query.channel

    async def _get_orders(
        self, path: str, params: dict[str, str | int] | None, call: CallContext
    ) -> tuple[list[OmsOrder], str | None]:
        url = path if path.startswith("http") else f"{self._base}/{path}"
        answer = await self._upstream.request(
            "GET", url, call, params=params, headers=self._headers
        )
        payload: Any = answer.payload
        raw_orders = payload.get("orders") if isinstance(payload, dict) else None
        if not isinstance(raw_orders, list):
            raise SourceBadResponse("oms", "orders response without an orders list")
        orders = [wire.order(raw, self._channels_by_app) for raw in raw_orders]
        return orders, _next_link(answer.response)


def _next_link(response: httpx.Response) -> str | None:
    link = response.links.get("next", {}).get("url")
    return link if isinstance(link, str) else None
