"""Maximum root fields: how many top-level fields one operation selects.

Each root field is an independent entry point (an order lookup, a page of orders), so
this bounds the fan-out of a single request before the cost rule prices it. Fields
reached through root-level fragments count once per spread.
"""

from __future__ import annotations

from graphql import DocumentNode

from .document import LimitRule, operations, selection_counter

__all__ = ["MaxRootFields", "root_field_count"]


def root_field_count(document: DocumentNode) -> int:
    """The most root fields any one operation of ``document`` selects."""
    count = selection_counter(document, lambda field: 1, into_fields=False)
    return max((count(op.selection_set) for op in operations(document)), default=0)


class MaxRootFields(LimitRule):
    """Refuses operations that select more root fields than the limit."""

    message = "The operation selects too many root fields."
    measure = staticmethod(root_field_count)
