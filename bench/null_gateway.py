"""The null gateway: each query's ideal upstream call graph, replayed against the sandbox.

It uses the very source clients the gateway uses (same vendor URLs, auth, batching and
chunking) but no GraphQL, no dataloaders, no cache: the OMS read first, then every other
system at once. Its latency is the critical path ``T_crit`` a perfect gateway would pay.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sources import (
    DEFAULT_VENDORS,
    CallContext,
    OmsOrder,
    OrderCursor,
    OrderListQuery,
    Secret,
    Sources,
    SourcesConfig,
    VendorSettings,
    open_sources,
    plugin_for,
)

from .workloads import Request


def sources_config(sandbox_url: str) -> SourcesConfig:
    """The default vendors on the sandbox at ``sandbox_url`` (``…/sandbox``), with the
    sandbox's credentials as each plug-in declares them."""
    vendors = {}
    for role, name in DEFAULT_VENDORS.items():
        plugin = plugin_for(role, name)
        given = {s.name: s.sandbox.replace("{sandbox}", sandbox_url) for s in plugin.settings}
        settings = VendorSettings(
            f"{sandbox_url}/{plugin.sandbox_path}",
            {s.name: given[s.name] for s in plugin.settings if not s.secret},
            {s.name: Secret(given[s.name]) for s in plugin.settings if s.secret},
        )
        vendors[role] = (plugin, settings)
    return SourcesConfig(vendors)


class NullGateway:
    """Runs a workload request as the minimal upstream call graph."""

    def __init__(self, sources: Sources) -> None:
        self._sources = sources

    async def run(self, request: Request) -> int:
        """The orders fetched; raises if any upstream call fails."""
        call = CallContext.with_budget("bench-null", 10.0)
        src = self._sources
        orders: list[OmsOrder]
        if request.order_number is not None:
            found = await src.oms.order_by_number(request.order_number, call)
            orders = [found] if found else []
        else:
            after = OrderCursor.decode(request.after) if request.after else None
            listed = await src.oms.list_orders(
                OrderListQuery(first=request.orders, after=after), call
            )
            orders = list(listed.orders)
        numbers = [o.number for o in orders]
        customers = [o.customer.id for o in orders if o.customer is not None]
        refs = [
            (f.tracking_company or "unknown", f.tracking_number)
            for o in orders
            for f in o.fulfillments
            if f.tracking_number and not f.cancelled
        ]
        calls: list[Any] = [
            src.crm.contacts_by_oms_customer(customers, call),
            src.crm.cases_by_order_number(numbers, call),
            src.erp.sales_orders(numbers, call),
            src.erp.billing_documents(numbers, call),
        ]
        if refs:
            calls.append(src.carriers.track(refs, call))
        await asyncio.gather(*calls)
        return len(orders)


@asynccontextmanager
async def null_gateway(sandbox_url: str) -> AsyncIterator[NullGateway]:
    """A null gateway with open clients to the sandbox."""
    async with open_sources(sources_config(sandbox_url)) as sources:
        yield NullGateway(sources)
