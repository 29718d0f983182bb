"""Bounded label values: what may become a Prometheus label, and what is grouped.

A label value is a new time series for every distinct value, so nothing a client or an
upstream chooses freely is used as is: operation names must look like GraphQL names and
only the first ``OPERATION_CAP`` distinct ones are kept (later ones count as
``other``), HTTP paths become the gateway's own route names, and upstream routes are
templates (``sources.route_template``) capped per source.
"""

from __future__ import annotations

import re

__all__ = [
    "ANONYMOUS",
    "OPERATION_CAP",
    "OTHER",
    "ROUTE_CAP",
    "BoundedValues",
    "http_method",
    "http_route",
    "operation_in",
]

OTHER = "other"
ANONYMOUS = "anonymous"
OPERATION_CAP = 100
"""Distinct operation names kept per process; persisted or named operations of real
clients number in the tens."""
ROUTE_CAP = 50
"""Distinct upstream route templates kept per source."""

_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
# The name of the first named operation; graphql-core parses the document later, and the
# label needs no more than this (a name inside a string or comment can only cost a slot).
_FIRST_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
_ROUTES = frozenset({"/graphql", "/subgraph", "/healthz", "/readyz", "/metrics"})
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class BoundedValues:
    """Admits the first ``cap`` distinct values; every later one is ``other``."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._seen: set[str] = set()

    def __call__(self, value: str) -> str:
        """``value`` if it is (or may become) one of the kept ones, else ``other``."""
        if value in self._seen:
            return value
        if len(self._seen) >= self._cap:
            return OTHER
        self._seen.add(value)
        return value


def operation_in(names: BoundedValues, operation_name: str | None, query: str | None) -> str:
    """The operation label of a request: its ``operationName``, else the document's first
    operation name, else ``anonymous``; a malformed or surplus name is ``other``."""
    name = operation_name
    if name is None and query is not None:
        found = _FIRST_OPERATION.search(query)
        name = found.group(1) if found else None
    if name is None:
        return ANONYMOUS
    if not _GRAPHQL_NAME.fullmatch(name):
        return OTHER
    return names(name)


def http_route(path: str) -> str:
    """The route label of a request path: the gateway's own routes, else ``other``."""
    if path in _ROUTES:
        return path
    if path.startswith("/sandbox/"):
        return "/sandbox"
    return OTHER


def http_method(method: str) -> str:
    """The method label: the standard methods, else ``other``."""
    return method if method in _METHODS else OTHER
