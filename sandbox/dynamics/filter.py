"""OData v4 `$filter`, the part F&O integrations use: comparisons and `in`, joined by
`and`, `or`, `not` and parentheses, over string, number, boolean and enum literals.

Grammar (lowest precedence first):
    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | '(' expr ')' | term
    term    := Property op literal | Property 'in' '(' literal (',' literal)* ')'
Enum literals (`Microsoft.Dynamics.DataEntities.NoYes'Yes'`) compare as their symbol.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sandbox.dynamics.errors import DynamicsError
from sandbox.predicates import MAX_DEPTH, Compare, Expr, InList, Not, all_of, any_of

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<enum>[A-Za-z_][\w.]*'(?:[^']|'')*')
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_]\w*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
_LITERAL_KINDS = {"enum", "string", "number"}


def _invalid(message: str) -> DynamicsError:
    return DynamicsError(400, f"The query specified in the URI is not valid. {message}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos, text = 0, text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _invalid(f"Syntax error at position {pos}.")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _literal(kind: str, text: str) -> Any:
    if kind == "number":
        return Decimal(text)
    if kind == "name" and text in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[text]
    quoted = text[text.index("'") :]
    return quoted[1:-1].replace("''", "'")


class _Parser:
    def __init__(self, text: str, properties: set[str]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.properties = properties
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _invalid("Unexpected end of expression.")
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "name" and token[1] == word:
            self.pos += 1
            return True
        return False

    def punct(self, char: str) -> bool:
        if self.peek() == ("punct", char):
            self.pos += 1
            return True
        return False

    def expr(self) -> Expr:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return any_of(parts)

    def conjunction(self) -> Expr:
        parts = [self.unary()]
        while self.keyword("and"):
            parts.append(self.unary())
        return all_of(parts)

    def unary(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _invalid("The expression is nested too deeply.")
        try:
            if self.keyword("not"):
                return Not(self.unary())
            if self.punct("("):
                inner = self.expr()
                if not self.punct(")"):
                    raise _invalid("')' expected.")
                return inner
            return self.term()
        finally:
            self.depth -= 1

    def value(self) -> Any:
        kind, text = self.take()
        if kind in _LITERAL_KINDS or (kind == "name" and text in ("true", "false", "null")):
            return _literal(kind, text)
        raise _invalid(f"A literal was expected, found '{text}'.")

    def term(self) -> Expr:
        kind, name = self.take()
        if kind != "name":
            raise _invalid(f"A property was expected, found '{name}'.")
        if name not in self.properties:
            raise _invalid(f"Could not find a property named '{name}'.")
        if self.keyword("in"):
            if not self.punct("("):
                raise _invalid("'(' expected after 'in'.")
            values = [self.value()]
            while self.punct(","):
                values.append(self.value())
            if not self.punct(")"):
                raise _invalid("')' expected.")
            return InList(name, tuple(values))
        op_kind, op = self.take()
        if op_kind != "name" or op not in _OPS:
            raise _invalid(f"An operator was expected, found '{op}'.")
        return Compare(name, op, self.value())


def parse_filter(text: str, properties: set[str]) -> Expr:
    """The expression of a `$filter` over an entity with `properties`."""
    parser = _Parser(text, properties)
    expr = parser.expr()
    if parser.peek() is not None:
        raise _invalid(f"Syntax error at '{parser.peek()[1]}'.")  # type: ignore[index]
    return expr
