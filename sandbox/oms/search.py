"""Shopify's customer search (`customers/search.json?query=...`), the subset the sandbox speaks."""

from __future__ import annotations

from sandbox.world import Customer, World


def search(world: World, query: str) -> list[Customer]:
    """Shopify's customer search subset: `field:value` terms (email, first_name, last_name,
    phone, id) and bare words matched against name and email; all terms must match."""
    terms = query.split()
    if not terms:
        return list(world.customers)
    candidates = world.customers
    for term in terms:
        field, sep, value = term.partition(":")
        value = value.strip('"').lower() if sep else field.lower()
        if sep and field == "email":
            hit = world.customer_by_email.get(value)
            candidates = [c for c in candidates if c is hit]
        elif sep and field in ("first_name", "last_name", "phone"):
            candidates = [c for c in candidates if str(getattr(c, field)).lower() == value]
        elif sep and field == "id":
            candidates = [c for c in candidates if str(c.shopify_id) == value]
        else:
            candidates = [c for c in candidates if value in f"{c.name} {c.email}".lower()]
    return candidates
