"""The world's people and cases under Zendesk's numeric ids, with the look-ups the API needs.

The mapping is fixed so that both CRM emulations show the same records:

- a case is the ticket whose id is its case number as an integer (`00001027` → 1027);
  cases written through either API get the next number, so they get the next id too;
- a customer is the end user `USER_BASE + index + 1`, whose `external_id` is the
  Shopify customer id; a Salesforce account is the organization `ORG_BASE + n`;
- the case owners (Salesforce users `005…`) are the agents `AGENT_BASE + n`, and the
  integration user that API writes are made as is `API_USER_ID`;
- a case comment is the comment `COMMENT_BASE + n` (its place in the world's list);
  the ticket's description, which Zendesk keeps as its first comment, is
  `DESCRIPTION_BASE + ticket id`.
"""

from __future__ import annotations

from sandbox.world import Case, CaseComment, Customer, World
from sandbox.world.ids import sf_id

ORDER_FIELD_ID = 360041117391
"""Custom ticket field "Order number" (`#1001`)."""
OMS_ORDER_ID_FIELD_ID = 360041117411
"""Custom ticket field "Shopify order id"."""

AGENT_BASE = 360_000_000_000
USER_BASE = 361_000_000_000
ORG_BASE = 362_000_000_000
COMMENT_BASE = 363_000_000_000
DESCRIPTION_BASE = 364_000_000_000
API_USER_ID = AGENT_BASE + 999
_AGENTS: dict[str, int] = {sf_id("005", n): AGENT_BASE + n for n in (*range(1, 6), 999)}


def ticket_id(case: Case) -> int:
    return int(case.number)


def user_id(customer: Customer) -> int:
    return USER_BASE + customer.index + 1


def agent_id(owner_id: str | None) -> int:
    return _AGENTS.get(owner_id or "", API_USER_ID)


class ZendeskStore:
    """Tickets, users and comment ids over the world; `on_change` keeps them current."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.tickets: dict[int, Case] = {ticket_id(c): c for c in world.cases}
        self.users: dict[int, Customer] = {user_id(c): c for c in world.customers}
        self.users_by_external_id = {str(c.shopify_id): c for c in world.customers}
        self.org_ids = {a.id: ORG_BASE + n for n, a in enumerate(world.accounts, 1)}
        self._comment_ids = {c.id: COMMENT_BASE + n for n, c in enumerate(world.comments, 1)}

    def comment_id(self, comment: CaseComment) -> int:
        return self._comment_ids[comment.id]

    def organization_id(self, customer: Customer | None) -> int | None:
        return self.org_ids.get(customer.account_id) if customer is not None else None

    def tickets_by_external_id(self, external_id: str) -> list[Case]:
        case = self.world.case_by_request_id.get(external_id)
        return [case] if case is not None else []

    def on_change(self, kind: str, subject: object) -> None:
        """`WorldWriter` listener: cases and comments written through any CRM API."""
        if kind == "case" and isinstance(subject, Case):
            self.tickets[ticket_id(subject)] = subject
        elif kind == "comment" and isinstance(subject, CaseComment):
            self._comment_ids.setdefault(subject.id, COMMENT_BASE + len(self.world.comments))
