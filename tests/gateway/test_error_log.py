"""The error log: a traceback only for INTERNAL; expected refusals are not errors.

A refusal the contract promises (a missing scope, a hidden or missing order, bad input,
a limit) is an answer, not a fault: before, each FORBIDDEN was logged at ERROR with a
traceback (128 of them in one fuzz run), burying the real faults.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import GraphQLError

from gateway.errors import log_errors
from resolvers import Forbidden
from sources import SourceUnavailable

ORDER = (
    "query($n: String!) { order(number: $n) { number customer { name email } cases { number } } }"
)


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_expected_refusals_log_no_error_and_no_traceback(
    gateway: httpx.AsyncClient,
    token: Callable[..., str],
    world: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    order = next(o for o in world.orders if o.channel == "web" and o.cases and o.customer)
    asks: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
        # (what, query, variables, token options) -> the refusal it must produce
        ("orders:read cases:read", ORDER, {"n": order.name}, {}),  # PII: FORBIDDEN
        ("orders:read", ORDER, {"n": order.name}, {}),  # PII and cases: FORBIDDEN
        ("orders:read pii:read", "{ sources { name } }", {}, {}),  # ops: FORBIDDEN
        ("pii:read", ORDER, {"n": order.name}, {}),  # orders:read: FORBIDDEN
        ("orders:read", ORDER, {"n": "#99999999"}, {}),  # NOT_FOUND
        ("orders:read", ORDER, {"n": order.name}, {"partner": "acme"}),  # hidden: NOT_FOUND
        ("orders:read", '{ order(number: "#1", id: "x") { number } }', {}, {}),  # input
        ("orders:read", "{ orders(first: 0) { edges { cursor } } }", {}, {}),  # input
    ]
    codes: set[str] = set()
    for scope, query, variables, options in asks:
        headers = {"Authorization": f"Bearer {token(scope, **options)}"}
        response = await gateway.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        errors = response.json()["errors"]
        codes |= {e["extensions"]["code"] for e in errors}
    assert codes == {"FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT"}
    assert tracebacks(caplog) == []
    refused = [r for r in caplog.records if r.name == "order360.errors"]
    assert refused, "refusals stay visible at DEBUG"
    assert all(r.levelno == logging.DEBUG for r in refused)


def _at_field(original: Exception) -> GraphQLError:
    return GraphQLError(str(original), path=["order", "customer"], original_error=original)


def test_only_unexpected_errors_get_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="order360.errors")
    permission = GraphQLError("This field needs the pii:read scope.")
    permission.extensions = {"code": "FORBIDDEN"}  # as strawberry's permission raises it
    log_errors(
        [
            _at_field(permission),
            _at_field(Forbidden("This needs ops.")),
            _at_field(SourceUnavailable("crm", "503 from upstream")),
        ]
    )
    assert [(r.levelno, bool(r.exc_info)) for r in caplog.records] == [
        (logging.DEBUG, False),
        (logging.DEBUG, False),
        (logging.WARNING, False),
    ]
    caplog.clear()
    uncoded = GraphQLError("no code")  # a GraphQLError raised without one of our codes
    log_errors([_at_field(ValueError("bug")), _at_field(uncoded)])
    assert [(r.levelno, bool(r.exc_info)) for r in caplog.records] == [
        (logging.ERROR, True),
        (logging.ERROR, True),
    ]
