"""What the Zendesk client needs: where, who, and which custom ticket fields hold our keys."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Secret, SourcePolicy

__all__ = ["SHOW_MANY_LIMIT", "ZendeskConfig"]

SHOW_MANY_LIMIT = 100
"""Zendesk's documented cap on ids per ``show_many`` call (tickets and users)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ZendeskConfig:
    """Zendesk Support API of one account, authenticated by API token.

    ``order_field_id`` is the custom ticket field that holds the order number (``#1001``);
    ``oms_order_id_field_id`` the one holding the order system's order id, or ``None``
    where the account has no such field. ``search_batch`` bounds how many keys one search
    query names: Zendesk stops at 1,000 results per query, so a query must stay well
    under it even when every key has a few tickets.
    """

    base_url: str
    email: str
    api_token: Secret
    order_field_id: int
    oms_order_id_field_id: int | None = None
    policy: SourcePolicy = field(default_factory=lambda: SourcePolicy(batch_limit=SHOW_MANY_LIMIT))
    max_url_bytes: int = 7000
    search_batch: int = 30
    search_page_size: int = 100
