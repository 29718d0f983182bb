"""The boolean skeleton the OData `$filter` parsers share: `or`, `and`, `not` and
parentheses over terms each dialect parses itself (SAP's v2 comparisons, F&O's v4
comparisons and `in`), into the `sandbox.predicates` AST.

    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | '(' expr ')' | term
"""

from __future__ import annotations

from sandbox.predicates import MAX_DEPTH, Expr, Not, all_of, any_of

Token = tuple[str, str]  # (kind, text); keywords and properties are kind "name"


class BooleanParser:
    """Recursive descent over `tokens`; subclasses give `term` and `invalid`."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def invalid(self, message: str) -> Exception:
        """The dialect's error for a malformed expression."""
        raise NotImplementedError

    def term(self) -> Expr:
        """One comparison (or other leaf) of the dialect."""
        raise NotImplementedError

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.invalid("unexpected end of expression")
        self.pos += 1
        return token

    def word(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "name" and token[1] in words:
            self.pos += 1
            return True
        return False

    def parse(self) -> Expr:
        expr = self.expr()
        leftover = self.peek()
        if leftover is not None:
            raise self.invalid(f"unexpected {leftover[1]!r}")
        return expr

    def expr(self) -> Expr:
        parts = [self.conjunction()]
        while self.word("or"):
            parts.append(self.conjunction())
        return any_of(parts)

    def conjunction(self) -> Expr:
        parts = [self.unary()]
        while self.word("and"):
            parts.append(self.unary())
        return all_of(parts)

    def unary(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.invalid("expression nested too deeply")
        try:
            if self.word("not"):
                return Not(self.unary())
            if self.peek() == ("punct", "("):
                self.pos += 1
                node = self.expr()
                if self.take() != ("punct", ")"):
                    raise self.invalid("missing ')'")
                return node
            return self.term()
        finally:
            self.depth -= 1
