"""Salesforce as the ``crm`` role (service desk): one object, and its plug-in."""

from __future__ import annotations

from typing import Any

from ..call import CallContext
from ..commands import CaseDraft
from ..config import CrmConfig
from ..http import Upstream
from ..plugins import Kit, Opened, Plugin, Setting, VendorSettings
from .client import CrmClient
from .wire import CONTACT_ID_PREFIX, read_salesforce_error
from .writes import CrmWrites

__all__ = ["SALESFORCE", "SalesforceServiceDesk"]


class SalesforceServiceDesk(CrmClient, CrmWrites):
    """Salesforce: the reads of ``CrmClient``, cases and comments of ``CrmWrites``."""

    contact_id_prefix = CONTACT_ID_PREFIX

    def __init__(self, upstream: Upstream, config: CrmConfig) -> None:
        CrmClient.__init__(self, upstream, config)
        CrmWrites.__init__(self, upstream, config)

    async def open_case(
        self, reference: str, draft: CaseDraft, call: CallContext
    ) -> tuple[str, bool]:
        """Upsert the Case by our external id (``Order360_Request_Id__c``)."""
        fields: dict[str, Any] = {
            "Subject": draft.subject,
            "Description": draft.description,
            "Priority": draft.priority,
            "Origin": "Web",
            "Order_Number__c": draft.order_number,
            "Shopify_Order_Id__c": draft.oms_order_id,
        }
        if draft.contact_id:
            fields["ContactId"] = draft.contact_id
        return await self.upsert_case(reference, fields, call)

    async def comment_once(self, case_id: str, tag: str, body: str, call: CallContext) -> str:
        """A CaseComment carrying ``tag`` (CaseComment has no external id: look, then post)."""
        existing = await self.comment_with_marker(case_id, tag, call)
        if existing:
            return existing
        return await self.add_comment(case_id, f"{body} {tag}", call)


async def _open(settings: VendorSettings, kit: Kit) -> Opened:
    config = CrmConfig(
        base_url=settings.base_url,
        client_id=settings.value("CRM_CLIENT_ID"),
        client_secret=settings.secret("CRM_CLIENT_SECRET"),
    )
    http = await kit.client_credentials(
        config.base_url,
        config.policy,
        token_url=f"{config.base_url.rstrip('/')}/services/oauth2/token",
        client_id=config.client_id,
        client_secret=config.client_secret,
    )
    upstream = kit.upstream(http, config.policy, read_salesforce_error)
    return Opened(SalesforceServiceDesk(upstream, config), (upstream,))


SALESFORCE = Plugin(
    role="crm",
    name="salesforce",
    summary="Salesforce Service Cloud: REST API, SOQL, OAuth2 client credentials",
    settings=(
        Setting("CRM_CLIENT_ID", sandbox="order360-sandbox"),
        Setting("CRM_CLIENT_SECRET", secret=True, sandbox="sandbox-crm-secret"),
    ),
    sandbox_path="crm",
    open=_open,
)
