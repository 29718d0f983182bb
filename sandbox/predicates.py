"""Filter expressions shared by the OData `$filter` and SOQL `WHERE` parsers.

Both parsers produce this small AST over *typed* values; evaluation compiles it
to a closure once per request. `candidates()` finds the index lookups an
expression implies (`K eq 'a' or K eq 'b'`, `K IN (...)`), so a 50-key batch
read touches 50 index entries instead of scanning every row.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from typing import Any

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: str  # eq, ne, lt, le, gt, ge, like (value is then a compiled regex)
    value: Any


@dataclass(frozen=True, slots=True)
class InList:
    field: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    # n-ary, so a 1,000-term `or` chain is one flat node, not 1,000 nested ones.
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


Expr = Compare | InList | And | Or | Not
MAX_DEPTH = 64  # parentheses / `not` nesting the parsers accept


def any_of(parts: list[Expr]) -> Expr:
    return parts[0] if len(parts) == 1 else Or(tuple(parts))


def all_of(parts: list[Expr]) -> Expr:
    return parts[0] if len(parts) == 1 else And(tuple(parts))


_ORDERING = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}
Transform = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def compile_predicate(expr: Expr, transforms: Mapping[str, Transform] | None = None) -> Predicate:
    """A function row -> bool. `transforms[field]` maps a row value before comparing
    (SOQL compares text case-insensitively, ids by their 15-character form)."""
    transforms = transforms or {}

    def build(node: Expr) -> Predicate:
        if isinstance(node, And):
            every = [build(operand) for operand in node.operands]
            return lambda row: all(check(row) for check in every)
        if isinstance(node, Or):
            some = [build(operand) for operand in node.operands]
            return lambda row: any(check(row) for check in some)
        if isinstance(node, Not):
            inner = build(node.operand)
            return lambda row: not inner(row)
        get = transforms.get(node.field, _identity)
        name = node.field
        if isinstance(node, InList):
            members = set(node.values)
            if node.negate:
                return lambda row: get(row.get(name)) not in members
            return lambda row: get(row.get(name)) in members
        return _comparison(name, node.op, node.value, get)

    return build(expr)


def _comparison(name: str, op: str, value: Any, get: Transform) -> Predicate:
    if op == "eq":
        return lambda row: get(row.get(name)) == value
    if op == "ne":
        return lambda row: get(row.get(name)) != value
    if op == "like":
        pattern: re.Pattern[str] = value

        def like(row: Row) -> bool:
            current = get(row.get(name))
            return isinstance(current, str) and pattern.fullmatch(current) is not None

        return like
    compare = _ORDERING[op]

    def ordered(row: Row) -> bool:
        current = get(row.get(name))
        # Ordering against null is never true, as in both OData and SOQL.
        return current is not None and value is not None and bool(compare(current, value))

    return ordered


def candidates(expr: Expr, indexed: Container[str]) -> tuple[str, list[Any]] | None:
    """(field, values) such that every matching row has field in values, if the
    expression implies it for an indexed field; None when a scan is needed."""
    if isinstance(expr, Compare):
        if expr.op == "eq" and expr.field in indexed:
            return expr.field, [expr.value]
        return None
    if isinstance(expr, InList):
        if not expr.negate and expr.field in indexed:
            return expr.field, list(expr.values)
        return None
    if isinstance(expr, Or):
        parts = [candidates(operand, indexed) for operand in expr.operands]
        fields = {part[0] for part in parts if part is not None}
        if None in parts or len(fields) != 1:
            return None
        return fields.pop(), [value for part in parts if part is not None for value in part[1]]
    if isinstance(expr, And):
        found = [part for operand in expr.operands if (part := candidates(operand, indexed))]
        return min(found, key=lambda part: len(part[1])) if found else None
    return None


def like_pattern(pattern: str) -> re.Pattern[str]:
    """SOQL LIKE: % any run, _ one character, case-insensitive."""
    parts = []
    for char in pattern:
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
