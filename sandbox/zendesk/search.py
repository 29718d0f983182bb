"""The subset of Zendesk's search syntax the sandbox understands.

A query is `keyword:value` terms separated by spaces; a value may be quoted
(`custom_field_360041117391:"#1001"`). A keyword named more than once matches any of
its values; different keywords must all match. Understood: `type` (ticket, user),
`custom_field_<id>` of the two order fields, `requester` (alias `requester_id`),
`external_id` and `status` for tickets; `email` and `external_id` for users. Text
values match as Zendesk's do, by whole word or prefix (`#100` finds `#1001`); ids
match exactly. Anything else is refused with 400, so a client cannot rely on syntax
the sandbox only pretends to understand.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.world import Case, Customer
from sandbox.zendesk.errors import ZendeskError
from sandbox.zendesk.render import requester_id, ticket_status
from sandbox.zendesk.store import OMS_ORDER_ID_FIELD_ID, ORDER_FIELD_ID, ZendeskStore

_TERM = re.compile(r'(\w+):(?:"([^"]*)"|(\S+))|(\S+)')
_TICKET_KEYS = frozenset(
    {f"custom_field_{ORDER_FIELD_ID}", f"custom_field_{OMS_ORDER_ID_FIELD_ID}"}
    | {"requester", "external_id", "status"}
)
_USER_KEYS = frozenset({"email", "external_id"})


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # "ticket" or "user"
    terms: dict[str, list[str]]


def _unsupported(text: str) -> ZendeskError:
    return ZendeskError(400, "InvalidSearch", f"the sandbox does not understand {text!r}")


def parse_query(text: str, default_kind: str | None = None) -> Query:
    """Terms by keyword; `type:` picks tickets or users (the users endpoint implies it)."""
    terms: dict[str, list[str]] = defaultdict(list)
    for match in _TERM.finditer(text):
        keyword, quoted, bare, word = match.groups()
        if word is not None:
            raise _unsupported(word)
        keyword = "requester" if keyword == "requester_id" else keyword.lower()
        terms[keyword].append(quoted if quoted is not None else bare)
    kinds = terms.pop("type", [default_kind] if default_kind else [])
    if len(set(kinds)) != 1 or kinds[0] not in ("ticket", "user"):
        raise _unsupported(f"type:{','.join(k or '' for k in kinds)}")
    allowed = _TICKET_KEYS if kinds[0] == "ticket" else _USER_KEYS
    for keyword in terms:
        if keyword not in allowed:
            raise _unsupported(f"{keyword}:")
    return Query(kinds[0], dict(terms))


def _word_prefix(stored: str | None, wanted: list[str]) -> bool:
    """Zendesk's text match: the value is a word of the field, or a word's prefix."""
    if not stored:
        return False
    words = [stored.lower(), *stored.lower().split()]
    return any(w.startswith(value.lower()) for value in wanted for w in words if value)


def _ticket_value(store: ZendeskStore, case: Case, keyword: str) -> str | None:
    order_number, shopify_id = case.order_keys
    values: dict[str, Callable[[], str | None]] = {
        f"custom_field_{ORDER_FIELD_ID}": lambda: order_number,
        f"custom_field_{OMS_ORDER_ID_FIELD_ID}": lambda: shopify_id,
        "requester": lambda: str(requester_id(case)),
        "external_id": lambda: case.request_id,
        "status": lambda: ticket_status(case, store.world.now),
    }
    return values[keyword]()


def tickets(store: ZendeskStore, query: Query) -> list[Case]:
    """The tickets matching every keyword of `query`, by id."""
    found = []
    for tid in sorted(store.tickets):
        case = store.tickets[tid]
        if all(
            _matches(keyword, _ticket_value(store, case, keyword), wanted)
            for keyword, wanted in query.terms.items()
        ):
            found.append(case)
    return found


def users(store: ZendeskStore, query: Query) -> list[Customer]:
    """The end users matching every keyword of `query`, by id."""
    found = []
    for uid in sorted(store.users):
        customer = store.users[uid]
        values = {"email": customer.email, "external_id": str(customer.shopify_id)}
        if all(_matches(k, values[k], wanted) for k, wanted in query.terms.items()):
            found.append(customer)
    return found


def _matches(keyword: str, stored: str | None, wanted: list[str]) -> bool:
    if keyword.startswith("custom_field_") or keyword == "email":
        return _word_prefix(stored, wanted)
    return stored is not None and stored.lower() in {value.lower() for value in wanted}


__all__ = ["Query", "parse_query", "tickets", "users"]
