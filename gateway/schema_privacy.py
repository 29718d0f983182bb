"""Production keeps the schema to itself: no introspection, no "Did you mean" hints.

OWASP's GraphQL cheat sheet and Apollo both turn these off in production: with
suggestions on, an attacker can rebuild most of a schema from typos alone. graphql-core
writes suggestions into the messages of several validation rules and of variable
coercion (unknown field, argument, type, enum value, input field), so the hint is cut
from every message at the end of the operation, the way Apollo's
``hideSchemaDetailsFromClientErrors`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

__all__ = ["SchemaPrivacy", "without_suggestions"]

# Suggestions list GraphQL names, which never contain "?", and may sit mid-message
# ("... Did you mean 'status'? Found: {...}.").
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    """``message`` without graphql-core's "Did you mean ...?" hint."""
    return _SUGGESTION.sub("", message)


class SchemaPrivacy(SchemaExtension):
    """Refuses ``__schema``/``__type`` (``__typename`` stays) and strips suggestions."""

    def on_operation(self) -> Iterator[None]:
        """Add the introspection rule; clean the messages once the result exists."""
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, NoSchemaIntrospectionCustomRule)
        yield
        result = context.result
        if result is None or not result.errors:
            return
        result.errors = [
            GraphQLError(
                without_suggestions(error.message),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=error.original_error,
                extensions=error.extensions,
            )
            for error in result.errors
        ]
