"""Maximum tokens: refuse oversized documents before the parser builds them.

Strawberry's ``MaxTokensLimiter`` passes ``max_tokens`` to graphql-core, whose syntax
error states the limit and would be coded BAD_USER_INPUT. This extension counts with
graphql-core's own lexer first (the same tokens the parser counts: punctuators, names,
values; not comments) and stops at the first token past the limit, so an oversized
document costs at most ``limit`` tokens of work and no AST.

Documents found within the limit are remembered (an LRU of their texts), so a client that
sends the same operation again, the normal case, is not lexed twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Self

from cachetools import LRUCache
from graphql import GraphQLSyntaxError, Lexer, Source, TokenKind
from strawberry.extensions import SchemaExtension

from .document import too_complex

__all__ = ["MaxTokens", "exceeds_tokens"]

# As many texts as the parser cache keeps documents.
KNOWN_DOCUMENTS = 256


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
    # Texts already counted and found within ``limit`` (one cache per configured class).
    within: ClassVar[LRUCache[str, bool]] = LRUCache(KNOWN_DOCUMENTS)

    @classmethod
    def configured(cls, limit: int) -> type[Self]:
        """A subclass enforcing ``limit``."""
        fields = {"limit": limit, "within": LRUCache[str, bool](KNOWN_DOCUMENTS)}
        return type(cls.__name__, (cls,), fields)

    def _too_large(self, query: str) -> bool:
        if query in self.within:
            return False
        if exceeds_tokens(query, self.limit):
            return True
        self.within[query] = True
        return False

    def on_parse(self) -> Iterator[None]:
        """Raising here ends the operation: strawberry returns the error without data."""
        context = self.execution_context
        if (
            context.graphql_document is None
            and context.query is not None
            and self._too_large(context.query)
        ):
            raise too_complex("The operation is too large.")
        yield
