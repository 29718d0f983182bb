"""The journal's atomic claims and leases, on SQLite and (where reachable) PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from sources.journal import ClaimKind, Journal, engine_url

POSTGRES = os.environ.get("ORDER360_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
async def journal(request: pytest.FixtureRequest) -> AsyncIterator[Journal]:
    if request.param == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/j.db"
    else:
        url = f"{POSTGRES}?schema=order360_unit_{uuid.uuid4().hex[:10]}"
    try:
        opened = await Journal.open(url)
    except OSError as exc:
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


def test_engine_urls() -> None:
    assert engine_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert engine_url("postgresql://u@h:5432/db?schema=s") == "postgresql+asyncpg://u@h:5432/db"
    with pytest.raises(ValueError, match="unsupported"):
        engine_url("mysql://h/db")


async def test_claim_replay_reuse_and_in_use(journal: Journal) -> None:
    key = uuid.uuid4().hex
    assert (await journal.claim("s", key, "f1", 30)).kind is ClaimKind.NEW
    assert (await journal.claim("s", key, "f1", 30)).kind is ClaimKind.IN_USE
    assert (await journal.claim("s", key, "f2", 30)).kind is ClaimKind.REUSED
    assert (await journal.claim("other", key, "f1", 30)).kind is ClaimKind.NEW
    await journal.finish_claim("s", key, "wf_1", '{"workflow": "wf_1"}')
    replay = await journal.claim("s", key, "f1", 30)
    assert replay.kind is ClaimKind.REPLAY
    assert replay.workflow_id == "wf_1"


async def test_concurrent_claims_have_one_winner(journal: Journal) -> None:
    key = uuid.uuid4().hex
    claims = await asyncio.gather(*(journal.claim("s", key, "f", 30) for _ in range(10)))
    assert sum(c.kind is ClaimKind.NEW for c in claims) == 1


async def test_expired_lease_is_resumed_once(journal: Journal) -> None:
    key = uuid.uuid4().hex
    assert (await journal.claim("s", key, "f", 0.2)).kind is ClaimKind.NEW
    await journal.bind_claim("s", key, "wf_9")
    await asyncio.sleep(0.3)
    takers = await asyncio.gather(*(journal.claim("s", key, "f", 30) for _ in range(5)))
    resumed = [c for c in takers if c.kind is ClaimKind.RESUME]
    assert len(resumed) == 1
    assert resumed[0].workflow_id == "wf_9"


async def test_released_claim_can_be_claimed_again(journal: Journal) -> None:
    key = uuid.uuid4().hex
    await journal.claim("s", key, "f", 30)
    await journal.release_claim("s", key)
    assert (await journal.claim("s", key, "other-input", 30)).kind is ClaimKind.NEW
    assert await journal.ping()
