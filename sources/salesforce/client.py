"""CRM client: Salesforce REST API, reads through SOQL.

Non-Id keys are batched with ``WHERE field IN (...)``. Salesforce advises URIs under
about 2,000 characters for GET, so ``IN`` lists are chunked by encoded length; query
pages (2,000 rows) are followed through ``nextRecordsUrl``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..batching import chunk_keys
from ..call import CallContext
from ..config import CrmConfig
from ..http import Upstream
from ..models import CrmCase, CrmContact
from . import wire
from .soql import soql_literal

__all__ = ["CrmClient"]

CONTACT_FIELDS = (
    "Id, AccountId, FirstName, LastName, Email, Phone, Loyalty_Tier__c, Shopify_Customer_Id__c"
)
CASE_FIELDS = (
    "Id, CaseNumber, Subject, Status, IsClosed, Priority, Origin, CreatedDate, ClosedDate, "
    "ContactId, Order_Number__c, Shopify_Order_Id__c"
)


class CrmClient:
    """Reads contacts and cases from the CRM."""

    def __init__(self, upstream: Upstream, config: CrmConfig) -> None:
        self._upstream = upstream
        self._config = config
        self._query_path = f"/services/data/{config.api_version}/query"

    async def contacts_by_oms_customer(
        self, customer_ids: Sequence[str], call: CallContext
    ) -> dict[str, CrmContact]:
        """Contacts keyed by the OMS (Shopify) customer id they are linked to."""
        rows = await self._select_in(
            "Contact", CONTACT_FIELDS, "Shopify_Customer_Id__c", customer_ids, call
        )
        contacts = [wire.contact(row) for row in rows]
        return {c.oms_customer_id: c for c in contacts if c.oms_customer_id}

    async def contacts_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, CrmContact]:
        """Contacts by Salesforce Id."""
        rows = await self._select_in("Contact", CONTACT_FIELDS, "Id", ids, call)
        return {c.id: c for c in (wire.contact(row) for row in rows)}

    async def contacts_by_email(
        self, emails: Sequence[str], call: CallContext
    ) -> dict[str, CrmContact]:
        """Contacts by e-mail address (lower-cased key; the first contact wins)."""
        rows = await self._select_in("Contact", CONTACT_FIELDS, "Email", emails, call)
        found: dict[str, CrmContact] = {}
        for contact in (wire.contact(row) for row in rows):
            if contact.email:
                found.setdefault(contact.email.lower(), contact)
        return found

    async def cases_by_order_number(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, list[CrmCase]]:
        """Cases that reference each order number, oldest first."""
        rows = await self._select_in(
            "Case", CASE_FIELDS, "Order_Number__c", order_numbers, call, "CreatedDate"
        )
        return _group(rows, lambda c: c.order_number)

    async def cases_by_contact(
        self, contact_ids: Sequence[str], call: CallContext
    ) -> dict[str, list[CrmCase]]:
        """Cases raised by each contact, oldest first."""
        rows = await self._select_in(
            "Case", CASE_FIELDS, "ContactId", contact_ids, call, "CreatedDate"
        )
        return _group(rows, lambda c: c.contact_id)

    async def cases_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, CrmCase]:
        """Cases by Salesforce Id."""
        rows = await self._select_in("Case", CASE_FIELDS, "Id", ids, call)
        return {c.id: c for c in (wire.case(row) for row in rows)}

    async def cases_by_number(
        self, numbers: Sequence[str], call: CallContext
    ) -> dict[str, CrmCase]:
        """Cases by their case number (e.g. ``00001027``)."""
        rows = await self._select_in("Case", CASE_FIELDS, "CaseNumber", numbers, call)
        return {c.number: c for c in (wire.case(row) for row in rows)}

    async def _select_in(
        self,
        sobject: str,
        fields: str,
        key_field: str,
        keys: Sequence[str],
        call: CallContext,
        order_by: str | None = None,
    ) -> list[dict[str, Any]]:
        suffix = f" ORDER BY {order_by} ASC" if order_by else ""
        skeleton = f"SELECT {fields} FROM {sobject} WHERE {key_field} IN (){suffix}"
        base_path = urlsplit(self._config.base_url).path.rstrip("/")
        fixed = len(base_path) + len(self._query_path) + len(urlencode({"q": skeleton})) + 1
        chunks = chunk_keys(
            keys,
            soql_literal,
            max_keys=self._upstream.policy.batch_limit,
            max_bytes=self._config.max_url_bytes - fixed,
            separator_bytes=len("%2C"),
        )
        queries = [
            f"SELECT {fields} FROM {sobject} WHERE {key_field} IN "
            f"({','.join(soql_literal(key) for key in chunk)}){suffix}"
            for chunk in chunks
        ]
        pages = await asyncio.gather(*(self._query(q, call) for q in queries))
        return [row for page in pages for row in page]

    async def _query(self, soql: str, call: CallContext) -> list[dict[str, Any]]:
        payload = await self._upstream.get_json(self._query_path, call, params={"q": soql})
        records, next_url = wire.query_records(payload)
        while next_url:
            payload = await self._upstream.get_json(next_url, call)
            more, next_url = wire.query_records(payload)
            records.extend(more)
        return records


def _group(rows: list[dict[str, Any]], key: Any) -> dict[str, list[CrmCase]]:
    grouped: dict[str, list[CrmCase]] = defaultdict(list)
    for row in rows:
        case = wire.case(row)
        value = key(case)
        if value:
            grouped[value].append(case)
    return dict(grouped)
