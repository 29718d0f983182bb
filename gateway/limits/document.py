"""What every static limit shares: fragment-aware walking and the coded refusal.

Each limit walks the document through fragment spreads, because a spread executes its
fragment where it stands (strawberry's alias limiter once skipped them: CVE-2026-47707).
A fragment is evaluated once per key and then multiplied, so a chain of fragments that
each spread the next twice costs linear time to measure, not exponential.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import ClassVar, Self

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

__all__ = ["CAP", "MAX_NESTING", "FragmentMemo", "LimitRule", "operations", "too_complex"]

CAP = 10**12
"""Measures saturate here: far above any limit, and cheap to compare."""
MAX_NESTING = 256
"""Walks deeper than this (through fragments) stop and report CAP."""


def too_complex(message: str) -> GraphQLError:
    """A QUERY_TOO_COMPLEX refusal. Messages never state the configured limit."""
    return GraphQLError(message, extensions={"code": "QUERY_TOO_COMPLEX"})


def operations(document: DocumentNode) -> Iterator[OperationDefinitionNode]:
    """The operation definitions of a document."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            yield definition


class FragmentMemo:
    """The document's named fragments, each measured at most once per key."""

    def __init__(self, document: DocumentNode) -> None:
        self.definitions = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._values: dict[Hashable, int] = {}
        self._active: set[Hashable] = set()

    def measure(
        self, name: str, key: Hashable, compute: Callable[[FragmentDefinitionNode], int]
    ) -> int:
        """``compute(fragment)``, remembered under ``key``; 0 for unknown or cyclic spreads.

        Unknown fragments and cycles are validation errors reported by graphql-core's own
        rules in the same pass; counting them as 0 here keeps the walk finite.
        """
        definition = self.definitions.get(name)
        if definition is None or key in self._active:
            return 0
        if key not in self._values:
            self._active.add(key)
            try:
                self._values[key] = min(compute(definition), CAP)
            finally:
                self._active.discard(key)
        return self._values[key]


def selection_counter(
    document: DocumentNode, score: Callable[[FieldNode], int], *, into_fields: bool
) -> Callable[[SelectionSetNode], int]:
    """A counter of ``score`` over a selection set, through inline fragments and spreads.

    Each named fragment is walked once and its count reused on every spread, so a chain
    of spreads costs linear time. With ``into_fields`` the walk also descends into the
    fields' own selections (aliases anywhere); without, it stays at the top level (root
    fields).
    """
    memo = FragmentMemo(document)

    def count(selection_set: SelectionSetNode, level: int) -> int:
        if level > MAX_NESTING:
            return CAP
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += score(selection)
                if into_fields and selection.selection_set is not None:
                    total += count(selection.selection_set, level + 1)
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set, level + 1)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                total += memo.measure(name, name, lambda f: count(f.selection_set, level + 1))
        return min(total, CAP)

    return lambda selection_set: count(selection_set, 0)


class LimitRule(SchemaExtension):
    """A schema extension that adds one validation rule: ``measure(document) > limit``.

    Subclasses set ``message`` and ``measure``; ``configured(limit)`` binds the limit
    (strawberry instantiates extensions per request without arguments, so the limit
    lives on a class made once at start-up).
    """

    limit: ClassVar[int]
    message: ClassVar[str]
    rule: ClassVar[type[ASTValidationRule]]

    @staticmethod
    def measure(document: DocumentNode) -> int:
        """The quantity this limit bounds."""
        raise NotImplementedError

    @classmethod
    def configured(cls, limit: int) -> type[Self]:
        """A subclass enforcing ``limit``."""
        measure, message = cls.measure, cls.message

        class Rule(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                if measure(context.document) > limit:
                    context.report_error(too_complex(message))

        return type(cls.__name__, (cls,), {"limit": limit, "rule": Rule})

    def on_operation(self) -> Iterator[None]:
        """Add the rule to this operation's validation."""
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, self.rule)
        yield
