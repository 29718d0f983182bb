"""Shopify Admin REST endpoints under `/oms/admin/api/2024-01/`.

Every authenticated response carries `X-Shopify-Shop-Api-Call-Limit`; a call
that overflows the token's leaky bucket gets Shopify's 429. Rendered orders
are cached per order, and dropped from the cache whenever a write changes the
order (the `WorldWriter` tells `OmsApi.on_change`). Creates live in `writes`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.oms.bucket import LeakyBucket
from sandbox.oms.errors import (
    CALL_LIMIT,
    INVALID_TOKEN,
    THROTTLED,
    OmsDialect,
    ShopifyError,
    retry_after,
)
from sandbox.oms.input import parse_json
from sandbox.oms.listing import (
    PAGING_PARAMS,
    OrderQuery,
    Page,
    decode_cursor,
    paginate,
    parse_ids,
    parse_limit,
)
from sandbox.oms.order_json import order_json
from sandbox.oms.payments import transactions_json
from sandbox.oms.render import customer_json, fulfillment_json, refund_json
from sandbox.oms.search import search
from sandbox.oms.writes import OmsWrites
from sandbox.web.guard import SystemGuard
from sandbox.web.replies import json_reply
from sandbox.world import Customer, Order, World, WorldWriter

API = "/oms/admin/api/2024-01"
Handler = Callable[[Request], Awaitable[Response]]


def _project(data: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    return data if fields is None else {k: data[k] for k in fields if k in data}


def _fields(request: Request) -> list[str] | None:
    text = request.query_params.get("fields")
    return [f.strip() for f in text.split(",") if f.strip()] if text else None


class OmsApi:
    def __init__(self, world: World, token: str, bucket: LeakyBucket) -> None:
        self.world = world
        self._token = token.encode()
        self.bucket = bucket
        self._orders: dict[int, dict[str, Any]] = {}

    def order(self, order: Order) -> dict[str, Any]:
        cached = self._orders.get(order.shopify_id)
        if cached is None:
            cached = self._orders[order.shopify_id] = order_json(order)
        return cached

    def on_change(self, kind: str, subject: object) -> None:
        """`WorldWriter` listener: a changed order is rendered afresh on its next read."""
        if kind == "order" and isinstance(subject, Order):
            self._orders.pop(subject.shopify_id, None)

    def guarded(self, handler: Callable[[Request], Response]) -> Handler:
        """Authenticate, meter the call in the bucket, map ShopifyError to its envelope."""

        async def run(request: Request) -> Response:
            return handler(request)

        return self._guard(run)

    def guarded_body(self, handler: Callable[[Request, Any], Response]) -> Handler:
        """`guarded` for POSTs: the JSON body is read first, then the handler runs
        without awaiting, so the checks and the insert they guard cannot interleave."""

        async def run(request: Request) -> Response:
            body = parse_json(await request.body())
            return handler(request, body)

        return self._guard(run)

    def _guard(self, run: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            token = request.headers.get("x-shopify-access-token", "")
            if not secrets.compare_digest(token.encode(), self._token):
                return json_reply({"errors": INVALID_TOKEN}, 401)
            wait = self.bucket.take(token)
            headers = {CALL_LIMIT: self.bucket.header(token)}
            if wait is not None:
                headers["Retry-After"] = retry_after(max(wait, 0.1))
                return json_reply({"errors": THROTTLED}, 429, headers)
            try:
                response = await run(request)
            except ShopifyError as error:
                response = json_reply({"errors": error.errors}, error.status)
            response.headers.update(headers)
            return response

        return endpoint

    def _listing(self, request: Request, orders: list[Order]) -> Response:
        params = dict(request.query_params)
        limit = parse_limit(params)
        cursor = None
        if "page_info" in params:
            extra = sorted(set(params) - PAGING_PARAMS)
            if extra:
                raise ShopifyError(
                    400, {"page_info": [f"cannot be combined with {', '.join(extra)}"]}
                )
            filters, key, direction = decode_cursor(params["page_info"])
            cursor = (key, direction)
        else:
            filters = {k: v for k, v in params.items() if k not in PAGING_PARAMS}
        query = OrderQuery(filters)
        if "ids" in filters:
            wanted = set(parse_ids(filters["ids"]))
            orders = [o for o in (self.world.order_by_id.get(i) for i in wanted) if o is not None]
        page = paginate(orders, query, limit, cursor)
        fields = _fields(request)
        body = {"orders": [_project(self.order(o), fields) for o in page.orders]}
        return json_reply(body, headers=_link(request, page, limit, fields))

    def orders(self, request: Request) -> Response:
        return self._listing(request, self.world.orders)

    def order_count(self, request: Request) -> Response:
        params = {k: v for k, v in request.query_params.items() if k not in PAGING_PARAMS}
        keep = OrderQuery(params).matcher()
        return json_reply({"count": sum(1 for o in self.world.orders if keep(o))})

    def order_or_404(self, request: Request) -> Order:
        text = request.path_params["id"]
        order = self.world.order_by_id.get(int(text)) if text.isdigit() else None
        if order is None:
            raise ShopifyError(404, "Not Found")
        return order

    def one_order(self, request: Request) -> Response:
        order = self.order_or_404(request)
        return json_reply({"order": _project(self.order(order), _fields(request))})

    def transactions(self, request: Request) -> Response:
        return json_reply({"transactions": transactions_json(self.order_or_404(request))})

    def fulfillments(self, request: Request) -> Response:
        order = self.order_or_404(request)
        return json_reply({"fulfillments": [fulfillment_json(s) for s in order.shipments]})

    def refunds(self, request: Request) -> Response:
        order = self.order_or_404(request)
        return json_reply({"refunds": [refund_json(r) for r in order.refunds]})

    def _customer_or_404(self, request: Request) -> Customer:
        text = request.path_params["id"]
        customer = self.world.customer_by_id.get(int(text)) if text.isdigit() else None
        if customer is None:
            raise ShopifyError(404, "Not Found")
        return customer

    def customer_orders(self, request: Request) -> Response:
        customer = self._customer_or_404(request)
        if "ids" in request.query_params:
            raise ShopifyError(400, {"ids": ["is not supported on this endpoint"]})
        return self._listing(request, customer.orders)

    def one_customer(self, request: Request) -> Response:
        customer = self._customer_or_404(request)
        return json_reply({"customer": _project(customer_json(customer, True), _fields(request))})

    def customers(self, request: Request) -> Response:
        params = request.query_params
        limit = parse_limit(params)
        found = self.world.customers
        if "ids" in params:
            wanted = parse_ids(params["ids"])
            found = [c for c in (self.world.customer_by_id.get(i) for i in wanted) if c]
        if (since := params.get("since_id", "")).isdigit():
            found = [c for c in found if c.shopify_id > int(since)]
        found = sorted(found, key=lambda c: c.shopify_id)[:limit]
        fields = _fields(request)
        return json_reply({"customers": [_project(customer_json(c, True), fields) for c in found]})

    def search_customers(self, request: Request) -> Response:
        limit = parse_limit(request.query_params)
        found = search(self.world, request.query_params.get("query", ""))[:limit]
        fields = _fields(request)
        return json_reply({"customers": [_project(customer_json(c, True), fields) for c in found]})


def _link(request: Request, page: Page, limit: int, fields: list[str] | None) -> dict[str, str]:
    parts = []
    for rel, token in (("previous", page.previous), ("next", page.next)):
        if token is None:
            continue
        query: dict[str, str] = {"limit": str(limit)}
        if fields:
            query["fields"] = ",".join(fields)
        query["page_info"] = token
        url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
        parts.append(f'<{url}?{urlencode(query)}>; rel="{rel}"')
    return {"Link": ", ".join(parts)} if parts else {}


def oms_routes(
    guard: SystemGuard, writer: WorldWriter, token: str, bucket: LeakyBucket
) -> list[Route]:
    api = OmsApi(writer.world, token, bucket)
    writer.listen(api.on_change)
    writes = OmsWrites(writer, api.order_or_404, api.order)
    dialect = OmsDialect(bucket)

    def route(path: str, handler: Callable[[Request], Response]) -> Route:
        return guard.route(f"{API}{path}", api.guarded(handler), dialect)

    def create(path: str, handler: Callable[[Request, Any], Response]) -> Route:
        return guard.route(f"{API}{path}", api.guarded_body(handler), dialect, methods=("POST",))

    async def not_found(request: Request) -> Response:
        return json_reply({"errors": "Not Found"}, 404)

    return [
        route("/orders.json", api.orders),
        route("/orders/count.json", api.order_count),
        route("/orders/{id}.json", api.one_order),
        route("/orders/{id}/transactions.json", api.transactions),
        route("/orders/{id}/fulfillments.json", api.fulfillments),
        route("/orders/{id}/refunds.json", api.refunds),
        create("/orders.json", writes.create_order),
        create("/orders/{id}/refunds.json", writes.create_refund),
        # A POST that changes nothing: counted as a read, so "no writes" stays checkable.
        guard.route(
            f"{API}/orders/{{id}}/refunds/calculate.json",
            api.guarded_body(writes.calculate),
            dialect,
            methods=("POST",),
            kind="read",
        ),
        route("/customers.json", api.customers),
        route("/customers/search.json", api.search_customers),
        route("/customers/{id}.json", api.one_customer),
        route("/customers/{id}/orders.json", api.customer_orders),
        guard.route(
            "/oms/{path:path}",
            not_found,
            dialect,
            methods=("GET", "POST", "PUT", "PATCH", "DELETE"),
            template="/oms/{path}",
        ),
    ]
