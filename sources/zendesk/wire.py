"""Zendesk Support API JSON → canonical models, and canonical values → Zendesk's.

Tickets and users are plain objects with integer ids; times are ISO 8601 in UTC with a
``Z`` (``2026-06-03T13:12:44Z``). Lists come as ``{"<collection>": [...], "next_page":
url | null}``. Errors are ``{"error": "RecordNotFound", "description": "Not found"}``,
with ``details`` per field for ``RecordInvalid``; a refused login is
``{"error": "Couldn't authenticate you"}``.

Zendesk has no "escalated" status and a different status set from the canonical one
(Salesforce's picklist, ``New``/``Working``/``Escalated``/``Closed``), so the mapping
is: ``new`` → New; ``open``, ``pending``, ``hold`` → Working, or Escalated when the
ticket carries the ``escalated`` tag (how Zendesk accounts mark escalation); ``solved``
and ``closed`` → Closed. Priorities ``urgent``/``high`` → High, ``normal`` (or none) →
Medium, ``low`` → Low. See docs/vendors/zendesk.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..errors import SourceBadResponse
from ..isotime import iso_timestamp
from ..models import CrmCase, CrmContact

__all__ = [
    "ESCALATED_TAG",
    "TicketFields",
    "case",
    "contact",
    "custom_field",
    "list_page",
    "read_zendesk_error",
    "zendesk_priority",
]

ESCALATED_TAG = "escalated"
_CLOSED = frozenset({"solved", "closed"})
_STATUS = {
    "new": "New",
    "open": "Working",
    "pending": "Working",
    "hold": "Working",
    "solved": "Closed",
    "closed": "Closed",
}
_PRIORITY_IN = {"urgent": "High", "high": "High", "normal": "Medium", "low": "Low"}
_PRIORITY_OUT = {"High": "high", "Medium": "normal", "Low": "low"}
_CHANNEL = {"email": "Email", "voice": "Phone", "web": "Web", "api": "API"}


@dataclass(frozen=True, slots=True)
class TicketFields:
    """The account's custom ticket fields that hold the order keys."""

    order_number: int
    oms_order_id: int | None = None


def _drift(detail: str) -> SourceBadResponse:
    return SourceBadResponse("crm", f"unexpected Zendesk payload: {detail}")


def list_page(payload: Any, collection: str) -> tuple[list[dict[str, Any]], str | None]:
    """The objects of one list page (``tickets``, ``users``, ``results``…) and the next URL."""
    if not isinstance(payload, dict) or not isinstance(payload.get(collection), list):
        raise _drift(f"list without {collection}")
    rows = payload[collection]
    if not all(isinstance(row, dict) for row in rows):
        raise _drift(f"{collection} entry is not an object")
    next_page = payload.get("next_page")
    return rows, next_page if isinstance(next_page, str) and next_page else None


def _text(value: Any) -> str | None:
    """A non-empty string, or ``None``; Zendesk ids and field values may be numbers."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value)
    return text or None


def custom_field(record: dict[str, Any], field_id: int | None) -> str | None:
    """The value of custom field ``field_id`` on a ticket, if set."""
    if field_id is None:
        return None
    for entry in record.get("custom_fields") or ():
        if isinstance(entry, dict) and entry.get("id") == field_id:
            return _text(entry.get("value"))
    return None


def _split_name(name: str) -> tuple[str | None, str]:
    # Zendesk keeps one ``name``; the canonical contact has two parts. The last word is
    # the family name, as the Salesforce Contact of the same person has it.
    first, _, last = name.strip().rpartition(" ")
    return (first or None), last


CONTACT_ID_PREFIX = "zendesk:User:"
"""How a Zendesk user's id begins in Order360's API."""


def contact(record: dict[str, Any]) -> CrmContact:
    """A Zendesk user → ``CrmContact`` (``external_id`` is the order system's customer id)."""
    try:
        first, last = _split_name(str(record["name"] or ""))
        fields = record.get("user_fields")
        tier = fields.get("loyalty_tier") if isinstance(fields, dict) else None
        return CrmContact(
            id=str(record["id"]),
            account_id=_text(record.get("organization_id")),
            first_name=first,
            last_name=last,
            email=_text(record.get("email")),
            phone=_text(record.get("phone")),
            loyalty_tier=_text(tier),
            oms_customer_id=_text(record.get("external_id")),
            id_prefix=CONTACT_ID_PREFIX,
        )
    except KeyError as exc:
        raise _drift(f"user without {exc}") from exc


def _status(record: dict[str, Any]) -> tuple[str, bool]:
    raw = record.get("status")
    if raw not in _STATUS:
        raise _drift(f"ticket status {raw!r}")
    closed = raw in _CLOSED
    tags = record.get("tags") or ()
    if not closed and raw != "new" and ESCALATED_TAG in tags:
        return "Escalated", False
    return _STATUS[raw], closed


def _origin(record: dict[str, Any]) -> str | None:
    via = record.get("via")
    channel = via.get("channel") if isinstance(via, dict) else None
    if not isinstance(channel, str) or not channel:
        return None
    return _CHANNEL.get(channel, channel)


def case(record: dict[str, Any], fields: TicketFields) -> CrmCase:
    """A Zendesk ticket → ``CrmCase``; its number is the ticket id, as agents quote it.

    A ticket carries no solve time (that is in ticket metrics, another call per ticket),
    so a solved or closed ticket's ``closed_at`` is its last update: exact for tickets
    nobody touched after solving, which is how Order360 reads them.
    """
    try:
        ticket_id = str(record["id"])
        status, closed = _status(record)
        priority = record.get("priority")
        return CrmCase(
            id=ticket_id,
            number=ticket_id,
            subject=str(record.get("subject") or ""),
            status=status,
            closed=closed,
            priority=_PRIORITY_IN.get(priority, "Medium")
            if isinstance(priority, str)
            else "Medium",
            origin=_origin(record),
            opened_at=iso_timestamp(record["created_at"], "crm"),
            closed_at=iso_timestamp(record["updated_at"], "crm") if closed else None,
            contact_id=_text(record.get("requester_id")),
            order_number=custom_field(record, fields.order_number),
            oms_order_id=custom_field(record, fields.oms_order_id),
        )
    except KeyError as exc:
        raise _drift(f"ticket without {exc}") from exc


def zendesk_priority(canonical: str) -> str:
    """``High``/``Medium``/``Low`` → Zendesk's ``high``/``normal``/``low``."""
    return _PRIORITY_OUT.get(canonical, "normal")


def read_zendesk_error(body: bytes) -> str | None:
    """``error: description`` of a Zendesk error body (and the fields refused), for the log."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if isinstance(error, dict):  # the newer shape some endpoints use: {title, message}
        return f"{error.get('title')}: {error.get('message')}"
    if not isinstance(error, str):
        return None
    text = error
    description = payload.get("description")
    if isinstance(description, str) and description:
        text = f"{error}: {description}"
    details = payload.get("details")
    if isinstance(details, dict) and details:
        text = f"{text} ({', '.join(sorted(str(name) for name in details))})"
    return text
