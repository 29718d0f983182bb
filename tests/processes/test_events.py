"""Business events out of the governed processes: CloudEvents through the outbox, in
process by default and on NATS JetStream (a real broker, a real PostgreSQL journal)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from broker import BrokerSwitch, Stream, nats_or_skip
from documents import AGENT, REQUEST_REFUND

from gateway.relay import OutboxRelay
from sources import CloudEvent, JetStreamConfig, JetStreamPublisher, Journal

HANG_GUARD_S = 90.0  # only so a regression cannot hang the suite; never a speed check
STEPS = ["erp.sales_order", "crm.case", "oms.refund", "erp.credit_memo", "crm.case_comment"]
REFUND_TYPES = [
    "com.order360.refund.requested",
    "com.order360.refund.started",
    *["com.order360.workflow.step_done"] * len(STEPS),
    "com.order360.refund.completed",
]
_used: set[str] = set()


def fresh_order(world: Any) -> Any:
    """A paid, delivered, invoiced order no other test of this module refunded."""
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
            return order
    raise AssertionError("no suitable order left in the world")


async def refund(rig: Any, order: Any, request_id: str) -> str:
    """Refund 5.00 of ``order`` through the gateway; returns the workflow id."""
    body = await rig.run(
        REQUEST_REFUND,
        {
            "input": {
                "orderNumber": order.name,
                "amount": {"amount": "5.00", "currency": order.customer.currency},
                "reason": "DAMAGED",
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
        scope=AGENT,
        request_id=request_id,
    )
    request = body["data"]["requestRefund"]["refundRequest"]
    assert request["status"] == "COMPLETED", body
    workflow_id: str = request["id"]
    return workflow_id


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until ``check()`` holds (bounded only against a hang)."""
    async with asyncio.timeout(HANG_GUARD_S):
        while not await check():  # noqa: ASYNC110 - polls the broker and the journal
            await asyncio.sleep(0.05)


def assert_refund_events(events: list[dict[str, Any]], order: Any, request_id: str) -> None:
    """One refund's events, as consumers get them: CloudEvents, in order, our model."""
    assert [e["type"] for e in events] == REFUND_TYPES
    assert [e["data"]["step"]["name"] for e in events if "step" in e["data"]] == STEPS
    assert len({e["id"] for e in events}) == len(events)
    subject = events[0]["subject"]
    assert subject.startswith("shopify:Order:")
    for event in events:
        assert event["specversion"] == "1.0"
        assert event["source"] == "urn:order360:gateway"
        assert event["datacontenttype"] == "application/json"
        assert event["subject"] == subject
        assert event["correlationid"] == request_id
        assert event["time"].endswith("Z")
        assert uuid.UUID(event["id"])
        assert event["data"]["orderNumber"] == order.name
        assert event["data"]["kind"] == "REFUND"
    requested, completed = events[0]["data"], events[-1]["data"]
    assert requested["status"] == "APPROVED"
    assert completed["status"] == "COMPLETED"
    assert (completed["amount"], completed["currency"]) == ("5.00", order.customer.currency)


async def test_a_refund_publishes_its_events_in_process(proc: Any) -> None:
    order = fresh_order(proc.world)
    workflow_id = await refund(proc, order, "req-events-1")
    bus = proc.app.state.runtime.publisher

    def mine() -> list[dict[str, Any]]:
        return [e.to_dict() for e in bus.published if e.data["workflowId"] == workflow_id]

    async def completed() -> bool:
        return any(e["type"].endswith("refund.completed") for e in mine())

    await eventually(completed, "the refund's events on the in-process bus")
    assert_refund_events(mine(), order, "req-events-1")


# --- NATS JetStream ------------------------------------------------------------------


@pytest.fixture
async def stream(proc: Any) -> AsyncIterator[Stream]:
    """A stream of this test's own; the module's gateway runs in process again after."""
    nc = await nats_or_skip()
    made = Stream(nc)
    yield made
    await proc.start()
    await made.delete()
    await nc.close()


def by_workflow(messages: list[Any], workflow_id: str) -> list[dict[str, Any]]:
    return [event for _, _, event in messages if event["data"]["workflowId"] == workflow_id]


async def test_a_refund_publishes_its_events_to_jetstream(proc: Any, stream: Stream) -> None:
    await proc.start(**stream.settings())
    order = fresh_order(proc.world)
    workflow_id = await refund(proc, order, "req-events-nats")

    async def completed() -> bool:
        events = by_workflow(await stream.messages(), workflow_id)
        return bool(events) and events[-1]["type"].endswith("refund.completed")

    await eventually(completed, "the refund's events on the stream")
    messages = await stream.messages()
    events = by_workflow(messages, workflow_id)
    assert_refund_events(events, order, "req-events-nats")
    for subject, headers, event in messages:
        assert headers["Nats-Msg-Id"] == event["id"]
        assert subject == f"{stream.prefix}.{event['type'].removeprefix('com.order360.')}"
    assert (await proc.app.state.runtime.relay.backlog_size()) == 0


class Counting:
    """A replica's publisher that remembers what it got acknowledged."""

    def __init__(self, inner: JetStreamPublisher) -> None:
        self.inner = inner
        self.acked: list[str] = []

    async def connect(self) -> None:
        await self.inner.connect()

    async def publish(self, event: CloudEvent) -> None:
        await self.inner.publish(event)
        self.acked.append(event.id)

    async def close(self) -> None:
        await self.inner.close()


async def test_two_relays_on_one_journal_publish_each_event_once(proc: Any, stream: Stream) -> None:
    if not proc.database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL journal")
    # The gateway's own relay points at a dead port: the refunds' events wait.
    dead = BrokerSwitch()
    await dead.up()
    await dead.down()
    await proc.start(**stream.settings(dead.url))
    workflows = [await refund(proc, fresh_order(proc.world), f"req-two-{n}") for n in range(4)]
    await proc.stop()
    journal = await Journal.open(proc.database_url)
    try:
        waiting = await journal.unpublished(limit=10_000)
        mine = [e for e in waiting if e.data.get("workflowId") in workflows]
        assert len(mine) == len(workflows) * len(REFUND_TYPES)
        config = JetStreamConfig(
            url=stream.settings()["ORDER360_NATS_URL"],
            stream=stream.name,
            subject_prefix=stream.prefix,
        )
        replicas = [Counting(JetStreamPublisher(config)) for _ in range(2)]
        # Small batches, so the two claim alternately and meet on the same orders.
        relays = [OutboxRelay(journal, replica, batch=3) for replica in replicas]

        async def drain(relay: OutboxRelay) -> None:
            while await relay.backlog_size():
                await relay.relay_once()
                await asyncio.sleep(0)

        async with asyncio.timeout(HANG_GUARD_S):
            await asyncio.gather(*(drain(relay) for relay in relays))
        first, second = (set(replica.acked) for replica in replicas)
        assert first, "both replicas take part"
        assert second, "both replicas take part"
        assert not first & second  # and no event was published by both
        assert first | second == {e.id for e in waiting}
        messages = await stream.messages()
        assert Counter(event["id"] for _, _, event in messages) == Counter(e.id for e in waiting)
        # In order per order: each order's events in the order they were written.
        for subject in {e.subject for e in waiting}:
            written = [e.id for e in waiting if e.subject == subject]
            on_stream = [ev["id"] for _, _, ev in messages if ev.get("subject") == subject]
            assert on_stream == written
        for replica in replicas:
            await replica.close()
    finally:
        await journal.close()


async def test_events_wait_for_a_stopped_broker_and_go_out_once(proc: Any, stream: Stream) -> None:
    switch = BrokerSwitch()
    await switch.up()
    try:
        await proc.start(**stream.settings(switch.url))
        relay = proc.app.state.runtime.relay
        before = await refund(proc, fresh_order(proc.world), "req-burst-0")

        async def published_before() -> bool:
            return len(by_workflow(await stream.messages(), before)) == len(REFUND_TYPES)

        await eventually(published_before, "the first refund's events")
        await switch.down()  # the broker stops: connections drop, new ones are refused
        burst = await asyncio.gather(
            *(refund(proc, fresh_order(proc.world), f"req-burst-{n}") for n in range(1, 6))
        )
        # Refunds go on; their events pile up in the outbox.
        assert await relay.backlog_size() >= len(burst) * len(REFUND_TYPES)
        assert await relay.oldest_age_s() > 0
        on_stream = await stream.messages()
        assert all(not by_workflow(on_stream, w) for w in burst)

        async def noticed() -> bool:
            return bool(relay.broker_down)

        await eventually(noticed, "the relay to notice the broker is down")
        await switch.up()  # the broker is back on the same address

        async def drained() -> bool:
            return await relay.backlog_size() == 0

        await eventually(drained, "the outbox to drain")
        messages = await stream.messages()
        ids = Counter(event["id"] for _, _, event in messages)
        assert set(ids.values()) == {1}  # every event exactly once
        for workflow_id in (before, *burst):
            assert [e["type"] for e in by_workflow(messages, workflow_id)] == REFUND_TYPES
        assert not relay.broker_down
    finally:
        await proc.stop()
        await switch.down()
