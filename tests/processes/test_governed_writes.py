"""Issue 10: governed writes never leave money half-moved, and bad input is the caller's.

Each test drives the gateway over HTTP against a sandbox of its own and reads back what
the vendors' APIs recorded (``/sandbox/stats``) or what the journal says.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from documents import (
    AGENT,
    APPROVE,
    OPEN_CASE,
    OPS,
    ORDER_VIEW,
    PREVIEW,
    REJECT,
    REPLACE,
    REPLAY,
    REQUEST_REFUND,
    SUPERVISOR,
)
from test_refunds import COMMENT_POST, REFUND_POST, count, paid_delivered, refund_input

NOTHING = {"erp": {}, "oms": {}, "crm": {}, "carrier": {}}
RESOLVE = """mutation($id: ID!, $r: WorkflowResolution!, $note: String!) {
  resolveWorkflow(id: $id, resolution: $r, note: $note) {
    status workflow { id status lastError } userErrors { code field message } } }"""
WORKFLOWS = """query($status: WorkflowStatus, $kind: WorkflowKind, $first: Int, $after: String) {
  workflows(status: $status, kind: $kind, first: $first, after: $after) {
    edges { cursor node { id kind status orderNumber lastError steps { name status } } }
    pageInfo { hasNextPage endCursor } } }"""
QUEUE = """query($status: WorkflowStatus) { refundRequests(status: $status, first: 50) {
  edges { node { id status amount { amount } } } } }"""
AUDIT = (
    """query($c: String!) { audit(correlationId: $c) { action actor workflowId correlationId } }"""
)
OPEN_CASE_FIELDS = """mutation($input: OpenCaseInput!) { openCase(input: $input) {
  case { number } userErrors { code field message } } }"""
ORDER_REQUESTS = """query($n: String!) { order(number: $n) { refundRequests { id status } } }"""


def missing_in_erp(world: Any) -> Any:
    """A paid, delivered order the ERP has no sales order for."""
    for order in world.orders:
        if (
            order.sales_order is None
            and order.state == "delivered"
            and order.financial_status == "paid"
            and order.total >= Decimal("20")
        ):
            return order
    raise AssertionError("the sandbox has no paid order missing in the ERP")


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def line_ids(proc: Any, order: Any) -> list[str]:
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    return [line["id"] for line in view["lines"]]


# --- item 1: nothing moves before everything is checked --------------------------------


async def test_an_order_missing_in_the_erp_is_refused_before_any_money_moves(proc: Any) -> None:
    order = missing_in_erp(proc.world)
    amount = {"amount": "5.00", "currency": order.customer.currency}
    preview = await proc.run(
        PREVIEW, {"input": {"orderNumber": order.name, "amount": amount}}, scope=AGENT
    )
    found = preview["data"]["refundPreview"]
    assert found["eligible"] is False
    assert "ERP_ORDER_MISSING" in [r["code"] for r in found["reasons"]]
    body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
    payload = body["data"]["requestRefund"]
    assert payload["refundRequest"] is None
    assert "ERP_ORDER_MISSING" in codes(payload)
    assert await proc.writes() == NOTHING


# --- items 2 and 13: client mistakes are user errors, never upstream faults --------------


async def test_bad_lines_are_user_errors_and_cost_the_oms_nothing(proc: Any) -> None:
    order = paid_delivered(proc.world, Decimal("50"))
    other = paid_delivered(proc.world, Decimal("50"))
    own, foreign = (await line_ids(proc, order))[0], (await line_ids(proc, other))[0]
    await proc.reset_counts()
    cases = [
        ([{"lineId": "shopify:LineItem:999999999", "quantity": 1}], "NOT_FOUND"),
        ([{"lineId": foreign, "quantity": 1}], "NOT_FOUND"),
        ([{"lineId": own, "quantity": 10_000}], "AMOUNT_EXCEEDS_REFUNDABLE"),
        ([{"lineId": "shopify:LineItem:abc", "quantity": 1}], "BAD_USER_INPUT"),
        ([{"lineId": "shopify:LineItem:²", "quantity": 1}], "BAD_USER_INPUT"),
        ([{"lineId": own, "quantity": 0}], "BAD_USER_INPUT"),
    ]
    for lines, code in cases:
        variables = refund_input(order, "1.00")
        variables["input"].pop("amount")
        variables["input"]["lines"] = lines
        payload = (await proc.run(REQUEST_REFUND, variables, scope=AGENT))["data"]["requestRefund"]
        assert payload["refundRequest"] is None
        assert code in codes(payload), (lines, payload)
        assert all(e["field"] for e in payload["userErrors"] if e["code"] == code)
        preview = await proc.run(
            PREVIEW, {"input": {"orderNumber": order.name, "lines": lines}}, scope=AGENT
        )
        answered = preview["data"]["refundPreview"] if preview["data"] else None
        if answered is not None:
            assert code in [r["code"] for r in answered["reasons"]], preview
        else:
            assert preview["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", preview
    assert await proc.writes() == NOTHING
    stats = (await proc.sandbox.get("/stats")).json()
    assert not any("calculate" in route for route in stats["oms"]["by_route"]), stats["oms"]
    health = await proc.run("{ sources { name errorRate } }", scope=OPS)
    oms = next(s for s in health["data"]["sources"] if s["name"] == "oms")
    assert (oms["errorRate"] or 0) == 0


async def test_hostile_scalars_are_refused_before_any_upstream_call(proc: Any) -> None:
    order = paid_delivered(proc.world)
    currency = order.customer.currency
    hostile = [
        {"orderNumber": "1" * 70_000},
        {"orderNumber": "#10\ud80001"},
        {"amount": {"amount": "NaN", "currency": currency}},
        {"amount": {"amount": "sNaN", "currency": currency}},
        {"amount": {"amount": "Infinity", "currency": currency}},
        {"amount": {"amount": "-5.00", "currency": currency}},
        {"amount": {"amount": "5.001", "currency": currency}},
        {"amount": {"amount": "5.00", "currency": "€€€"}},
        {"note": "x" * 5_000},
        {"note": "bad \ud800 text"},
        {"idempotencyKey": "k" * 300},
        {"idempotencyKey": "\ud800"},
    ]
    await proc.reset_counts()
    for change in hostile:
        variables = refund_input(order, "5.00")
        variables["input"].update(change)
        body = await proc.run(REQUEST_REFUND, variables, scope=AGENT)
        payload = body["data"]["requestRefund"]
        assert payload["refundRequest"] is None, change
        assert codes(payload), change
        assert set(codes(payload)) == {"BAD_USER_INPUT"}, (change, payload)
        assert all(e["field"] for e in payload["userErrors"]), payload
    stats = (await proc.sandbox.get("/stats")).json()
    assert all(s["reads"] == 0 and s["writes"] == 0 for s in stats.values()), stats


async def test_an_order_id_in_other_digits_never_reaches_the_oms(proc: Any) -> None:
    await proc.reset_counts()
    body = await proc.run('{ order(id: "shopify:Order:²") { number } }', scope=AGENT)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    stats = (await proc.sandbox.get("/stats")).json()
    assert stats["oms"]["reads"] == 0


# --- item 3: silent failure -----------------------------------------------------------


async def test_case_fields_beyond_the_crm_limits_are_user_errors(proc: Any) -> None:
    order = paid_delivered(proc.world)
    for change, field in (
        ({"subject": "s" * 256}, ["subject"]),
        ({"description": "d" * 32_001}, ["description"]),
        ({"subject": "   "}, ["subject"]),
    ):
        variables = {
            "input": {
                "orderNumber": order.name,
                "subject": "Parcel damaged",
                "idempotencyKey": uuid.uuid4().hex,
                **change,
            }
        }
        payload = (await proc.run(OPEN_CASE_FIELDS, variables, scope=AGENT))["data"]["openCase"]
        assert payload["case"] is None
        assert codes(payload) == ["BAD_USER_INPUT"]
        assert [e["field"] for e in payload["userErrors"]] == [field]
    assert await proc.writes() == NOTHING


async def test_a_crm_refusal_is_never_an_empty_payload(proc: Any) -> None:
    order = paid_delivered(proc.world)
    await proc.sandbox.put("/faults/crm", json={"error_rate": 1.0, "error_status": 400})
    variables = {
        "input": {"orderNumber": order.name, "subject": "Hello", "idempotencyKey": "k-crm-400"}
    }
    payload = (await proc.run(OPEN_CASE, variables, scope=AGENT))["data"]["openCase"]
    assert payload["case"] is None
    assert codes(payload) == ["SOURCE_BAD_RESPONSE"]
    assert "COMPENSATED" not in payload["userErrors"][0]["code"]


# --- items 4 and 12: refused means invisible ------------------------------------------


async def test_refused_approvals_show_no_object_and_hidden_equals_missing(proc: Any) -> None:
    order = next(
        o
        for o in proc.world.orders
        if o.channel == "partner:acme"
        and o.state == "delivered"
        and o.financial_status == "paid"
        and o.sales_order is not None
        and o.total >= Decimal("150")
    )
    body = await proc.run(
        REQUEST_REFUND, refund_input(order, "120.00"), scope=AGENT, partner="acme"
    )
    request = body["data"]["requestRefund"]["refundRequest"]
    assert request["status"] == "PENDING_APPROVAL", body
    # Without the scope, the requester approving, another partner: no object back.
    for document, name, scope, subject, partner in (
        (APPROVE, "approveRefund", "orders:read", "someone", None),
        (REJECT, "rejectRefund", "orders:read", "someone", None),
        (APPROVE, "approveRefund", SUPERVISOR, "agent-007", None),
        (APPROVE, "approveRefund", SUPERVISOR, "boss", "globex"),
        (REJECT, "rejectRefund", SUPERVISOR, "boss", "globex"),
    ):
        got = await proc.run(
            document, {"id": request["id"]}, scope=scope, subject=subject, partner=partner
        )
        assert got["data"][name]["refundRequest"] is None, got
        assert got["data"][name]["userErrors"], got
    hidden = await proc.run(
        APPROVE, {"id": request["id"]}, scope=SUPERVISOR, subject="boss", partner="globex"
    )
    missing = await proc.run(
        APPROVE, {"id": "rr_doesnotexist"}, scope=SUPERVISOR, subject="boss", partner="globex"
    )
    assert hidden["data"] == missing["data"]
    assert "errors" not in hidden
    replay_hidden = await proc.run(REPLAY, {"id": request["id"]}, scope=OPS, partner="globex")
    replay_missing = await proc.run(REPLAY, {"id": "rr_doesnotexist"}, scope=OPS, partner="globex")
    assert replay_hidden["data"] == replay_missing["data"]
    assert codes(replay_hidden["data"]["replayWorkflow"]) == ["NOT_FOUND"]
    queue = await proc.run(
        QUEUE, {"status": "PENDING_APPROVAL"}, scope=SUPERVISOR, partner="globex"
    )
    ids = {e["node"]["id"] for e in queue["data"]["refundRequests"]["edges"]}
    assert request["id"] not in ids
    mine = await proc.run(QUEUE, {"status": "PENDING_APPROVAL"}, scope=SUPERVISOR, partner="acme")
    assert request["id"] in {e["node"]["id"] for e in mine["data"]["refundRequests"]["edges"]}
    assert await proc.writes() == NOTHING


# --- item 6: approval by the sum --------------------------------------------------------


async def test_splitting_a_refund_does_not_get_around_approval(proc: Any) -> None:
    order = paid_delivered(proc.world, Decimal("250"))
    first = await proc.run(REQUEST_REFUND, refund_input(order, "99.00"), scope=AGENT)
    assert first["data"]["requestRefund"]["refundRequest"]["status"] == "COMPLETED"
    second = await proc.run(REQUEST_REFUND, refund_input(order, "99.00"), scope=AGENT)
    assert second["data"]["requestRefund"]["refundRequest"]["status"] == "PENDING_APPROVAL"
    assert count(await proc.writes(), REFUND_POST) == 1


# --- item 8: fail closed ----------------------------------------------------------------


async def test_an_erp_that_cannot_answer_refuses_the_refund(proc: Any) -> None:
    order = paid_delivered(proc.world)
    await proc.sandbox.put("/faults/erp", json={"error_rate": 1.0, "error_status": 503})
    body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
    payload = body["data"]["requestRefund"]
    assert payload["refundRequest"] is None
    assert codes(payload) == ["ELIGIBILITY_UNAVAILABLE"]
    assert count(await proc.writes(), REFUND_POST) == 0


# --- compensation and the rule at the pivot ------------------------------------------------


async def test_a_definite_refusal_at_the_pivot_compensates_and_annotates_the_case(
    proc: Any,
) -> None:
    order = paid_delivered(proc.world)
    await proc.sandbox.put(
        "/faults/oms", json={"rate_limit_rate": 1.0, "retry_after_s": 60, "only": "write"}
    )
    body = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
    payload = body["data"]["requestRefund"]
    request = payload["refundRequest"]
    assert request["status"] == "COMPENSATED", body
    steps = {s["name"]: s["status"] for s in request["steps"]}
    assert steps == {
        "erp.sales_order": "COMPENSATED",
        "crm.case": "COMPENSATED",
        "oms.refund": "FAILED",
        "erp.credit_memo": "SKIPPED",
        "crm.case_comment": "SKIPPED",
    }
    assert codes(payload) == ["SOURCE_THROTTLED"]
    writes = await proc.writes()
    assert count(writes, COMMENT_POST) == 1  # the case says the refund was declined
    await proc.sandbox.delete("/faults")
    view = (await proc.run(ORDER_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    assert not [r for r in view["refunds"] if r["amount"]["amount"] == "5.00"]
    # The reservation is released: the whole amount is refundable again.
    again = await proc.run(REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT)
    assert again["data"]["requestRefund"]["refundRequest"]["status"] == "COMPLETED"


async def test_a_vendor_refusal_after_the_pivot_needs_attention_and_can_be_resolved(
    proc: Any,
) -> None:
    order = paid_delivered(proc.world)
    await proc.sandbox.put(
        "/faults/erp", json={"error_rate": 1.0, "error_status": 400, "only": "write"}
    )
    body = await proc.run(
        REQUEST_REFUND, refund_input(order, "5.00"), scope=AGENT, request_id="req-attention"
    )
    request = body["data"]["requestRefund"]["refundRequest"]
    assert request["status"] == "NEEDS_ATTENTION", body
    await proc.sandbox.delete("/faults")
    listed = await proc.run(WORKFLOWS, {"status": "NEEDS_ATTENTION", "kind": "REFUND"}, scope=OPS)
    nodes = [e["node"] for e in listed["data"]["workflows"]["edges"]]
    assert request["id"] in {n["id"] for n in nodes}
    assert all(n["status"] == "NEEDS_ATTENTION" for n in nodes)
    refused = await proc.run(
        RESOLVE, {"id": request["id"], "r": "RESOLVED_MANUALLY", "note": "x"}, scope=AGENT
    )
    assert codes(refused["data"]["resolveWorkflow"]) == ["FORBIDDEN"]
    resolved = await proc.run(
        RESOLVE,
        {"id": request["id"], "r": "RESOLVED_MANUALLY", "note": "credit memo booked by hand"},
        scope=OPS,
        subject="ops-1",
    )
    assert resolved["data"]["resolveWorkflow"]["status"] == "RESOLVED_MANUALLY"
    trail = await proc.run(AUDIT, {"c": "req-attention"}, scope=OPS)
    assert {a["workflowId"] for a in trail["data"]["audit"]} == {request["id"]}
    whole = await proc.run(
        """query($id: ID!) { refundRequest(id: $id) { audit { actor action detail } } }""",
        {"id": request["id"]},
        scope=OPS,
    )
    last = whole["data"]["refundRequest"]["audit"][-1]
    assert last["actor"] == "ops-1"
    assert "credit memo booked by hand" in last["detail"]


# --- item 14: outcomes that do not lie --------------------------------------------------


async def test_a_replacement_without_lines_is_refused(proc: Any) -> None:
    order = paid_delivered(proc.world)
    variables = {
        "input": {
            "orderNumber": order.name,
            "lines": [],
            "reason": "DAMAGED",
            "idempotencyKey": uuid.uuid4().hex,
        }
    }
    payload = (await proc.run(REPLACE, variables, scope=AGENT))["data"]["requestReplacement"]
    assert payload["outcome"] is None
    assert codes(payload) == ["BAD_USER_INPUT"]
    assert await proc.writes() == NOTHING


async def test_preview_of_lines_on_a_fully_refunded_order_says_why(proc: Any) -> None:
    order = next(
        o
        for o in proc.world.orders
        if o.state == "refunded" and o.financial_status == "refunded" and o.sales_order
    )
    lines = [{"lineId": (await line_ids(proc, order))[0], "quantity": 1}]
    preview = await proc.run(
        PREVIEW, {"input": {"orderNumber": order.name, "lines": lines}}, scope=AGENT
    )
    found = preview["data"]["refundPreview"]
    assert found["eligible"] is False
    assert {"NOT_ELIGIBLE", "AMOUNT_EXCEEDS_REFUNDABLE"} & {r["code"] for r in found["reasons"]}


# --- the operators' queues --------------------------------------------------------------


async def test_order_and_queue_show_refund_requests_and_page_by_cursor(proc: Any) -> None:
    order = paid_delivered(proc.world)
    made = []
    for amount in ("1.00", "2.00", "3.00"):
        body = await proc.run(REQUEST_REFUND, refund_input(order, amount), scope=AGENT)
        made.append(body["data"]["requestRefund"]["refundRequest"]["id"])
    on_order = await proc.run(ORDER_REQUESTS, {"n": order.name}, scope=AGENT)
    assert [r["id"] for r in on_order["data"]["order"]["refundRequests"]][:3] == made[::-1]
    seen: list[str] = []
    after = None
    while True:
        page = await proc.run(WORKFLOWS, {"kind": "REFUND", "first": 2, "after": after}, scope=OPS)
        connection = page["data"]["workflows"]
        seen += [e["node"]["id"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen))
    assert set(made) <= set(seen)
    bad = await proc.run(WORKFLOWS, {"after": "not-a-cursor"}, scope=OPS)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    denied = await proc.run(WORKFLOWS, {}, scope=AGENT)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- what the order shows is what a refund can take --------------------------------------

REFUNDABLE_VIEW = """query($n: String!) { order(number: $n) {
  refundable { amount } lines { id refundableQuantity } } }"""


async def _shown_and_previewed(proc: Any, order: Any) -> tuple[str, str]:
    shown = (await proc.run(REFUNDABLE_VIEW, {"n": order.name}, scope=AGENT))["data"]["order"]
    amount = {"amount": "0.01", "currency": order.customer.currency}
    preview = await proc.run(
        PREVIEW, {"input": {"orderNumber": order.name, "amount": amount}}, scope=AGENT
    )
    return shown["refundable"]["amount"], preview["data"]["refundPreview"]["refundable"]["amount"]


async def test_the_order_shows_what_a_refund_can_take(proc: Any) -> None:
    # Partly invoiced orders: the ERP caps what the OMS would allow.
    capped = [
        o
        for o in proc.world.orders
        if o.sales_order is not None and o.financial_status == "paid" and o.sales_order.invoices
    ][:3]
    for order in [*capped, missing_in_erp(proc.world)]:
        shown, previewed = await _shown_and_previewed(proc, order)
        assert shown == previewed, order.name
    # An open request holds its amount and its lines until its money moves.
    order = paid_delivered(proc.world, Decimal("150"))
    before, _ = await _shown_and_previewed(proc, order)
    lines = await line_ids(proc, order)
    variables = refund_input(order, "1.00")
    variables["input"].pop("amount")
    variables["input"]["lines"] = [{"lineId": lines[0], "quantity": 1}]
    held = await proc.run(REQUEST_REFUND, variables, scope="orders:read refunds:write")
    assert held["data"]["requestRefund"]["refundRequest"]["status"] in (
        "PENDING_APPROVAL",
        "COMPLETED",
    )
    after, previewed = await _shown_and_previewed(proc, order)
    assert after == previewed
    assert Decimal(after) < Decimal(before)
    missing = missing_in_erp(proc.world)
    view = (await proc.run(REFUNDABLE_VIEW, {"n": missing.name}, scope=AGENT))["data"]["order"]
    assert view["refundable"]["amount"] == "0.00"
    assert {line["refundableQuantity"] for line in view["lines"]} == {0}
