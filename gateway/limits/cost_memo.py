"""Cost estimates remembered per document, so a repeated operation is priced once.

An estimate is a pure function of the schema, the document, the operation name and the
variables that some ``first`` argument (or a batch's list of keys) reads. Other
variables (an order number, a cursor) cannot change it, so the memo keys on the page-size
inputs alone: a client that asks for order after order with the same document is priced
on its first request only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from cachetools import LRUCache
from graphql import DocumentNode, GraphQLSchema

from .cost import estimate_cost_reading

__all__ = ["CostMemo"]

_ABSENT = object()


def _page_input(variables: Mapping[str, Any], name: str) -> Hashable:
    """What the estimator can see of one variable: its integer, a list's length, absence,
    or anything else."""
    value = variables.get(name, _ABSENT)
    if type(value) is int:
        return value
    if isinstance(value, list):
        return ("list", len(value))
    return "absent" if value is _ABSENT else "not an integer"


class CostMemo:
    """An LRU of estimates keyed by document text, operation and page-size inputs."""

    def __init__(self, size: int = 256) -> None:
        self._inputs: LRUCache[tuple[str, str | None], tuple[str, ...]] = LRUCache(size)
        self._costs: LRUCache[Hashable, int] = LRUCache(size * 4)

    def estimate(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The same number as ``estimate_cost``, computed once per distinct input."""
        variables = variables or {}
        shape = (query, operation_name)
        names = self._inputs.get(shape)
        if names is not None:
            cost = self._costs.get((shape, tuple(_page_input(variables, n) for n in names)))
            if cost is not None:
                return cost
        cost, read = estimate_cost_reading(schema, document, operation_name, variables)
        names = tuple(sorted(read))
        self._inputs[shape] = names
        self._costs[(shape, tuple(_page_input(variables, n) for n in names))] = cost
        return cost
