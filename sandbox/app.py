"""Assemble the sandbox: generate the world, then mount every simulated system on it.

`create_sandbox_app` serves paths relative to its mount point (the gateway
mounts it at `/sandbox`); `create_standalone_app` adds that mount itself, for
`order360 sandbox --port N`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from sandbox.carriers.routes import carrier_routes
from sandbox.config import SandboxConfig
from sandbox.crm.routes import crm_routes
from sandbox.crm.store import CrmStore
from sandbox.dynamics.entities import EntityStore
from sandbox.dynamics.routes import dynamics_routes
from sandbox.erp.routes import erp_routes
from sandbox.erp.store import ErpStore
from sandbox.idp.keys import generate_signing_key
from sandbox.idp.routes import idp_routes
from sandbox.oms.bucket import LeakyBucket
from sandbox.oms.routes import oms_routes
from sandbox.web.control import control_routes
from sandbox.web.faults import Faults
from sandbox.web.guard import SystemGuard
from sandbox.web.replies import base_url, json_reply
from sandbox.web.stats import Stats
from sandbox.world import WorldWriter, generate_world
from sandbox.zendesk.routes import zendesk_routes
from sandbox.zendesk.store import ZendeskStore


def create_sandbox_app(config: SandboxConfig) -> Starlette:
    """The sandbox as an ASGI app whose routes are relative to its mount point.

    `app.state` exposes `world` (the generated `sandbox.world.World`; only the
    write endpoints change it, through `writer`), `writer` (the
    `sandbox.world.WorldWriter`), `signing_key` (the issuer's private key, to mint
    tokens the JWKS verifies), `stats` and `faults`.
    """
    world = generate_world(
        config.seed, config.resolved_anchor(), customers=config.customers, orders=config.orders
    )
    key = config.signing_key if config.signing_key is not None else generate_signing_key()
    stats = Stats()
    faults = Faults(config.latency_ms, config.seed)
    creds = config.credentials
    bucket = LeakyBucket(config.shopify_bucket_size, config.shopify_leak_per_s)
    # Every write goes through the writer, which tells each system's rows and caches.
    writer = WorldWriter(world)
    erp_store = ErpStore(world)
    writer.listen(erp_store.on_change)
    dynamics_store = EntityStore(world)
    writer.listen(dynamics_store.on_change)
    routes: list[BaseRoute] = [
        *erp_routes(SystemGuard("erp", stats, faults), erp_store, writer, creds),
        *dynamics_routes(SystemGuard("erp", stats, faults), dynamics_store, writer, creds),
        *oms_routes(SystemGuard("oms", stats, faults), writer, creds.oms_access_token, bucket),
        *crm_routes(SystemGuard("crm", stats, faults), CrmStore(world), writer, creds),
        # Zendesk plays the same role as Salesforce over the same cases: faults and
        # stats set for "crm" apply to both.
        *zendesk_routes(SystemGuard("crm", stats, faults), ZendeskStore(world), writer, creds),
        *carrier_routes(SystemGuard("carrier", stats, faults), world, creds),
        *idp_routes(key, config.issuer),
        *control_routes(stats, faults, writer),
    ]
    app = Starlette(routes=routes)
    app.state.world = world
    app.state.writer = writer
    app.state.signing_key = key
    app.state.stats = stats
    app.state.faults = faults
    return app


def create_standalone_app(config: SandboxConfig) -> Starlette:
    """The sandbox mounted at `/sandbox`, plus `GET /` listing the base URLs."""
    sandbox = create_sandbox_app(config)

    async def index(request: Request) -> Response:
        root = f"{base_url(request)}/sandbox"
        return json_reply(
            {
                "erp": f"{root}/erp",
                "dynamics": f"{root}/dynamics",
                "oms": f"{root}/oms",
                "crm": f"{root}/crm",
                "zendesk": f"{root}/zendesk",
                "carrier": f"{root}/carrier",
                "idp": f"{root}/idp",
                "jwks_uri": f"{root}/idp/.well-known/jwks.json",
                "issuer": config.issuer,
                "stats": f"{root}/stats",
                "faults": f"{root}/faults",
                "stock": f"{root}/stock/{{material}}",
            }
        )

    app = Starlette(routes=[Route("/", index, methods=["GET"]), Mount("/sandbox", app=sandbox)])
    for name in ("world", "writer", "signing_key", "stats", "faults"):
        setattr(app.state, name, getattr(sandbox.state, name))
    return app
