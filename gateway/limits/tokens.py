"""Maximum tokens: refuse oversized documents before the parser builds them.

Strawberry's ``MaxTokensLimiter`` passes ``max_tokens`` to graphql-core, whose syntax
error states the limit and would be coded BAD_USER_INPUT. This extension counts with
graphql-core's own lexer first (the same tokens the parser counts: punctuators, names,
values; not comments) and stops at the first token past the limit, so an oversized
document costs at most ``limit`` tokens of work and no AST.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Self

from graphql import GraphQLSyntaxError, Lexer, Source, TokenKind
from strawberry.extensions import SchemaExtension

from .document import too_complex

__all__ = ["MaxTokens", "exceeds_tokens"]


def exceeds_tokens(query: str, limit: int) -> bool:
    """``query`` has more than ``limit`` tokens (lexing errors are left to the parser)."""
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if count > limit:
                return True
    except GraphQLSyntaxError:
        return False
    return False


class MaxTokens(SchemaExtension):
    """Refuses documents longer than the limit, before parsing."""

    limit: ClassVar[int] = 2000

    @classmethod
    def configured(cls, limit: int) -> type[Self]:
        """A subclass enforcing ``limit``."""
        return type(cls.__name__, (cls,), {"limit": limit})

    def on_parse(self) -> Iterator[None]:
        """Raising here ends the operation: strawberry returns the error without data."""
        context = self.execution_context
        if (
            context.graphql_document is None
            and context.query is not None
            and exceeds_tokens(context.query, self.limit)
        ):
            raise too_complex("The operation is too large.")
        yield
