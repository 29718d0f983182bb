"""The public surface others code against: config defaults, mounting, exposed state."""

from __future__ import annotations

import dataclasses

import pytest
from joserfc.jwk import RSAKey
from sandbox_testkit import ANCHOR, SHOPIFY, make_client
from starlette.applications import Starlette
from starlette.routing import Mount

import sandbox
from sandbox import SandboxConfig, SandboxCredentials, create_sandbox_app


def test_defaults() -> None:
    config = SandboxConfig()
    assert (config.seed, config.anchor, config.latency_ms) == (360, None, 0)
    assert (config.shopify_bucket_size, config.shopify_leak_per_s) == (400, 20.0)
    assert (config.customers, config.orders) == (320, 2100)
    assert config.issuer == "urn:order360:sandbox-idp"
    assert config.credentials == SandboxCredentials()
    assert SandboxCredentials().easypost_api_key == "EZTK_sandbox_order360"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="orders"):
        SandboxConfig(orders=0)


def test_exports() -> None:
    assert sandbox.__all__ == [
        "SandboxConfig",
        "SandboxCredentials",
        "create_sandbox_app",
        "create_standalone_app",
        "generate_signing_key",
        "issue_token",
        "load_or_create_signing_key",
    ]


async def test_routes_are_relative_to_the_mount(signing_key: RSAKey) -> None:
    config = SandboxConfig(anchor=ANCHOR, signing_key=signing_key, customers=20, orders=40)
    inner = create_sandbox_app(config)
    assert inner.state.world.anchor == ANCHOR
    host = Starlette(routes=[Mount("/elsewhere", app=inner)])
    async with make_client(host) as client:
        order = inner.state.world.orders[0]
        response = await client.get(
            f"/elsewhere/oms/admin/api/2024-01/orders/{order.shopify_id}.json", headers=SHOPIFY
        )
        assert response.status_code == 200
        discovery = (await client.get("/elsewhere/idp/.well-known/openid-configuration")).json()
        assert discovery["jwks_uri"] == "http://sandbox/elsewhere/idp/.well-known/jwks.json"
