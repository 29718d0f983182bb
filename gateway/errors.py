"""Error coding: every entry of ``errors[]`` leaves with a code from CONTRACT.md.

| raised                               | extensions.code               | message                 |
|--------------------------------------|-------------------------------|-------------------------|
| sources.SourceTimeout                | SOURCE_TIMEOUT + source       | fixed, names the system |
| sources.SourceUnavailable            | SOURCE_UNAVAILABLE + source   | fixed, names the system |
| sources.SourceThrottled              | SOURCE_THROTTLED + source     | fixed, names the system |
| sources.SourceBadResponse            | SOURCE_BAD_RESPONSE + source  | fixed, names the system |
| sources.NotFound                     | NOT_FOUND                     | fixed                   |
| sources.BadRequestInput              | BAD_USER_INPUT, no source     | fixed                   |
| sources.TooManyUpstreamCalls         | QUERY_TOO_COMPLEX, no source  | fixed                   |
| sources.JournalUnavailable           | SOURCE_UNAVAILABLE + source   | fixed, says retry       |
|                                      | "journal", retryAfterSeconds  |                         |
| resolvers.CodedError                 | its code                      | its message             |
| permission denial (code already set) | FORBIDDEN                     | the permission's        |
| parse / validation / variable errors | BAD_USER_INPUT                | graphql-core's          |
| anything else                        | INTERNAL                      | fixed; logged in full   |

Upstream URLs, bodies and stack traces never reach the client; the log keeps them
with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from resolvers import CodedError
from sources import JournalUnavailable, NotFound, SourceError, SourceThrottled

__all__ = ["CodedErrors", "code_error", "log_errors"]

log = logging.getLogger("order360.errors")

_SYSTEMS = {"erp": "ERP", "oms": "order management system", "crm": "CRM", "carrier": "carrier"}
_SOURCE_MESSAGES = {
    "SOURCE_TIMEOUT": "The {system} did not answer in time.",
    "SOURCE_UNAVAILABLE": "The {system} is unavailable.",
    "SOURCE_THROTTLED": "The {system} is limiting requests; try again shortly.",
    "SOURCE_BAD_RESPONSE": "The {system} sent an answer that could not be read.",
}
# The request's own fault, found at the source boundary (sources.BadRequestInput,
# sources.TooManyUpstreamCalls): no system is named, since none failed.
_REQUEST_MESSAGES = {
    "BAD_USER_INPUT": "The request holds a value that cannot be sent (invalid text or too long).",
    "QUERY_TOO_COMPLEX": "This request needs more upstream calls than allowed.",
}
KNOWN_CODES = frozenset(
    {
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_USER_INPUT",
        "QUERY_TOO_COMPLEX",
        "RATE_LIMITED",
        "PERSISTED_QUERY_NOT_FOUND",
        "SOURCE_UNAVAILABLE",
        "SOURCE_TIMEOUT",
        "SOURCE_THROTTLED",
        "SOURCE_BAD_RESPONSE",
        "INTERNAL",
    }
)


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def code_error(error: GraphQLError) -> GraphQLError:
    """The client-safe, coded version of one error."""
    original = error.original_error
    if isinstance(original, NotFound):
        return _with(error, "Not found.", {"code": "NOT_FOUND"})
    if isinstance(original, SourceError) and original.code in _REQUEST_MESSAGES:
        return _with(error, _REQUEST_MESSAGES[original.code], {"code": original.code})
    if isinstance(original, SourceError):
        message = _SOURCE_MESSAGES[original.code].format(system=_SYSTEMS[original.source])
        extensions: dict[str, Any] = {"code": original.code, "source": original.source}
        if isinstance(original, SourceThrottled) and original.retry_after is not None:
            extensions["retryAfterSeconds"] = round(original.retry_after, 3)
        return _with(error, message, extensions)
    if isinstance(original, JournalUnavailable):
        # A mutation that meets it leaves with 503 and Retry-After (gateway.execution).
        return _with(
            error,
            "The process journal is unavailable; retry with the same idempotency key.",
            {
                "code": original.code,
                "source": original.source,
                "retryAfterSeconds": round(original.retry_after_s, 3),
            },
        )
    if isinstance(original, CodedError):
        return _with(error, original.message, {"code": original.code})
    if (
        isinstance(original, GraphQLError)
        and (original.extensions or {}).get("code") in KNOWN_CODES
    ):
        # Raised already coded (e.g. a permission denial): keep its message and code.
        return _with(error, original.message, dict(original.extensions or {}))
    code = (error.extensions or {}).get("code")
    if original is None and code in KNOWN_CODES:
        return error
    if _is_request_error(error):
        return _with(error, error.message, {"code": "BAD_USER_INPUT"})
    return _with(error, "Internal server error.", {"code": "INTERNAL"})


def _is_request_error(error: GraphQLError) -> bool:
    """Parse, validation and variable-coercion errors: about the request, safe to show.

    graphql-core's coercion errors carry the scalar's exception as ``original_error``
    but point at the variable definition (``nodes``) and have no ``path``; an exception
    escaping an extension hook has neither, and stays INTERNAL.
    """
    return error.path is None and (error.original_error is None or bool(error.nodes))


def log_errors(errors: list[GraphQLError]) -> None:
    """Log by what the client is told: a traceback only for INTERNAL.

    A refusal with any other code is an outcome the contract promises (a missing scope,
    a hidden order, bad input, a limit): a one-line DEBUG entry, so a fuzz run or a
    misconfigured client cannot bury real faults under tracebacks. A failed upstream
    is one WARNING line, with the path and the source's own description.
    """
    for error in errors:
        code = (code_error(error).extensions or {}).get("code")
        original = error.original_error
        if code == "INTERNAL":
            log.error("unexpected error at %s", error.path, exc_info=original or error)
        elif isinstance(original, JournalUnavailable) or (
            isinstance(original, SourceError) and not isinstance(original, NotFound)
        ):
            log.warning("source error at %s: %s", error.path, original)
        else:
            log.debug("refused at %s: %s", error.path, code)


class CodedErrors(SchemaExtension):
    """Replaces every error of the result with its coded, client-safe form."""

    def on_operation(self) -> Iterator[None]:
        """Code the errors once the operation has finished."""
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [code_error(e) for e in errors]
