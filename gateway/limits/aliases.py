"""Maximum aliases, counted through fragment spreads (CVE-2026-47707).

Every alias is one more execution of its field, so a fragment holding aliases counts
once per spread: ``fragment A { a1: x ... a10: x }`` spread three times in B, and B
three times in C, is 90 aliases. Strawberry 0.341's ``MaxAliasesLimiter`` follows
spreads too, but re-walks a fragment on every spread (exponential in the length of a
spread chain); this walk remembers each fragment's count.
"""

from __future__ import annotations

from graphql import DocumentNode

from .document import CAP, LimitRule, operations, selection_counter

__all__ = ["MaxAliases", "alias_count"]


def alias_count(document: DocumentNode) -> int:
    """Aliases over every operation of ``document``, each spread counting its fragment."""
    count = selection_counter(document, lambda field: 1 if field.alias else 0, into_fields=True)
    return min(sum(count(op.selection_set) for op in operations(document)), CAP)


class MaxAliases(LimitRule):
    """Refuses documents with more aliases than the limit."""

    message = "The operation uses too many aliases."
    measure = staticmethod(alias_count)
