"""GET /metrics after a scripted workload: order 360 reads, a refund completed, one parked
by an ERP write fault, and an ERP outage under reads. The exposition is parsed with
prometheus_client's own parser; values are compared with what the workload did."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from documents import AGENT, REQUEST_REFUND
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

ORDER_360 = """query Order360($n: String!) { order(number: $n) {
  number total { amount } erpSalesOrder { documentNumber } invoices { documentNumber }
  shipments { trackingNumber } cases { number } discrepancies { kind }
  sections { source state } } }"""


_used: set[str] = set()


def fresh_orders(world: Any) -> Iterator[Any]:
    """Paid, delivered, invoiced orders no other test of the module used."""
    for order in world.orders:
        if (
            order.name not in _used
            and order.state == "delivered"
            and order.financial_status == "paid"
            and order.sales_order is not None
            and order.sales_order.invoices
            and order.total >= Decimal("50")
        ):
            _used.add(order.name)
            yield order


def refund(order: Any) -> dict[str, Any]:
    return {
        "input": {
            "orderNumber": order.name,
            "amount": {"amount": "5.00", "currency": order.customer.currency},
            "reason": "DAMAGED",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }


class Scrape:
    """The parsed exposition, with a sum over the samples matching some labels."""

    def __init__(self, text: str) -> None:
        self.families = {f.name: f for f in text_string_to_metric_families(text)}
        self.samples: list[Sample] = [s for f in self.families.values() for s in f.samples]

    def value(self, name: str, **labels: str) -> float:
        return sum(
            s.value
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )

    def label_values(self) -> set[str]:
        # ``le`` and ``quantile`` are bucket bounds, numbers the library writes.
        return {v for s in self.samples for k, v in s.labels.items() if k not in ("le",)}


async def scrape(proc: Any) -> Scrape:
    response = await proc.gateway.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape(response.text)


async def test_metrics_follow_a_scripted_workload(proc: Any) -> None:
    await proc.start()  # a new process: its metrics start at zero
    orders = fresh_orders(proc.world)
    read, refunded, parked, outage = next(orders), next(orders), next(orders), next(orders)

    # Order 360 reads: the second one is served from the read cache.
    for _ in range(2):
        body = await proc.run(ORDER_360, {"n": read.name}, scope=AGENT)
        assert "errors" not in body, body
    # A refund that completes, and one parked by the ERP refusing its posting.
    done = await proc.run(REQUEST_REFUND, refund(refunded), scope=AGENT)
    assert done["data"]["requestRefund"]["refundRequest"]["status"] == "COMPLETED"
    await proc.sandbox.put(
        "/faults/erp", json={"error_rate": 1.0, "error_status": 503, "only": "write"}
    )
    held = await proc.run(REQUEST_REFUND, refund(parked), scope=AGENT)
    assert held["data"]["requestRefund"]["refundRequest"]["status"] == "PARKED"
    # An ERP outage: the order still reads, without its ERP part.
    await proc.sandbox.delete("/faults")
    await proc.sandbox.put("/faults/erp", json={"error_rate": 1.0, "error_status": 503})
    partial = await proc.run(ORDER_360, {"n": outage.name}, scope=AGENT)
    assert partial["data"]["order"]["erpSalesOrder"] is None
    assert {e["extensions"]["source"] for e in partial["errors"]} == {"erp"}
    await proc.sandbox.delete("/faults")

    m = await scrape(proc)

    # GraphQL: named operations by name, the anonymous mutations grouped.
    requests = "order360_graphql_requests_total"
    assert m.value(requests, operation="Order360", outcome="ok", status="200") == 2
    assert m.value(requests, operation="Order360", outcome="partial", status="200") == 1
    assert m.value(requests, operation="anonymous", outcome="ok", status="200") == 2
    assert m.value("order360_graphql_request_duration_seconds_count", operation="Order360") == 3
    assert m.value("order360_http_requests_total", route="/graphql", method="POST") == 5

    # Upstreams: the OMS answered, the ERP failed with 5xx and its reads were retried.
    upstream = "order360_upstream_requests_total"
    assert m.value(upstream, source="oms", status="2xx") > 0
    assert m.value(upstream, source="erp", status="2xx") > 0
    assert m.value(upstream, source="erp", status="5xx") > 0
    assert m.value("order360_upstream_retries_total", source="erp", reason="error") > 0
    assert m.value("order360_upstream_request_duration_seconds_count", source="erp") > 0
    assert m.value("order360_upstream_response_size_bytes_sum", source="oms") > 0
    for source in ("oms", "erp", "crm", "carrier"):
        assert m.value("order360_upstream_in_flight", source=source) == 0  # all given back
        assert m.value("order360_upstream_breaker_state", source=source) == 1  # one state each
        assert m.value("order360_upstream_bulkhead_capacity", source=source) > 0

    # The cache: the second read hit, the first ones missed.
    cache = "order360_cache_reads_total"
    assert m.value(cache, source="erp", kind="sales_order", result="hit") == 1
    assert m.value(cache, source="erp", kind="sales_order", result="miss") >= 2

    # Business: one refund completed (with its cycle time), one parked and still waiting.
    outcomes = "order360_workflow_outcomes_total"
    assert m.value(outcomes, kind="refund", status="COMPLETED") == 1
    assert m.value(outcomes, kind="refund", status="PARKED") == 1
    assert m.value("order360_workflow_cycle_seconds_count", kind="refund") == 1
    assert m.value("order360_workflows_waiting", kind="refund", status="PARKED") == 1
    assert m.value("order360_workflows_waiting", kind="refund", status="NEEDS_ATTENTION") == 0
    assert "order360_discrepancies_found" in m.families

    # No label carries an order, a document, a token or a raw URL.
    token = proc.token(AGENT)
    secrets = {token, token.split(".")[1]}
    for order in (read, refunded, parked, outage):
        secrets |= {order.name, order.name.lstrip("#"), str(order.shopify_id)}
        secrets |= {order.sales_order.number, order.customer.email}
    for value in m.label_values():
        assert not any(secret in value for secret in secrets), value
        assert "://" not in value, value
        assert "?" not in value, value


async def test_replaying_the_parked_refund_moves_the_gauges(proc: Any) -> None:
    await proc.start()
    order = next(fresh_orders(proc.world))
    await proc.sandbox.put(
        "/faults/erp", json={"error_rate": 1.0, "error_status": 503, "only": "write"}
    )
    held = await proc.run(REQUEST_REFUND, refund(order), scope=AGENT)
    workflow = held["data"]["requestRefund"]["refundRequest"]["id"]
    await proc.sandbox.delete("/faults")
    before = (await scrape(proc)).value("order360_workflows_waiting", status="PARKED")
    await proc.run(
        "mutation($id: ID!) { replayWorkflow(id: $id) { status } }",
        {"id": workflow},
        scope="orders:read ops",
    )
    # The gauges refresh at most every few seconds: a new process reads them at once.
    await proc.start()
    after = await scrape(proc)
    assert after.value("order360_workflows_waiting", status="PARKED") == before - 1
