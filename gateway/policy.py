"""The authorization rules as data and small pure functions (CONTRACT.md, "Tokens and scopes")."""

from __future__ import annotations

from resolvers import Principal

__all__ = ["SCOPES", "ScopePolicy"]

SCOPES = {
    "orders:read": "orders, lines, shipments, invoices, refunds, timeline",
    "pii:read": "customer email, phone, address",
    "cases:read": "read service cases",
    "cases:write": "open and comment on service cases",
    "refunds:write": "request refunds and replacements",
    "refunds:approve": "approve or reject refunds held for approval (not one's own)",
    "ops": "source health details, workflow replay",
}


class ScopePolicy:
    """Scopes grant fields; a ``partner_id`` claim confines every read to one channel."""

    def allows(self, principal: Principal, scope: str) -> bool:
        """The token carries ``scope``."""
        return scope in principal.scopes

    def channel_filter(self, principal: Principal) -> str | None:
        """``partner:<id>`` for partner tokens, else ``None`` (every channel)."""
        return f"partner:{principal.partner_id}" if principal.partner_id else None

    def may_see_channel(self, principal: Principal, channel: str) -> bool:
        """Partners see only their own channel; everyone else sees all."""
        only = self.channel_filter(principal)
        return only is None or channel == only
