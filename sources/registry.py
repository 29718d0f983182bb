"""``Sources``: one implementation per role, opened and closed together.

``PLUGINS`` is the one table of vendors (``sources.plugins.Plugin``): the deployment
chooses one per role (``ORDER360_ERP=sap|dynamics``, ``ORDER360_SERVICE_DESK=…``), and
``open_sources`` opens each chosen vendor with a ``Kit`` (the shared HTTP client
machinery) and closes them all on exit. Tests pass ``transport`` (e.g.
``httpx.ASGITransport`` over the sandbox).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import cast

import httpx

from .carriers.plugin import CARRIERS
from .dynamics.plugin import DYNAMICS
from .errors import SourceName
from .health import HealthSnapshot, HealthWindow
from .http import Upstream
from .observe import UpstreamObserver
from .plugins import Kit, Plugin, VendorSettings
from .resilience import BreakerState
from .roles import ROLES, Carriers, Erp, OrderSystem, Role, ServiceDesk
from .salesforce.plugin import SALESFORCE
from .sap.plugin import SAP
from .shopify.plugin import SHOPIFY
from .zendesk.plugin import ZENDESK

__all__ = [
    "DEFAULT_VENDORS",
    "PLUGINS",
    "SourceHealthReport",
    "Sources",
    "SourcesConfig",
    "open_sources",
    "plugin_for",
]

SOURCE_NAMES: tuple[SourceName, ...] = ("oms", "erp", "crm", "carrier")
PLUGINS: tuple[Plugin, ...] = (SHOPIFY, SAP, DYNAMICS, SALESFORCE, ZENDESK, CARRIERS)
"""Every vendor Order360 can talk to, one row each."""
DEFAULT_VENDORS: Mapping[Role, str] = {
    "oms": "shopify",
    "erp": "sap",
    "crm": "salesforce",
    "carrier": "fedex-easypost",
}


def plugin_for(role: Role, name: str) -> Plugin:
    """The vendor ``name`` for ``role``; ``KeyError`` names the choices."""
    for plugin in PLUGINS:
        if plugin.role == role and plugin.name == name:
            return plugin
    choices = ", ".join(p.name for p in PLUGINS if p.role == role)
    raise KeyError(f"one of {choices}")


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """The vendor chosen for each role, with its settings."""

    vendors: Mapping[Role, tuple[Plugin, VendorSettings]]


@dataclass(frozen=True, slots=True)
class SourceHealthReport:
    """One system as the gateway sees it: circuit state plus the recent window."""

    breaker: BreakerState
    window: HealthSnapshot


def _worst(states: list[BreakerState]) -> BreakerState:
    for state in (BreakerState.OPEN, BreakerState.HALF_OPEN):
        if state in states:
            return state
    return BreakerState.CLOSED


@dataclass(frozen=True, slots=True)
class Sources:
    """The role implementations, and the health of each system as calls see it."""

    oms: OrderSystem
    erp: Erp
    crm: ServiceDesk
    carriers: Carriers
    upstreams: Mapping[SourceName, tuple[Upstream, ...]]
    health_windows: Mapping[SourceName, HealthWindow]

    def health(self) -> dict[SourceName, SourceHealthReport]:
        """Per system: the worst circuit state of its APIs, latency and error share."""
        return {
            name: SourceHealthReport(
                _worst([u.breaker.state for u in self.upstreams.get(name, ())]), window.snapshot()
            )
            for name, window in self.health_windows.items()
        }

    def retry_after(self, name: SourceName) -> float:
        """Seconds until every open breaker of the system lets a probe through."""
        return max((u.breaker.retry_after() for u in self.upstreams.get(name, ())), default=0.0)


@asynccontextmanager
async def open_sources(
    config: SourcesConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    observer: UpstreamObserver | None = None,
) -> AsyncIterator[Sources]:
    """Open the chosen vendor of every role; close them all when the block ends.

    ``observer`` hears every upstream call (``sources.observe``; the gateway's metrics).
    """
    windows = {name: HealthWindow() for name in SOURCE_NAMES}
    async with AsyncExitStack() as stack:
        clients: dict[Role, object] = {}
        upstreams: dict[SourceName, tuple[Upstream, ...]] = {}
        for role in SOURCE_NAMES:
            plugin, settings = config.vendors[role]
            opened = await plugin.open(
                settings, Kit(role, stack, windows[role], transport, observer)
            )
            if not isinstance(opened.client, ROLES[role]):
                # A plug-in that does not offer its role's interface is a defect of ours:
                # stop at start-up rather than fail on the first call that needs it.
                raise TypeError(f"plug-in {plugin.name!r} does not implement the {role} role")
            clients[role], upstreams[role] = opened.client, opened.upstreams
        yield Sources(
            oms=cast(OrderSystem, clients["oms"]),
            erp=cast(Erp, clients["erp"]),
            crm=cast(ServiceDesk, clients["crm"]),
            carriers=cast(Carriers, clients["carrier"]),
            upstreams=upstreams,
            health_windows=windows,
        )
