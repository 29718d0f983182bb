"""Maximum depth: how deeply object fields nest, through fragments.

Only fields with a selection set count (``{ order { customer { name } } }`` is 2), so
the limit reads as "levels of objects". The root meta-fields ``__schema`` and ``__type``
are skipped in development, where GraphiQL's own introspection query nests ``ofType``
eight deep; they cost no upstream call and production refuses them outright. Skipping
goes by *field* name at the root only: naming an operation or a fragment ``__schema``
changes nothing (graphql-armor's GHSA-733v-p3h5-qpq7 was exactly that).
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

__all__ = ["MaxDepth", "query_depth"]

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


def query_depth(document: DocumentNode) -> int:
    """The deepest object nesting over every operation of ``document``."""
    memo = FragmentMemo(document)

    def depth(selection_set: SelectionSetNode, at_root: bool, level: int) -> int:
        if level > MAX_NESTING:
            return CAP
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is None or (
                    at_root and selection.name.value in _INTROSPECTION_ROOTS
                ):
                    continue
                deepest = max(deepest, 1 + depth(selection.selection_set, False, level + 1))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, depth(selection.selection_set, at_root, level + 1))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                deepest = max(
                    deepest,
                    memo.measure(
                        name,
                        (name, at_root),
                        lambda f: depth(f.selection_set, at_root, level + 1),
                    ),
                )
        return deepest

    return max((depth(op.selection_set, True, 0) for op in operations(document)), default=0)


class MaxDepth(LimitRule):
    """Refuses operations nested deeper than the limit."""

    message = "The operation is nested too deeply."
    measure = staticmethod(query_depth)
