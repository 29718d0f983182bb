"""Tickets, users and comments in Zendesk's JSON, rendered from the world's records.

The world's cases speak Salesforce's picklists; Zendesk's fields are derived:

- status: New → `new`; Working → `open`; Escalated → `open` with the `escalated`
  tag; Closed → `solved`, or `closed` once solved for more than four days (Zendesk's
  default automation closes solved tickets after four days);
- priority: High → `high` (`urgent` while escalated), Medium → `normal`, Low → `low`;
- via.channel: Email → `email`, Phone → `voice`, Web → `web`, otherwise `api`;
- type: Question/Problem → `question`/`problem`; tags: the case reason as a tag.
"""

from __future__ import annotations

import datetime
import html
from typing import Any

from sandbox.timefmt import iso_z
from sandbox.world import Case, CaseComment, Customer
from sandbox.zendesk.store import (
    API_USER_ID,
    DESCRIPTION_BASE,
    OMS_ORDER_ID_FIELD_ID,
    ORDER_FIELD_ID,
    ZendeskStore,
    agent_id,
    ticket_id,
    user_id,
)

AUTO_CLOSE = datetime.timedelta(days=4)
_PRIORITY = {"High": "high", "Medium": "normal", "Low": "low"}
_CHANNEL = {"Email": "email", "Phone": "voice", "Web": "web"}
_TYPES = ("question", "problem", "incident", "task")


def ticket_status(case: Case, now: datetime.datetime) -> str:
    if case.status == "New":
        return "new"
    if case.status == "Closed":
        solved = case.closed_at or case.created_at
        return "closed" if now - solved > AUTO_CLOSE else "solved"
    return "open"


def _priority(case: Case) -> str | None:
    priority = _PRIORITY.get(case.priority)
    return "urgent" if priority == "high" and case.status == "Escalated" else priority


def _via(case: Case) -> dict[str, Any]:
    return {
        "channel": _CHANNEL.get(case.origin, "api"),
        "source": {"from": {}, "to": {}, "rel": None},
    }


def _tags(case: Case) -> list[str]:
    tags = [case.reason.lower().replace(" ", "_")] if case.reason else []
    if case.status == "Escalated":
        tags.append("escalated")
    return sorted(tags)


def requester_id(case: Case) -> int:
    return user_id(case.customer) if case.customer is not None else API_USER_ID


def ticket_json(store: ZendeskStore, case: Case, root: str) -> dict[str, Any]:
    """One ticket as `GET /api/v2/tickets/{id}` shows it; `root` is the mount's URL."""
    tid = ticket_id(case)
    order_number, shopify_id = case.order_keys
    fields = [
        {"id": ORDER_FIELD_ID, "value": order_number},
        {"id": OMS_ORDER_ID_FIELD_ID, "value": shopify_id},
    ]
    kind = case.case_type.lower()
    requester = requester_id(case)
    return {
        "url": f"{root}/api/v2/tickets/{tid}.json",
        "id": tid,
        "external_id": case.request_id,
        "via": _via(case),
        "created_at": iso_z(case.created_at),
        "updated_at": iso_z(case.last_modified),
        "type": kind if kind in _TYPES else None,
        "subject": case.subject,
        "raw_subject": case.subject,
        "description": case.description,
        "priority": _priority(case),
        "status": ticket_status(case, store.world.now),
        "recipient": None,
        "requester_id": requester,
        "submitter_id": requester,
        "assignee_id": agent_id(case.owner_id),
        "organization_id": store.organization_id(case.customer),
        "group_id": None,
        "collaborator_ids": [],
        "follower_ids": [],
        "has_incidents": False,
        "is_public": not case.written,
        "due_at": None,
        "tags": _tags(case),
        "custom_fields": fields,
        "fields": fields,
        "satisfaction_rating": None,
        "allow_channelback": False,
        "allow_attachments": True,
    }


def user_json(store: ZendeskStore, customer: Customer, root: str) -> dict[str, Any]:
    """One end user; `external_id` is the Shopify customer id."""
    uid = user_id(customer)
    updated = max([customer.created_at, *(case.created_at for case in customer.cases)])
    return {
        "id": uid,
        "url": f"{root}/api/v2/users/{uid}.json",
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "external_id": str(customer.shopify_id),
        "organization_id": store.organization_id(customer),
        "role": "end-user",
        "active": True,
        "verified": True,
        "suspended": False,
        "shared": False,
        "locale": "en-US",
        "time_zone": "UTC",
        "tags": [],
        "details": "",
        "notes": "",
        "user_fields": {"loyalty_tier": customer.loyalty_tier, "sap_customer": customer.sap_number},
        "created_at": iso_z(customer.created_at),
        "updated_at": iso_z(updated),
    }


def _comment(
    comment_id: int, author: int, body: str, public: bool, at: datetime.datetime
) -> dict[str, Any]:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body.splitlines() or [""])
    return {
        "id": comment_id,
        "type": "Comment",
        "author_id": author,
        "body": body,
        "html_body": f'<div class="zd-comment" dir="auto">{paragraphs}</div>',
        "plain_body": body,
        "public": public,
        "attachments": [],
        "audit_id": comment_id,
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": iso_z(at),
        "metadata": {"system": {}, "custom": {}},
    }


def description_json(case: Case) -> dict[str, Any]:
    """The ticket's first comment: its description, as the requester wrote it."""
    body = case.description or case.subject
    tid = ticket_id(case)
    return _comment(
        DESCRIPTION_BASE + tid, requester_id(case), body, not case.written, case.created_at
    )


def comment_json(store: ZendeskStore, comment: CaseComment) -> dict[str, Any]:
    author = agent_id(comment.author_id or comment.case.owner_id)
    cid = store.comment_id(comment)
    return _comment(cid, author, comment.body, comment.published, comment.created_at)


def comments_json(store: ZendeskStore, case: Case) -> list[dict[str, Any]]:
    """Every comment of a ticket, oldest first, the description first of all."""
    return [description_json(case), *(comment_json(store, c) for c in case.comments)]


def audit_json(case: Case, event: dict[str, Any]) -> dict[str, Any]:
    """The audit a create or update answers with: its one `Comment` event."""
    return {
        "id": event["id"],
        "ticket_id": ticket_id(case),
        "created_at": event["created_at"],
        "author_id": API_USER_ID,
        "metadata": {"system": {}, "custom": {}},
        "events": [{**event, "type": "Comment"}],
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
    }
