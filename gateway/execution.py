"""Run one GraphQL-over-HTTP request through the schema and shape the HTTP answer.

``schema.execute`` runs every extension (limits, cost budget, error coding) exactly as
strawberry's own view would; what differs is the answer: a request error (no data, no
error with a path) leaves without ``data`` and with the status of
``graphql_http.request_error_status``, and operation-type refusals become 405/400 here
because strawberry raises them as exceptions instead of returning a result. A mutation
that met an unavailable journal answers 503 with ``Retry-After``. The outcome of what
executed is left in ``request.state.outcome`` for the metrics (``outcome_of``).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers import Context

from .errors import KNOWN_CODES, code_error
from .graphql_http import (
    GraphQLParams,
    error_body,
    json_response,
    request_error_status,
    retry_after,
)
from .persisted_queries import PersistedQueries

__all__ = ["execute_http", "is_request_error", "outcome_of"]

_BY_METHOD = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}


def is_request_error(result: ExecutionResult) -> bool:
    """Nothing executed: no data, and no error belongs to a field (has a path).

    Parse and validation errors, variable coercion failures (graphql-core returns them
    from ``execute`` with ``data=None``) and the limits' refusals all look like this; a
    field error that nulls the whole ``data`` always has a path.
    """
    return result.data is None and all(e.path is None for e in result.errors or ())


def outcome_of(result: ExecutionResult) -> str:
    """``ok``, ``partial`` (data and errors), ``errors`` (no data) or ``refused`` (nothing
    executed), for ``metrics.GraphQLMetrics``."""
    if not result.errors:
        return "ok"
    if is_request_error(result):
        return "refused"
    return "errors" if result.data is None else "partial"


def _journal_wait(result: ExecutionResult, query: str, operation_name: str | None) -> float | None:
    """Seconds to wait when a mutation met an unavailable journal, else ``None``.

    Only mutations: a query that touched the journal (an audit trail) still answers 200
    with the rest of its data. The document is parsed again only on this rare path.
    """
    waits = [
        float(extensions.get("retryAfterSeconds", 1))
        for error in result.errors or ()
        if (extensions := error.extensions or {}).get("code") == "SOURCE_UNAVAILABLE"
        and extensions.get("source") == "journal"
    ]
    if not waits:
        return None
    operation = get_operation_ast(parse(query), operation_name)
    if operation is None or operation.operation.value != "mutation":
        return None
    return max(waits)


def _coded(errors: list[GraphQLError]) -> list[GraphQLError]:
    # CodedErrors codes everything raised inside the operation; an exception that left
    # an extension hook skips it, so code those here (code_error keeps coded ones as is).
    return [e if (e.extensions or {}).get("code") in KNOWN_CODES else code_error(e) for e in errors]


async def execute_http(
    schema: BaseSchema,
    request: Request,
    params: GraphQLParams,
    query: str,
    register: str | None,
    *,
    media: str,
    context: Context,
    persisted: PersistedQueries,
) -> Response:
    """Execute ``query`` and answer with the GraphQL-over-HTTP status.

    ``register`` is the persisted-query hash to store ``query`` under once it has run.
    """
    try:
        result = await schema.execute(
            query,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
            allowed_operation_types=_BY_METHOD[request.method],
            operation_extensions=params.extensions,
        )
    except InvalidOperationTypeError as exc:
        if request.method == "GET" and exc.operation_type == OperationType.MUTATION:
            refused = error_body("Mutations need POST.", "BAD_USER_INPUT")
            return json_response(refused, 405, media, {"Allow": "POST"})
        refused = error_body("Subscriptions are served over WebSocket only.", "BAD_USER_INPUT")
        return json_response(refused, request_error_status("BAD_USER_INPUT", media), media)
    except (CannotGetOperationTypeError, MissingQueryError) as exc:
        message = (
            exc.as_http_error_reason()
            if isinstance(exc, CannotGetOperationTypeError)
            else "No GraphQL query found in the request."
        )
        refused = error_body(message, "BAD_USER_INPUT")
        return json_response(refused, request_error_status("BAD_USER_INPUT", media), media)
    if result.errors:
        result.errors = _coded(result.errors)
    request.state.outcome = outcome_of(result)
    body: dict[str, Any] = dict(process_result(result))
    if not is_request_error(result):
        if register is not None:
            persisted.store(register, query)
        wait = _journal_wait(result, query, params.operation_name)
        if wait is not None:
            return json_response(body, 503, media, {"Retry-After": retry_after(wait)})
        return json_response(body, 200, media)
    body.pop("data", None)
    first = (result.errors or [GraphQLError("", extensions={"code": "INTERNAL"})])[0]
    code = str((first.extensions or {}).get("code", "INTERNAL"))
    headers = {}
    if code == "RATE_LIMITED":
        headers["Retry-After"] = str((first.extensions or {}).get("retryAfterSeconds", 1))
    return json_response(body, request_error_status(code, media), media, headers)
