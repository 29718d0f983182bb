"""FedEx and EasyPost behind one hub as the ``carrier`` role, and its plug-in."""

from __future__ import annotations

import httpx

from ..config import CarrierConfig
from ..plugins import Kit, Opened, Plugin, Setting, VendorSettings
from .easypost import EasyPostCarrier
from .fedex import FedExCarrier
from .hub import CarrierHub

__all__ = ["CARRIERS"]


async def _open(settings: VendorSettings, kit: Kit) -> Opened:
    root = settings.base_url.rstrip("/")
    config = CarrierConfig(
        fedex_url=settings.value("FEDEX_URL") or f"{root}/fedex",
        fedex_client_id=settings.value("FEDEX_CLIENT_ID"),
        fedex_client_secret=settings.secret("FEDEX_CLIENT_SECRET"),
        easypost_url=settings.value("EASYPOST_URL") or f"{root}/easypost",
        easypost_api_key=settings.secret("EASYPOST_API_KEY"),
    )
    fedex_http = await kit.client_credentials(
        config.fedex_url,
        config.policy,
        token_url=f"{config.fedex_url.rstrip('/')}/oauth/token",
        client_id=config.fedex_client_id,
        client_secret=config.fedex_client_secret,
    )
    # EasyPost takes the API key as the Basic-auth username with an empty password.
    easypost_http = await kit.plain(
        config.easypost_url,
        config.policy,
        httpx.BasicAuth(config.easypost_api_key.reveal(), ""),
    )
    fedex = kit.upstream(fedex_http, config.policy)
    easypost = kit.upstream(easypost_http, config.policy)
    hub = CarrierHub([FedExCarrier(fedex), EasyPostCarrier(easypost)])
    return Opened(hub, (fedex, easypost))


CARRIERS = Plugin(
    role="carrier",
    name="fedex-easypost",
    summary="FedEx Track API (OAuth2) and EasyPost trackers (API key) behind one hub",
    settings=(
        Setting("FEDEX_URL", default=""),
        Setting("FEDEX_CLIENT_ID", sandbox="order360-fedex"),
        Setting("FEDEX_CLIENT_SECRET", secret=True, sandbox="sandbox-fedex-secret"),
        Setting("EASYPOST_URL", default=""),
        Setting("EASYPOST_API_KEY", secret=True, sandbox="EZTK_sandbox_order360"),
    ),
    sandbox_path="carrier",
    open=_open,
)
