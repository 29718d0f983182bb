"""Zendesk writes into the world: create a ticket, add a comment by updating one.

Creates honour `Idempotency-Key` as Zendesk does: the same key and body answer the
first ticket again (`x-idempotency-lookup: hit`), the same key with another body is
400 `IdempotentRequestError`. The world holds external ids unique (it shares them
with Salesforce's `Order360_Request_Id__c`), so a second ticket with a taken
`external_id` is refused with 422, which real Zendesk would accept. Every method is
synchronous, so a duplicate check and its insert cannot interleave.
"""

from __future__ import annotations

from typing import Any

from sandbox.crm.store import INTEGRATION_USER
from sandbox.web.idempotency import IdempotencyKeys, KeyReused, fingerprint
from sandbox.world import Case, CaseComment, Customer, WorldWriter
from sandbox.zendesk.errors import ZendeskError, invalid
from sandbox.zendesk.render import comment_json, description_json, ticket_status
from sandbox.zendesk.store import OMS_ORDER_ID_FIELD_ID, ORDER_FIELD_ID, ZendeskStore

_STATUS = {
    "new": "New",
    "open": "Working",
    "pending": "Working",
    "hold": "Working",
    "solved": "Closed",
    "closed": "Closed",
}
_PRIORITY = {"urgent": "High", "high": "High", "normal": "Medium", "low": "Low"}


def ticket_body(body: Any) -> dict[str, Any]:
    """The `ticket` object of a request body; 400 if there is none."""
    ticket = body.get("ticket") if isinstance(body, dict) else None
    if not isinstance(ticket, dict):
        raise ZendeskError(400, "InvalidParameter", "Parameter ticket is required")
    return ticket


def _comment(ticket: dict[str, Any]) -> tuple[str, bool] | None:
    comment = ticket.get("comment")
    if comment is None:
        return None
    if not isinstance(comment, dict):
        raise invalid("comment", "Comment: is invalid")
    body = comment.get("body") or comment.get("html_body")
    if not isinstance(body, str) or not body.strip():
        raise invalid("description", "Description: cannot be blank", "BlankValue")
    public = comment.get("public", True)  # Zendesk's default: a public reply
    return body, public is not False


def _custom(ticket: dict[str, Any], field_id: int) -> str | None:
    for entry in ticket.get("custom_fields") or ():
        if isinstance(entry, dict) and entry.get("id") == field_id:
            value = entry.get("value")
            return None if value is None else str(value)
    return None


def _choice(ticket: dict[str, Any], name: str, choices: dict[str, str]) -> str | None:
    value = ticket.get(name)
    if value is None:
        return None
    if value not in choices:
        raise invalid(name, f"{name.capitalize()}: {value!r} is not a valid value")
    return choices[value]


class ZendeskWrites:
    def __init__(self, writer: WorldWriter, store: ZendeskStore) -> None:
        self._writer = writer
        self._store = store
        self._keys = IdempotencyKeys()

    def create(self, body: Any, key: str) -> tuple[Case, dict[str, Any], bool]:
        """(ticket, its description comment, replayed) for `POST /api/v2/tickets`."""
        if key:
            try:
                previous = self._keys.replay("ticket", key, fingerprint("ticket", body))
            except KeyReused as exc:
                raise ZendeskError(
                    400,
                    "IdempotentRequestError",
                    "Request parameters don't match the original request",
                ) from exc
            if isinstance(previous, Case):
                return previous, description_json(previous), True
        case = self._insert(ticket_body(body))
        if key:
            self._keys.remember("ticket", key, fingerprint("ticket", body), case)
        return case, description_json(case), False

    def _requester(self, ticket: dict[str, Any]) -> Customer | None:
        requester = ticket.get("requester_id")
        if requester is None:
            return None
        customer = self._store.users.get(requester) if isinstance(requester, int) else None
        if customer is None:
            raise invalid("requester", "Requester: is invalid")
        return customer

    def _insert(self, ticket: dict[str, Any]) -> Case:
        comment = _comment(ticket)
        if comment is None:
            raise invalid("description", "Description: cannot be blank", "BlankValue")
        description = comment[0]
        external_id = ticket.get("external_id")
        external_id = None if external_id is None else str(external_id)
        if external_id and external_id in self._writer.world.case_by_request_id:
            raise invalid("external_id", "External id: has already been taken", "DuplicateValue")
        status = _choice(ticket, "status", _STATUS) or "New"
        order_number = _custom(ticket, ORDER_FIELD_ID)
        shopify_id = _custom(ticket, OMS_ORDER_ID_FIELD_ID)
        writer = self._writer
        now = writer.now()
        case_id, number = writer.next_case_ids()
        kind = ticket.get("type")
        case = Case(
            id=case_id,
            number=number,
            subject=str(ticket.get("subject") or description[:80]),
            description=description,
            status=status,
            escalated=False,
            priority=_choice(ticket, "priority", _PRIORITY) or "",
            origin="",  # via the API
            case_type=kind.capitalize() if isinstance(kind, str) else "",
            reason="",
            customer=self._requester(ticket),
            order=writer.order_named(order_number, shopify_id),
            created_at=now,
            closed_at=now if status == "Closed" else None,
            owner_id=INTEGRATION_USER,
            written=True,
            order_number=order_number,
            shopify_order_id=shopify_id,
            request_id=external_id,
        )
        writer.add_case(case)
        return case

    def update(self, case: Case, body: Any) -> dict[str, Any] | None:
        """`PUT /api/v2/tickets/{id}`: adds the comment it carries; its JSON, if any.

        Only `comment` is applied (the one update Order360 makes); other fields are
        accepted and ignored. A closed ticket refuses every update, as in Zendesk.
        """
        ticket = ticket_body(body)
        if ticket_status(case, self._writer.world.now) == "closed":
            raise invalid("status", "Status: closed prevents ticket update", "ClosedPrevents")
        comment = _comment(ticket)
        if comment is None:
            return None
        writer = self._writer
        added = CaseComment(
            id=writer.next_comment_id(),
            case=case,
            body=comment[0],
            created_at=writer.now(),
            published=comment[1],
            author_id=INTEGRATION_USER,
        )
        writer.add_comment(added)
        return comment_json(self._store, added)
