"""GraphQL's GetOperation(): without ``operationName`` a document may hold one operation only.

Strawberry 0.341 falls back to the *first* operation when no name is given
(``ExecutionContext.operation_name``), so ``query A {…} query B {…}`` silently runs A.
The spec (and the GraphQL-over-HTTP audits) call that a request error; this extension
adds it back as a validation rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode, ValidationContext, ValidationRule
from strawberry.extensions import SchemaExtension

__all__ = ["OperationSelection"]


class _NameRequired(ValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        definitions = context.document.definitions
        if sum(isinstance(d, OperationDefinitionNode) for d in definitions) > 1:
            context.report_error(
                GraphQLError("Must provide operationName: the document has several operations.")
            )


class OperationSelection(SchemaExtension):
    """Refuses a multi-operation document that names no operation to run."""

    def on_operation(self) -> Iterator[None]:
        """Add the rule only when the request named no operation."""
        context = self.execution_context
        if context._provided_operation_name is None:
            context.validation_rules = (*context.validation_rules, _NameRequired)
        yield
