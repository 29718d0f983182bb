"""Shopify REST creates: refund calculation, refunds and orders, with `Idempotency-Key`.

Handlers get the parsed JSON body and run synchronously: the key lookup, the
validation and the insert happen without an `await` in between, so ten
concurrent requests with one key create one record and nine replays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from sandbox.oms.idempotency import HEADER, ShopifyKeys, fingerprint
from sandbox.oms.input import root
from sandbox.oms.new_order import build_order
from sandbox.oms.refunds import build_refund, calculation_json, check_request, requested_lines
from sandbox.oms.render import refund_json
from sandbox.web.replies import json_reply
from sandbox.world import Order, Refund, WorldWriter

T = TypeVar("T")


class OmsWrites:
    def __init__(
        self,
        writer: WorldWriter,
        order_or_404: Callable[[Request], Order],
        render_order: Callable[[Order], dict[str, Any]],
    ) -> None:
        self._writer = writer
        self._order_or_404 = order_or_404
        self._render_order = render_order
        self._keys = ShopifyKeys()

    def calculate(self, request: Request, body: Any) -> Response:
        """The refund Shopify would suggest; changes nothing."""
        order = self._order_or_404(request)
        data = root(body, "refund")
        check_request(order, data)
        lines = requested_lines(order, data.get("refund_line_items"))
        return json_reply({"refund": calculation_json(order, lines)})

    def create_refund(self, request: Request, body: Any) -> Response:
        order = self._order_or_404(request)
        data = root(body, "refund")
        target = f"refund of order {order.shopify_id}"
        refund = self._once(
            request, Refund, target, body, lambda: build_refund(self._writer, order, data)
        )
        return json_reply({"refund": refund_json(refund)}, 201)

    def create_order(self, request: Request, body: Any) -> Response:
        data = root(body, "order")
        order = self._once(request, Order, "order", body, lambda: build_order(self._writer, data))
        return json_reply({"order": self._render_order(order)}, 201)

    def _once(
        self, request: Request, kind: type[T], target: str, body: Any, create: Callable[[], T]
    ) -> T:
        """`create()` once per idempotency key; a replay returns the first result."""
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return create()
        # Keys are scoped per kind of create; the target names the order a refund is
        # for, so one key reused on another order is refused as a different request.
        scope, print_ = kind.__name__, fingerprint(target, body)
        previous = self._keys.replay(scope, key, print_)
        if isinstance(previous, kind):
            return previous
        created = create()
        self._keys.remember(scope, key, print_, created)
        return created
