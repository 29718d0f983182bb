"""Shopify as the ``oms`` role (order system): one object, and its plug-in."""

from __future__ import annotations

from ..config import OmsConfig
from ..http import Upstream
from ..plugins import Kit, Opened, Plugin, Setting, VendorSettings
from .client import OmsClient
from .wire import read_shopify_error
from .writes import OmsWrites

__all__ = ["SHOPIFY", "ShopifyOrderSystem"]


class ShopifyOrderSystem(OmsClient, OmsWrites):
    """Shopify: the reads of ``OmsClient`` and the refunds and orders of ``OmsWrites``."""

    def __init__(self, upstream: Upstream, config: OmsConfig) -> None:
        OmsClient.__init__(self, upstream, config)
        OmsWrites.__init__(self, upstream, config)


async def _open(settings: VendorSettings, kit: Kit) -> Opened:
    config = OmsConfig(base_url=settings.base_url, access_token=settings.secret("OMS_ACCESS_TOKEN"))
    # Shopify authenticates by header (X-Shopify-Access-Token), added per call.
    http = await kit.plain(config.base_url, config.policy)
    upstream = kit.upstream(http, config.policy, read_shopify_error)
    return Opened(ShopifyOrderSystem(upstream, config), (upstream,))


SHOPIFY = Plugin(
    role="oms",
    name="shopify",
    summary="Shopify: Admin REST API with an Admin API access token",
    settings=(Setting("OMS_ACCESS_TOKEN", secret=True, sandbox="shpat_sandbox_order360"),),
    sandbox_path="oms",
    open=_open,
)
