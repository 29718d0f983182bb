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

from sandbox.boolean_parser import BooleanParser
from sandbox.dynamics.errors import DynamicsError
from sandbox.predicates import Compare, Expr, InList

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


class _Parser(BooleanParser):
    def __init__(self, text: str, properties: set[str]) -> None:
        super().__init__(_tokens(text))
        self.properties = properties

    def invalid(self, message: str) -> Exception:
        return _invalid(message)

    def punct(self, char: str) -> bool:
        if self.peek() == ("punct", char):
            self.pos += 1
            return True
        return False

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
        if self.word("in"):
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
    return _Parser(text, properties).parse()
