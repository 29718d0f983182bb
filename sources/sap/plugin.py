"""SAP S/4HANA as the ``erp`` role: reads and writes behind one object, and its plug-in."""

from __future__ import annotations

import httpx

from ..call import CallContext
from ..commands import CreditNote, ReturnRequest
from ..config import ErpConfig
from ..http import Upstream
from ..plugins import Kit, Opened, Plugin, Setting, VendorSettings
from .client import ErpClient
from .wire import read_sap_error
from .writes import ErpWrites

__all__ = ["SAP", "SapErp"]


class SapErp(ErpClient, ErpWrites):
    """SAP as the ERP: the reads of ``ErpClient``, the credit and return of ``ErpWrites``.

    SAP has no idempotency keys, so each write first looks for a document carrying our
    reference (``YY1_Order360…``) and posts only when there is none.
    """

    def __init__(self, upstream: Upstream, config: ErpConfig) -> None:
        ErpClient.__init__(self, upstream, config)
        ErpWrites.__init__(self, upstream)

    async def post_credit(self, credit: CreditNote, call: CallContext) -> str:
        """A credit memo request against the sales order (found again by reference)."""
        existing = await self.find_credit_memo_request(credit.reference, call)
        if existing:
            return existing
        return await self.create_credit_memo_request(
            reference=credit.reference,
            oms_refund_id=credit.oms_refund_id,
            order_number=credit.order_number,
            sales_order=credit.sales_order,
            reason=credit.reason,
            items=[(line.material, line.quantity, line.net_amount) for line in credit.lines],
            call=call,
        )

    async def post_return(self, goods: ReturnRequest, call: CallContext) -> str:
        """A customer return (found again by reference)."""
        existing = await self.find_customer_return(goods.reference, call)
        if existing:
            return existing
        return await self.create_customer_return(
            reference=goods.reference,
            order_number=goods.order_number,
            reason=goods.reason,
            items=[(line.material, line.quantity) for line in goods.lines],
            call=call,
        )


async def _open(settings: VendorSettings, kit: Kit) -> Opened:
    config = ErpConfig(
        base_url=settings.base_url,
        user=settings.value("ERP_USER"),
        password=settings.secret("ERP_PASSWORD"),
    )
    auth = httpx.BasicAuth(config.user, config.password.reveal())
    # SAP binds its CSRF token to the session cookie: this client keeps cookies.
    http = await kit.plain(config.base_url, config.policy, auth, keep_cookies=True)
    upstream = kit.upstream(http, config.policy, read_sap_error)
    return Opened(SapErp(upstream, config), (upstream,))


SAP = Plugin(
    role="erp",
    name="sap",
    summary="SAP S/4HANA Cloud: OData v2 sales order, billing, stock and after-sales APIs",
    settings=(
        Setting("ERP_USER", sandbox="ORDER360_COMM"),
        Setting("ERP_PASSWORD", secret=True, sandbox="sandbox-erp-password"),
    ),
    sandbox_path="erp",
    open=_open,
)
