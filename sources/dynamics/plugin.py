"""Dynamics 365 F&O as the ``erp`` role: reads and writes behind one object, and its plug-in."""

from __future__ import annotations

from ..call import CallContext
from ..commands import CreditNote, ReturnRequest
from ..http import Upstream
from ..plugins import Kit, Opened, Plugin, Setting, VendorSettings
from .client import DynamicsReads
from .config import DynamicsConfig
from .wire import read_dynamics_error
from .writes import DynamicsWrites

__all__ = ["DYNAMICS", "DynamicsErp"]


class DynamicsErp(DynamicsReads):
    """F&O as the ERP: the reads of ``DynamicsReads``; credits and returns by reference.

    F&O has no idempotency keys, so each write first looks for a document carrying
    our reference (``O360WorkflowReference``) and posts only when there is none.
    """

    def __init__(self, upstream: Upstream, config: DynamicsConfig) -> None:
        super().__init__(upstream, config)
        self._writes = DynamicsWrites(upstream, config, self)

    async def post_credit(self, credit: CreditNote, call: CallContext) -> str:
        """A free-text credit note (found again by reference); its free-text number."""
        existing = await self._writes.find_by_reference(
            "FreeTextInvoiceHeaders", credit.reference, "FreeTextNumber", call
        )
        if existing:
            return existing
        return await self._writes.create_credit_note(credit, call)

    async def post_return(self, goods: ReturnRequest, call: CallContext) -> str:
        """A return order (found again by reference); its RMA number."""
        existing = await self._writes.find_by_reference(
            "ReturnOrderHeaders", goods.reference, "ReturnOrderNumber", call
        )
        if existing:
            return existing
        return await self._writes.create_return_order(goods, call)


def config_from(settings: VendorSettings) -> DynamicsConfig:
    """The ``DynamicsConfig`` a deployment's settings describe."""
    return DynamicsConfig(
        base_url=settings.base_url,
        tenant_id=settings.value("DYNAMICS_TENANT_ID"),
        client_id=settings.value("DYNAMICS_CLIENT_ID"),
        client_secret=settings.secret("DYNAMICS_CLIENT_SECRET"),
        company=settings.value("DYNAMICS_COMPANY"),
        token_url=settings.value("DYNAMICS_TOKEN_URL"),
    )


async def _open(settings: VendorSettings, kit: Kit) -> Opened:
    config = config_from(settings)
    http = await kit.client_credentials(
        config.base_url,
        config.policy,
        token_url=config.resolved_token_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=config.scope,
    )
    upstream = kit.upstream(http, config.policy, read_dynamics_error)
    return Opened(DynamicsErp(upstream, config), (upstream,))


SANDBOX_TENANT = "0f6c1c7e-5a3b-4d2e-9c1a-36000000d365"

DYNAMICS = Plugin(
    role="erp",
    name="dynamics",
    summary="Microsoft Dynamics 365 Finance & Operations: OData v4 data entities, Entra ID",
    settings=(
        Setting("DYNAMICS_TENANT_ID", sandbox=SANDBOX_TENANT),
        Setting("DYNAMICS_CLIENT_ID", sandbox="6d0e5f3a-order360-sandbox-d365"),
        Setting("DYNAMICS_CLIENT_SECRET", secret=True, sandbox="sandbox-d365-secret"),
        Setting("DYNAMICS_COMPANY", sandbox="usmf"),
        Setting(
            "DYNAMICS_TOKEN_URL",
            sandbox=f"{{sandbox}}/dynamics/{SANDBOX_TENANT}/oauth2/v2.0/token",
            default="",
        ),
    ),
    sandbox_path="dynamics",
    open=_open,
)
