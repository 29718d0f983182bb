"""OMS writes: refunds (calculate, then create) and replacement orders, Shopify REST.

Creates carry our idempotency key in ``Idempotency-Key`` and our workflow id in the
note or tags, so a retry never refunds twice and a lost answer can be found again
(``refund_by_marker``). Calculate is a read-only POST and is retried like a read.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..call import CallContext
from ..config import OmsConfig
from ..errors import SourceBadResponse
from ..http import Upstream
from ..models import Money, OmsOrder, OmsRefund, RefundQuote
from . import wire

__all__ = ["OmsWrites"]

LineQuantities = Sequence[tuple[str, int]]


class OmsWrites:
    """The OMS operations the governed processes execute."""

    def __init__(self, upstream: Upstream, config: OmsConfig) -> None:
        self._upstream = upstream
        self._base = f"/admin/api/{config.api_version}"
        self._headers = {"X-Shopify-Access-Token": config.access_token.reveal()}
        self._channels_by_app = {app: channel for channel, app in config.channel_apps.items()}

    def _body(self, currency: str, lines: LineQuantities, restock: str) -> dict[str, Any]:
        refund: dict[str, Any] = {"currency": currency}
        if lines:
            refund["refund_line_items"] = [
                {"line_item_id": int(line_id), "quantity": qty, "restock_type": restock}
                for line_id, qty in lines
            ]
        return refund

    async def calculate_refund(
        self, order_id: str, currency: str, lines: LineQuantities, call: CallContext
    ) -> RefundQuote:
        """The refund Shopify suggests for these lines (or, with none, the refundable cap)."""
        payload = await self._upstream.post_json(
            f"{self._base}/orders/{order_id}/refunds/calculate.json",
            call,
            body={"refund": self._body(currency, lines, "no_restock")},
            headers=self._headers,
            safe=True,
        )
        try:
            suggested = [
                t for t in payload["refund"]["transactions"] if t["kind"] == "suggested_refund"
            ]
            first = suggested[0] if suggested else {}
            amount = sum((Decimal(str(t["amount"])) for t in suggested), Decimal("0.00"))
            cap = Decimal(str(first.get("maximum_refundable", amount)))
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise SourceBadResponse("oms", "unexpected refund calculation") from exc
        parent = first.get("parent_id")
        return RefundQuote(
            amount=Money(amount, currency),
            maximum_refundable=Money(cap, currency),
            parent_transaction_id=str(parent) if parent is not None else None,
            gateway=first.get("gateway"),
        )

    async def refund_by_marker(
        self, order_id: str, currency: str, marker: str, call: CallContext
    ) -> OmsRefund | None:
        """An earlier refund whose note carries ``marker`` (our workflow id), if any."""
        payload = await self._upstream.get_json(
            f"{self._base}/orders/{order_id}/refunds.json", call, headers=self._headers
        )
        for raw in payload.get("refunds", []) if isinstance(payload, dict) else []:
            if marker in str(raw.get("note") or ""):
                return wire.refund(raw, currency)
        return None

    async def create_refund(
        self,
        order_id: str,
        *,
        currency: str,
        amount: Money,
        quote: RefundQuote,
        lines: LineQuantities,
        restock: str,
        note: str,
        idempotency_key: str,
        call: CallContext,
    ) -> OmsRefund:
        """Refund ``amount`` against the sale ``quote`` named; Shopify dedupes by our key."""
        refund = self._body(currency, lines, restock)
        refund.update(
            notify=False,
            note=note,
            transactions=[
                {
                    "parent_id": int(quote.parent_transaction_id)
                    if quote.parent_transaction_id and quote.parent_transaction_id.isdigit()
                    else quote.parent_transaction_id,
                    "amount": str(amount.amount),
                    "kind": "refund",
                    "gateway": quote.gateway,
                }
            ],
        )
        payload = await self._upstream.post_json(
            f"{self._base}/orders/{order_id}/refunds.json",
            call,
            body={"refund": refund},
            headers={**self._headers, "Idempotency-Key": idempotency_key},
            safe=True,
        )
        try:
            return wire.refund(payload["refund"], currency)
        except (KeyError, TypeError) as exc:
            raise SourceBadResponse("oms", "unexpected refund answer") from exc

    async def create_order(
        self,
        *,
        customer_id: str,
        lines: Sequence[tuple[str, int]],
        currency: str,
        tags: str,
        note: str,
        idempotency_key: str,
        call: CallContext,
    ) -> OmsOrder:
        """A paid, zero-priced replacement order for the customer (one line per SKU)."""
        body = {
            "order": {
                "line_items": [
                    {"sku": sku, "quantity": qty, "price": "0.00"} for sku, qty in lines
                ],
                "customer": {"id": int(customer_id) if customer_id.isdigit() else customer_id},
                "financial_status": "paid",
                "currency": currency,
                "tags": tags,
                "note": note,
                "source_name": "order360",
                "send_receipt": False,
            }
        }
        payload = await self._upstream.post_json(
            f"{self._base}/orders.json",
            call,
            body=body,
            headers={**self._headers, "Idempotency-Key": idempotency_key},
            safe=True,
        )
        return wire.order(payload.get("order"), self._channels_by_app)
