"""OData v2 `$filter` parser: comparisons joined by and/or/not, typed against the entity.

Grammar (lowest precedence first):
    expr    := and ('or' and)*
    and     := unary ('and' unary)*
    unary   := 'not' unary | '(' expr ')' | compare
    compare := Property op literal | literal op Property
Literals: 'text' ('' escapes a quote), 12, 249.90M, true, false, null,
datetime'2026-06-01T00:00:00', datetimeoffset'2026-06-01T00:00:00Z'.
Functions (substringof, startswith, …) are rejected with a 400, as is any
literal whose type does not match the property.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.boolean_parser import BooleanParser
from sandbox.erp.entities import EntitySet
from sandbox.erp.errors import ODataError
from sandbox.predicates import Compare, Expr

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<typed>(?:datetimeoffset|datetime|guid|time|X|binary)'(?:[^']|'')*')
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[MmDdFfLl]?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
_NULL = object()


def _invalid(message: str) -> ODataError:
    return ODataError(400, f"Invalid filter expression: {message}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _invalid(f"unexpected character at position {pos + 1}: {text[pos : pos + 12]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _datetime(text: str, offset: bool) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(f"malformed date/time literal {text!r}") from None
    if value.tzinfo is None:
        if offset:
            raise _invalid(f"datetimeoffset literal {text!r} needs an offset or Z")
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def _literal(kind: str, text: str) -> Any:
    if kind == "string":
        return text[1:-1].replace("''", "'")
    if kind == "number":
        try:
            return Decimal(text.rstrip("MmDdFfLl"))
        except InvalidOperation:
            raise _invalid(f"malformed number {text!r}") from None
    if kind == "typed":
        prefix, _, rest = text.partition("'")
        body = rest[:-1].replace("''", "'")
        if prefix in ("datetime", "datetimeoffset"):
            return _datetime(body, prefix == "datetimeoffset")
        raise _invalid(f"{prefix} literals are not supported")
    if text == "true":
        return True
    if text == "false":
        return False
    if text == "null":
        return _NULL
    raise _invalid(f"expected a literal, found {text!r}")


_EXPECTED: dict[str, tuple[type, ...]] = {
    "S": (str,),
    "D": (Decimal,),
    "DT": (datetime.datetime,),
    "DTO": (datetime.datetime,),
    "B": (bool,),
}


class _Parser(BooleanParser):
    def __init__(self, text: str, es: EntitySet) -> None:
        super().__init__(_tokens(text))
        self.es = es

    def invalid(self, message: str) -> Exception:
        return _invalid(message)

    def term(self) -> Expr:
        return self.compare()

    def operand(self) -> tuple[str | None, Any]:
        """(property name, None) or (None, literal value)."""
        kind, text = self.take()
        if kind == "name" and text not in ("true", "false", "null"):
            if self.peek() == ("punct", "("):
                raise _invalid(f"function {text!r} is not supported")
            if text not in self.es.props:
                raise ODataError(400, f"Property {text} not found in type {self.es.type_name}")
            return text, None
        if kind == "punct":
            raise _invalid(f"unexpected {text!r}")
        return None, _literal(kind, text)

    def compare(self) -> Expr:
        left_prop, left_value = self.operand()
        kind, op = self.take()
        if kind != "name" or op not in _OPS:
            raise _invalid(f"expected a comparison operator, found {op!r}")
        right_prop, right_value = self.operand()
        if left_prop is not None and right_prop is None:
            prop, value = left_prop, right_value
        elif right_prop is not None and left_prop is None:
            prop, value, op = right_prop, left_value, _FLIP[op]
        else:
            raise _invalid("a comparison needs one property and one literal")
        if value is _NULL:
            if op not in ("eq", "ne"):
                raise _invalid(f"null cannot be compared with {op}")
            return Compare(prop, op, None)
        edm = self.es.props[prop]
        if not isinstance(value, _EXPECTED[edm]) or (edm != "B" and isinstance(value, bool)):
            raise _invalid(f"literal {value!r} does not match the type of {prop}")
        return Compare(prop, op, value)


def parse_filter(text: str, es: EntitySet) -> Expr:
    """Parse and type-check a `$filter` for entity set `es`; raises ODataError (400)."""
    if not text.strip():
        raise _invalid("empty expression")
    return _Parser(text, es).parse()
