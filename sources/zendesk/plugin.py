"""Zendesk Support as the ``crm`` role (service desk): one object, and its plug-in."""

from __future__ import annotations

from typing import Any

import httpx

from ..call import CallContext
from ..commands import CaseDraft
from ..config import Secret
from ..errors import BadRequestInput
from ..http import Upstream
from ..plugins import Kit, Opened, Plugin, Setting, VendorSettings
from .client import ZendeskReads
from .config import ZendeskConfig
from .wire import CONTACT_ID_PREFIX, read_zendesk_error, zendesk_priority
from .writes import ZendeskWrites

__all__ = ["ZENDESK", "ZendeskServiceDesk", "api_token_auth"]

ORDER360_TAG = "order360"
"""Tag on every ticket Order360 opens, so agents can find (and triggers can route) them."""


class ZendeskServiceDesk(ZendeskReads, ZendeskWrites):
    """Zendesk Support: the reads of ``ZendeskReads``, tickets and notes of ``ZendeskWrites``."""

    contact_id_prefix = CONTACT_ID_PREFIX

    def __init__(self, upstream: Upstream, config: ZendeskConfig) -> None:
        ZendeskReads.__init__(self, upstream, config)
        ZendeskWrites.__init__(self, upstream, config)

    async def open_case(
        self, reference: str, draft: CaseDraft, call: CallContext
    ) -> tuple[str, bool]:
        """The ticket whose external id is ``reference``, or a new one created once."""
        existing = await self.ticket_by_external_id(reference, call)
        if existing is not None:
            return existing, False
        fields = [{"id": self._config.order_field_id, "value": draft.order_number}]
        if self._config.oms_order_id_field_id is not None:
            fields.append({"id": self._config.oms_order_id_field_id, "value": draft.oms_order_id})
        ticket: dict[str, Any] = {
            "subject": draft.subject,
            # The first comment is the ticket's description (Zendesk refuses a blank one);
            # private, so that opening a case about an order does not e-mail the customer.
            "comment": {"body": draft.description or draft.subject, "public": False},
            "priority": zendesk_priority(draft.priority),
            "custom_fields": fields,
            "tags": [ORDER360_TAG],
        }
        if draft.contact_id:
            if not draft.contact_id.isdigit():
                raise BadRequestInput("crm", f"not a Zendesk user id: {draft.contact_id!r}")
            ticket["requester_id"] = int(draft.contact_id)
        return await self.create_ticket(reference, ticket, call)

    async def comment_once(self, case_id: str, tag: str, body: str, call: CallContext) -> str:
        """A private comment carrying ``tag``, unless the ticket already has one."""
        existing = await self.comment_with_marker(case_id, tag, call)
        if existing:
            return existing
        return await self.add_private_comment(case_id, f"{body} {tag}", call)


def api_token_auth(email: str, token: Secret) -> httpx.BasicAuth:
    """Zendesk's API-token login: Basic ``{email}/token:{api_token}``."""
    return httpx.BasicAuth(f"{email}/token", token.reveal())


def _field_id(settings: VendorSettings, name: str) -> int | None:
    value = settings.value(name).strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(f"ORDER360_{name} must be a Zendesk ticket field id (a number)")
    return int(value)


async def _open(settings: VendorSettings, kit: Kit) -> Opened:
    order_field = _field_id(settings, "ZENDESK_ORDER_FIELD_ID")
    if order_field is None:
        raise ValueError("ORDER360_ZENDESK_ORDER_FIELD_ID must be set")
    config = ZendeskConfig(
        base_url=settings.base_url,
        email=settings.value("ZENDESK_EMAIL"),
        api_token=settings.secret("ZENDESK_API_TOKEN"),
        order_field_id=order_field,
        oms_order_id_field_id=_field_id(settings, "ZENDESK_OMS_ORDER_ID_FIELD_ID"),
    )
    http = await kit.plain(
        config.base_url, config.policy, api_token_auth(config.email, config.api_token)
    )
    upstream = kit.upstream(http, config.policy, read_zendesk_error)
    return Opened(ZendeskServiceDesk(upstream, config), (upstream,))


ZENDESK = Plugin(
    role="crm",
    name="zendesk",
    summary="Zendesk Support: tickets and users over the Support API v2, API-token auth",
    settings=(
        Setting("ZENDESK_EMAIL", sandbox="order360@sandbox.zendesk.test"),
        Setting("ZENDESK_API_TOKEN", secret=True, sandbox="sandbox-zendesk-token"),
        Setting("ZENDESK_ORDER_FIELD_ID", sandbox="360041117391"),
        Setting("ZENDESK_OMS_ORDER_ID_FIELD_ID", sandbox="360041117411", default=""),
    ),
    sandbox_path="zendesk",
    open=_open,
)
