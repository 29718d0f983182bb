"""Sandbox tests share one sandbox per session, built for a fixed anchor date so that
every run sees the same world; each test gets a client with stats and faults reset.

The suite-wide `sandbox_config` / `sandbox_app` (tests/conftest.py) are pinned to the
same anchor as `sandbox_testkit.ANCHOR`, so `world` and `client` see one app.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

# Lets the tests of this folder share sandbox_testkit, as tests/resolvers does.
sys.path.insert(0, str(Path(__file__).parent))

from sandbox_testkit import SB, make_client


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(sandbox_app) as c:
        await c.delete(f"{SB}/faults")
        await c.post(f"{SB}/stats/reset")
        yield c
