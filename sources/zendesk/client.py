"""Zendesk reads: tickets and users by id in ``show_many`` calls, the rest through search.

Ids go to ``show_many`` (100 a call, Zendesk's cap). Keys Zendesk cannot look up
directly (order number, requester, e-mail) go to the search API, several keys per
query: a property named more than once matches any of its values, so
``type:ticket custom_field_360:"#1001" custom_field_360:"#1002"`` finds the tickets of
both orders in one call and a page of N orders costs O(1) calls. Search matches words
and word prefixes, not whole values, so every hit is checked against the keys asked
for; and it is eventually consistent (a ticket shows a few minutes after it is made),
which is why writes look tickets up by external id instead (``writes``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..batching import chunk_keys
from ..call import CallContext
from ..http import Upstream
from ..models import CrmCase, CrmContact
from . import wire
from .config import SHOW_MANY_LIMIT, ZendeskConfig
from .listing import read_list

__all__ = ["ZendeskReads", "search_term"]

TICKETS = "api/v2/tickets"
USERS = "api/v2/users"
SEARCH = "api/v2/search.json"


def search_term(keyword: str, value: str) -> str:
    """``keyword:"value"``: quoted, so that ``#``, ``@`` and spaces stay one value."""
    return f'{keyword}:"{value}"'


def _searchable(value: str) -> bool:
    # Zendesk's search syntax has no escape for a double quote inside a phrase; such a
    # key cannot be asked for, and no stored value equal to it could be matched anyway.
    return bool(value) and '"' not in value


class ZendeskReads:
    """Reads users (contacts) and tickets (cases) from Zendesk Support."""

    def __init__(self, upstream: Upstream, config: ZendeskConfig) -> None:
        self._upstream = upstream
        self._config = config
        self._fields = wire.TicketFields(config.order_field_id, config.oms_order_id_field_id)

    # Contacts ---------------------------------------------------------------------------

    async def contacts_by_oms_customer(
        self, customer_ids: Sequence[str], call: CallContext
    ) -> dict[str, CrmContact]:
        """Users by ``external_id``, which holds the order system's customer id."""
        rows = await self._show_many(f"{USERS}/show_many.json", "external_ids", customer_ids, call)
        contacts = (wire.contact(row) for row in rows)
        return {c.oms_customer_id: c for c in contacts if c.oms_customer_id}

    async def contacts_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, CrmContact]:
        """Users by Zendesk user id (keys that are not ids are simply absent)."""
        numeric = [key for key in ids if key.isdigit()]
        rows = await self._show_many(f"{USERS}/show_many.json", "ids", numeric, call)
        return {c.id: c for c in (wire.contact(row) for row in rows)}

    async def contacts_by_email(
        self, emails: Sequence[str], call: CallContext
    ) -> dict[str, CrmContact]:
        """Users by e-mail address (lower-cased key; the first user wins)."""
        wanted = {email.lower() for email in emails if _searchable(email)}
        rows = await self._search(
            f"{USERS}/search.json", "users", "", "email", sorted(wanted), call
        )
        found: dict[str, CrmContact] = {}
        for contact in (wire.contact(row) for row in rows):
            key = contact.email.lower() if contact.email else None
            if key in wanted:
                found.setdefault(key, contact)
        return found

    # Cases ------------------------------------------------------------------------------

    async def cases_by_order_number(
        self, order_numbers: Sequence[str], call: CallContext
    ) -> dict[str, list[CrmCase]]:
        """Tickets whose order-number field holds each number, oldest first."""
        keyword = f"custom_field_{self._config.order_field_id}"
        cases = await self._search_tickets(keyword, order_numbers, call)
        return _group(cases, set(order_numbers), lambda c: c.order_number)

    async def cases_by_contact(
        self, contact_ids: Sequence[str], call: CallContext
    ) -> dict[str, list[CrmCase]]:
        """Tickets requested by each user, oldest first."""
        numeric = [key for key in contact_ids if key.isdigit()]
        cases = await self._search_tickets("requester", numeric, call)
        return _group(cases, set(numeric), lambda c: c.contact_id)

    async def cases_by_id(self, ids: Sequence[str], call: CallContext) -> dict[str, CrmCase]:
        """Tickets by id."""
        numeric = [key for key in ids if key.isdigit()]
        rows = await self._show_many(f"{TICKETS}/show_many.json", "ids", numeric, call)
        return {c.id: c for c in (wire.case(row, self._fields) for row in rows)}

    async def cases_by_number(
        self, numbers: Sequence[str], call: CallContext
    ) -> dict[str, CrmCase]:
        """Tickets by the number people quote: the ticket id (leading zeros allowed)."""
        asked = {key: str(int(key)) for key in numbers if key.isdigit()}
        found = await self.cases_by_id(sorted(set(asked.values())), call)
        return {key: found[tid] for key, tid in asked.items() if tid in found}

    # Transport --------------------------------------------------------------------------

    async def _search_tickets(
        self, keyword: str, keys: Sequence[str], call: CallContext
    ) -> list[CrmCase]:
        wanted = [key for key in keys if _searchable(key)]
        rows = await self._search(SEARCH, "results", "type:ticket", keyword, wanted, call)
        seen: dict[str, CrmCase] = {}
        for row in rows:
            if row.get("result_type", "ticket") == "ticket":
                case = wire.case(row, self._fields)
                seen.setdefault(case.id, case)  # a ticket may match two chunks' keys
        return list(seen.values())

    async def _show_many(
        self, path: str, param: str, keys: Sequence[str], call: CallContext
    ) -> list[dict[str, Any]]:
        collection = "users" if path.startswith(USERS) else "tickets"
        fixed = len(self._path_prefix()) + len(path) + len(param) + 2
        chunks = chunk_keys(
            keys,
            lambda key: key,
            max_keys=min(SHOW_MANY_LIMIT, self._upstream.policy.batch_limit),
            max_bytes=self._config.max_url_bytes - fixed,
            separator_bytes=len("%2C"),
        )
        pages = await asyncio.gather(
            *(self._list(path, collection, {param: ",".join(chunk)}, call) for chunk in chunks)
        )
        return [row for page in pages for row in page]

    async def _search(
        self,
        path: str,
        collection: str,
        prefix: str,
        keyword: str,
        keys: Sequence[str],
        call: CallContext,
    ) -> list[dict[str, Any]]:
        skeleton = f"{prefix} " if prefix else ""
        fixed = len(self._path_prefix()) + len(path) + len(urlencode({"query": skeleton})) + 40
        chunks = chunk_keys(
            keys,
            lambda key: search_term(keyword, key),
            max_keys=self._config.search_batch,
            max_bytes=self._config.max_url_bytes - fixed,
            separator_bytes=len("+"),
        )
        queries = [
            skeleton + " ".join(search_term(keyword, key) for key in chunk) for chunk in chunks
        ]
        params = {"per_page": str(self._config.search_page_size)}
        pages = await asyncio.gather(
            *(self._list(path, collection, {"query": q, **params}, call) for q in queries)
        )
        return [row for page in pages for row in page]

    async def _list(
        self, path: str, collection: str, params: dict[str, str], call: CallContext
    ) -> list[dict[str, Any]]:
        return await read_list(
            self._upstream, self._config.base_url, path, collection, call, params
        )

    def _path_prefix(self) -> str:
        return urlsplit(self._config.base_url).path.rstrip("/") + "/"


def _group(
    cases: list[CrmCase], keys: set[str], key_of: Callable[[CrmCase], str | None]
) -> dict[str, list[CrmCase]]:
    """Cases under the key they carry (only keys asked for: search matches prefixes)."""
    grouped: dict[str, list[CrmCase]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: (c.opened_at, int(c.id))):
        value = key_of(case)
        if value in keys:
            grouped[value].append(case)
    return dict(grouped)
