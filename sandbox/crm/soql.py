"""A SOQL subset, parsed and type-checked against the schema.

    SELECT f1, f2 FROM Object [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
    [LIMIT n] [OFFSET n]

cond combines `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `LIKE`, `IN (...)`, `NOT IN (...)`
with AND, OR, NOT and parentheses. Literals: 'text' (backslash escapes),
numbers, true/false/null, 2026-06-01 and 2026-06-01T00:00:00Z. Keywords, objects
and fields are case-insensitive. Errors carry Salesforce's codes and its
"ERROR at Row:1:Column:N" messages: MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from sandbox.crm.schema import FIELD_NAMES, OBJECT_NAMES, OBJECTS, transform
from sandbox.crm.soql_tokens import SoqlError, Token, error_at, tokenize, unquote
from sandbox.predicates import (
    MAX_DEPTH,
    Compare,
    Expr,
    InList,
    Not,
    all_of,
    any_of,
    like_pattern,
)

_OPS = {"=": "eq", "!=": "ne", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_TYPE_NAMES = {
    "bool": "boolean",
    "datetime": "dateTime",
    "date": "date",
    "id": "id",
    "text": "string",
}


@dataclass(slots=True)
class Query:
    obj: str
    fields: list[str]
    where: Expr | None = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)  # field, desc, nulls first
    limit: int | None = None
    offset: int = 0


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.obj = ""
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def malformed(self, token: Token | None, message: str | None = None) -> SoqlError:
        if token is None:
            return SoqlError("MALFORMED_QUERY", message or "unexpected end of query")
        return SoqlError(
            "MALFORMED_QUERY",
            error_at(self.text, token.pos, message or f"unexpected token: '{token.text}'"),
        )

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.malformed(None)
        self.i += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.upper() in words:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            raise self.malformed(self.peek())

    def field(self, token: Token) -> str:
        if token.kind != "word":
            raise self.malformed(token)
        name = FIELD_NAMES[self.obj].get(token.text.lower())
        if name is None:
            message = (
                f"No such column '{token.text}' on entity '{self.obj}'. If you are attempting to "
                "use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names."
            )
            raise SoqlError("INVALID_FIELD", error_at(self.text, token.pos, message))
        return name

    def parse(self) -> Query:
        self.expect("SELECT")
        raw_fields = [self.select_item()]
        while self.punct(","):
            raw_fields.append(self.select_item())
        self.expect("FROM")
        obj_token = self.take()
        obj = OBJECT_NAMES.get(obj_token.text.lower()) if obj_token.kind == "word" else None
        if obj is None:
            message = (
                f"sObject type '{obj_token.text}' is not supported. If you are attempting to use "
                "a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names."
            )
            raise SoqlError("INVALID_TYPE", error_at(self.text, obj_token.pos, message))
        self.obj = obj
        fields = list(dict.fromkeys(self.field(t) for t in raw_fields))
        query = Query(obj, fields)
        if self.keyword("WHERE"):
            query.where = self.condition()
        if self.keyword("ORDER"):
            self.expect("BY")
            query.order.append(self.order_item())
            while self.punct(","):
                query.order.append(self.order_item())
        if self.keyword("LIMIT"):
            query.limit = self.integer()
        if self.keyword("OFFSET"):
            query.offset = self.integer()
        if self.peek() is not None:
            raise self.malformed(self.peek())
        return query

    def select_item(self) -> Token:
        token = self.take()
        if token.kind != "word" or token.text.upper() == "FROM":
            raise self.malformed(token)
        return token

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "punct" and token.text == char:
            self.i += 1
            return True
        return False

    def integer(self) -> int:
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise self.malformed(token)
        return int(token.text)

    def order_item(self) -> tuple[str, bool, bool]:
        name = self.field(self.take())
        desc = self.keyword("DESC")
        if not desc:
            self.keyword("ASC")
        nulls_first = not desc
        if self.keyword("NULLS"):
            if self.keyword("FIRST"):
                nulls_first = True
            elif self.keyword("LAST"):
                nulls_first = False
            else:
                raise self.malformed(self.peek())
        return name, desc, nulls_first

    def condition(self) -> Expr:
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return any_of(parts)

    def conjunction(self) -> Expr:
        parts = [self.unary()]
        while self.keyword("AND"):
            parts.append(self.unary())
        return all_of(parts)

    def unary(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.malformed(self.peek(), "expression nested too deeply")
        try:
            if self.keyword("NOT"):
                return Not(self.unary())
            if self.punct("("):
                node = self.condition()
                if not self.punct(")"):
                    raise self.malformed(self.peek())
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Expr:
        token = self.take()
        name = self.field(token)
        kind = OBJECTS[self.obj][name]
        norm = transform(kind)
        negate = self.keyword("NOT")
        if self.keyword("IN"):
            if not self.punct("("):
                raise self.malformed(self.peek())
            values = [norm(self.value(name, kind))]
            while self.punct(","):
                values.append(norm(self.value(name, kind)))
            if not self.punct(")"):
                raise self.malformed(self.peek())
            return InList(name, tuple(values), negate)
        if negate:
            raise self.malformed(self.tokens[self.i - 1])
        if self.keyword("LIKE"):
            pattern = self.take()
            if pattern.kind != "string":
                raise self.malformed(pattern)
            return Compare(name, "like", like_pattern(unquote(pattern.text)))
        op_token = self.take()
        if op_token.kind != "op":
            raise self.malformed(op_token)
        return Compare(name, _OPS[op_token.text], norm(self.value(name, kind)))

    def value(self, name: str, kind: str) -> Any:
        token = self.take()
        word = token.text.lower() if token.kind == "word" else ""
        if word == "null":
            return None
        expected = {
            "bool": word in ("true", "false"),
            "datetime": token.kind == "datetime",
            "date": token.kind == "date",
        }.get(kind, token.kind == "string")
        if not expected:
            quoted = "" if kind in ("text", "id") else " and should not be enclosed in quotes"
            message = (
                f"value of filter criterion for field '{name}' must be of type "
                f"{_TYPE_NAMES[kind]}{quoted}"
            )
            raise SoqlError("INVALID_FIELD", error_at(self.text, token.pos, message))
        if kind == "bool":
            return word == "true"
        if kind == "datetime":
            return datetime.datetime.fromisoformat(token.text.replace("Z", "+00:00"))
        if kind == "date":
            return datetime.date.fromisoformat(token.text)
        return unquote(token.text)


def parse_soql(text: str) -> Query:
    """Parse a SOQL statement; raises SoqlError with Salesforce's error code."""
    if not text.strip():
        raise SoqlError("MALFORMED_QUERY", "A query string has to be specified")
    return _Parser(text).parse()
