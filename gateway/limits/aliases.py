"""Maximum aliases, counted through fragment spreads (CVE-2026-47707).

Every alias is one more execution of its field, so a fragment holding aliases counts
once per spread: ``fragment A { a1: x ... a10: x }`` spread three times in B, and B
three times in C, is 90 aliases. Strawberry 0.341's ``MaxAliasesLimiter`` follows
spreads too, but re-walks a fragment on every spread (exponential in the length of a
spread chain); this walk remembers each fragment's count.
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

__all__ = ["MaxAliases", "alias_count"]


def alias_count(document: DocumentNode) -> int:
    """Aliases over every operation of ``document``, each spread counting its fragment."""
    memo = FragmentMemo(document)

    def count(selection_set: SelectionSetNode, level: int) -> int:
        if level > MAX_NESTING:
            return CAP
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 if selection.alias else 0
                if selection.selection_set is not None:
                    total += count(selection.selection_set, level + 1)
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set, level + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                total += memo.measure(name, name, lambda f: count(f.selection_set, level + 1))
        return min(total, CAP)

    return min(sum(count(op.selection_set, 0) for op in operations(document)), CAP)


class MaxAliases(LimitRule):
    """Refuses documents with more aliases than the limit."""

    message = "The operation uses too many aliases."
    measure = staticmethod(alias_count)
