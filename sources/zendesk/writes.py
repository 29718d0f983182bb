"""Zendesk writes: tickets created once per reference, private comments added once per tag.

A ticket is created with ``POST /api/v2/tickets`` carrying Zendesk's
``Idempotency-Key`` (our reference): a retry within Zendesk's key lifetime (two hours)
answers the first ticket again, with ``x-idempotency-lookup: hit``. The reference is
also the ticket's ``external_id``, so after the key has expired a lost answer is still
found by ``GET /api/v2/tickets?external_id=``, which reads the database, not the search
index (new tickets reach search minutes later). Comments have no key of their own: one
carries its tag in its text and the ticket's comments are read before posting.
"""

from __future__ import annotations

from typing import Any

from ..call import CallContext
from ..errors import NotFound, SourceBadResponse
from ..http import Upstream
from . import wire
from .config import ZendeskConfig
from .listing import read_list

__all__ = ["IDEMPOTENCY_HEADER", "ZendeskWrites"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
_REPLAYED = "x-idempotency-lookup"


def ticket_path(ticket_id: str) -> str:
    """``api/v2/tickets/{id}``; an id that is not a number cannot name a ticket."""
    if not ticket_id.isdigit():
        raise NotFound("crm", f"no ticket {ticket_id!r}")
    return f"api/v2/tickets/{ticket_id}"


def _ticket(payload: Any) -> dict[str, Any]:
    ticket = payload.get("ticket") if isinstance(payload, dict) else None
    if not isinstance(ticket, dict) or "id" not in ticket:
        raise SourceBadResponse("crm", "unexpected ticket answer")
    return ticket


class ZendeskWrites:
    """The Zendesk operations the governed processes execute."""

    def __init__(self, upstream: Upstream, config: ZendeskConfig) -> None:
        self._upstream = upstream
        self._config = config

    async def ticket_by_external_id(self, external_id: str, call: CallContext) -> str | None:
        """The id of the ticket carrying ``external_id``, if one does (the oldest)."""
        payload = await self._upstream.get_json(
            "api/v2/tickets.json", call, params={"external_id": external_id}
        )
        rows, _ = wire.list_page(payload, "tickets")
        ids = sorted(int(row["id"]) for row in rows if str(row.get("external_id")) == external_id)
        return str(ids[0]) if ids else None

    async def create_ticket(
        self, reference: str, ticket: dict[str, Any], call: CallContext
    ) -> tuple[str, bool]:
        """Create the ticket under our reference; returns (id, created by this call)."""
        answer = await self._upstream.request(
            "POST",
            "api/v2/tickets.json",
            call,
            json_body={"ticket": {**ticket, "external_id": reference}},
            headers={IDEMPOTENCY_HEADER: reference},
            safe=True,  # Zendesk deduplicates by the idempotency key
        )
        created = answer.response.headers.get(_REPLAYED, "miss").lower() != "hit"
        return str(_ticket(answer.payload)["id"]), created

    async def comment_with_marker(
        self, ticket_id: str, marker: str, call: CallContext
    ) -> str | None:
        """An earlier comment on the ticket whose text carries ``marker``, if any."""
        path = f"{ticket_path(ticket_id)}/comments.json"
        rows = await read_list(self._upstream, self._config.base_url, path, "comments", call)
        for row in rows:
            if marker in str(row.get("body") or ""):
                return str(row["id"])
        return None

    async def add_private_comment(self, ticket_id: str, body: str, call: CallContext) -> str:
        """Add an internal note (``public: false``) to the ticket; returns the comment id."""
        answer = await self._upstream.request(
            "PUT",
            f"{ticket_path(ticket_id)}.json",
            call,
            json_body={"ticket": {"comment": {"body": body, "public": False}}},
            safe=False,  # a repeated PUT would add the comment twice
        )
        _ticket(answer.payload)
        audit = answer.payload.get("audit")
        events = audit.get("events") if isinstance(audit, dict) else None
        for event in events if isinstance(events, list) else ():
            if isinstance(event, dict) and event.get("type") == "Comment" and "id" in event:
                return str(event["id"])
        raise SourceBadResponse("crm", "ticket update without its comment event")
