"""Maximum root fields: how many top-level fields one operation selects.

Each root field is an independent entry point (an order lookup, a page of orders), so
this bounds the fan-out of a single request before the cost rule prices it. Fields
reached through root-level fragments count once per spread.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from .document import CAP, MAX_NESTING, FragmentMemo, LimitRule, operations

__all__ = ["MaxRootFields", "root_field_count"]


def root_field_count(document: DocumentNode) -> int:
    """The most root fields any one operation of ``document`` selects."""
    memo = FragmentMemo(document)

    def count(selection_set: SelectionSetNode, level: int) -> int:
        if level > MAX_NESTING:
            return CAP
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set, level + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                total += memo.measure(name, name, lambda f: count(f.selection_set, level + 1))
        return min(total, CAP)

    return max((count(op.selection_set, 0) for op in operations(document)), default=0)


class MaxRootFields(LimitRule):
    """Refuses operations that select more root fields than the limit."""

    message = "The operation selects too many root fields."
    measure = staticmethod(root_field_count)
