"""Sandbox tests share one sandbox per session, built for a fixed anchor date so that
every run sees the same world; each test gets a client with stats and faults reset.

The suite-wide `sandbox_config` / `sandbox_app` (tests/conftest.py) are pinned to the
same anchor as `sandbox_testkit.ANCHOR`, so `world` and `client` see one app.

Tests that write use `write_app` / `write_client` / `write_world` instead: a sandbox
of their module's own, so nothing they create leaks into the shared world that other
test folders compare API answers against.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey
from starlette.applications import Starlette

# Lets the tests of this folder share sandbox_testkit, as tests/resolvers does.
sys.path.insert(0, str(Path(__file__).parent))

from sandbox_testkit import ANCHOR, SB, make_client

from sandbox import SandboxConfig, create_standalone_app
from sandbox.world import World


@pytest.fixture
async def client(sandbox_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(sandbox_app) as c:
        await c.delete(f"{SB}/faults")
        await c.post(f"{SB}/stats/reset")
        yield c


@pytest.fixture(scope="module")
def write_app(signing_key: RSAKey) -> Starlette:
    return create_standalone_app(SandboxConfig(anchor=ANCHOR, signing_key=signing_key))


@pytest.fixture(scope="module")
def write_world(write_app: Starlette) -> World:
    world: World = write_app.state.world
    return world


@pytest.fixture
async def write_client(write_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(write_app) as c:
        await c.delete(f"{SB}/faults")
        await c.post(f"{SB}/stats/reset")
        yield c
