"""Business events: the declared types and their documentation, the CloudEvents
envelope, and the journal's outbox relay (SQLite, and PostgreSQL where reachable)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from sources.events import (
    EVENT_TYPES,
    BrokerUnavailable,
    CloudEvent,
    InProcessBus,
    event_type,
    subject_of,
)
from sources.journal import Journal, JournalUnavailable, engine_url
from sources.journal.schema import outbox

POSTGRES = os.environ.get("ORDER360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_declared_type_is_documented() -> None:
    documented = set(re.findall(r"`(com\.order360\.[a-z_]+\.[a-z_]+)`", DOCS.read_text()))
    assert sorted(set(EVENT_TYPES) - documented) == []
    assert sorted(documented - set(EVENT_TYPES)) == []  # and nothing documented is made up


def test_types_and_subjects() -> None:
    assert event_type("refund", "completed") == "com.order360.refund.completed"
    assert event_type("workflow", "step_done") == "com.order360.workflow.step_done"
    with pytest.raises(ValueError, match="undeclared"):
        event_type("replacement", "approved")  # only refunds wait for approval
    assert subject_of("com.order360.refund.completed") == "order360.refund.completed"
    assert subject_of("com.order360.refund.completed", "t1.ev") == "t1.ev.refund.completed"
    assert all(re.fullmatch(r"com\.order360\.[a-z_]+\.[a-z_]+", t) for t in EVENT_TYPES)
    assert all(description.endswith(".") for description in EVENT_TYPES.values())


def test_structured_cloudevent() -> None:
    event = CloudEvent.new(
        "com.order360.refund.requested",
        subject="shopify:Order:1",
        data={"workflowId": "rr_1", "amount": "5.00"},
        correlation_id="req-1",
        at=1780306200.125,
    )
    body = event.to_dict()
    assert body == {
        "specversion": "1.0",
        "id": event.id,
        "source": "urn:order360:gateway",
        "type": "com.order360.refund.requested",
        "subject": "shopify:Order:1",
        "time": "2026-06-01T09:30:00.125Z",
        "datacontenttype": "application/json",
        "correlationid": "req-1",
        "data": {"workflowId": "rr_1", "amount": "5.00"},
    }
    assert uuid.UUID(event.id).version == 4
    assert CloudEvent.from_dict(body) == event


async def test_in_process_bus_hands_events_to_subscribers() -> None:
    bus = InProcessBus(keep=2)
    seen: list[str] = []

    async def subscriber(event: CloudEvent) -> None:
        seen.append(event.id)

    bus.subscribe(subscriber)
    events = [_event(f"o{n}") for n in range(3)]
    await bus.connect()
    for event in events:
        await bus.publish(event)
    assert seen == [e.id for e in events]
    assert bus.published == events[1:]


# --- the journal's outbox ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
async def journal(request: pytest.FixtureRequest) -> AsyncIterator[Journal]:
    if request.param == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/j.db"
    else:
        url = f"{POSTGRES}?schema=order360_events_{uuid.uuid4().hex[:10]}"
    try:
        opened = await Journal.open(url)
    except JournalUnavailable as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield opened
    await opened.close()
    if request.param == "postgresql":
        engine = create_async_engine(engine_url(url))
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{url.rsplit("=", 1)[1]}" CASCADE'))
        await engine.dispose()


def _event(order: str | None) -> CloudEvent:
    return CloudEvent.new(
        "com.order360.refund.started",
        subject=order,
        data={"order": order},
        correlation_id="req",
    )


async def _write(journal: Journal, events: list[CloudEvent]) -> None:
    # The journal writes events only beside a state change; tests write them directly.
    async with journal._engine.begin() as conn:
        await journal._publish(conn, events)


async def test_relay_publishes_in_order_once(journal: Journal) -> None:
    events = [_event(order) for order in ("a", "b", "a", None, "c")]
    await _write(journal, events)
    assert (await journal.outbox_backlog()).size == 5
    assert [e.id for e in await journal.unpublished()] == [e.id for e in events]
    sent: list[CloudEvent] = []

    async def publish(event: CloudEvent) -> None:
        sent.append(event)

    assert await journal.relay(publish, limit=3) == 3
    assert await journal.relay(publish) == 2
    assert await journal.relay(publish) == 0
    assert sent == events  # the same ids, attributes and data as written
    backlog = await journal.outbox_backlog()
    assert (backlog.size, backlog.oldest_age_s) == (0, 0.0)


async def test_a_failed_publish_keeps_it_and_everything_after(journal: Journal) -> None:
    events = [_event(order) for order in ("a", "b", "c", "d")]
    await _write(journal, events)
    sent: list[str] = []

    async def flaky(event: CloudEvent) -> None:
        if event.id == events[2].id and len(sent) < 3:
            sent.append("refused")
            raise BrokerUnavailable("down")
        sent.append(event.id)

    with pytest.raises(BrokerUnavailable):
        await journal.relay(flaky)
    backlog = await journal.outbox_backlog()
    assert backlog.size == 2
    assert backlog.oldest_age_s >= 0
    assert await journal.relay(flaky) == 2
    assert sent == [events[0].id, events[1].id, "refused", events[2].id, events[3].id]


async def test_rows_from_before_event_ids_get_stable_ones(journal: Journal) -> None:
    async with journal._engine.begin() as conn:
        await conn.execute(
            outbox.insert().values(at=time.time(), topic="refund.parked", payload='{"id": "rr"}')
        )
    first, again = await journal.unpublished(), await journal.unpublished()
    assert first == again
    assert first[0].type == "com.order360.refund.parked"
    assert first[0].data == {"id": "rr"}


async def test_replicas_never_publish_past_an_order_they_do_not_hold(journal: Journal) -> None:
    if journal.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one replica")
    x1, y1, x2, y2, z1 = (_event(o) for o in ("x", "y", "x", "y", "z"))
    await _write(journal, [x1, y1, x2, y2, z1])
    holding = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def slow(event: CloudEvent) -> None:
        holding.set()
        await release.wait()
        order.append(event.id)

    async def fast(event: CloudEvent) -> None:
        order.append(event.id)

    # Replica A claims the two oldest rows (x1, y1) and stalls while publishing them.
    first = asyncio.create_task(journal.relay(slow, limit=2))
    await asyncio.wait_for(holding.wait(), 30)
    # Replica B skips A's rows; of the rest it may publish only z's: x2 and y2 would
    # overtake x1 and y1.
    assert await journal.relay(fast) == 1
    assert order == [z1.id]
    release.set()
    assert await asyncio.wait_for(first, 30) == 2
    assert await journal.relay(fast) == 2
    assert order == [z1.id, x1.id, y1.id, x2.id, y2.id]


async def test_a_slow_broker_shortens_the_batch_instead_of_timing_it_out(
    journal: Journal,
) -> None:
    await _write(journal, [_event(order) for order in "abcdef"])
    pause = journal.timeout_s * 0.3  # three of these pass half the bound

    async def slow(event: CloudEvent) -> None:
        await asyncio.sleep(pause)

    published = await journal.relay(slow)
    assert 1 <= published < 6  # committed, not abandoned by the journal's bound
    assert (await journal.outbox_backlog()).size == 6 - published
