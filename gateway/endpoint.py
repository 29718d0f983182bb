"""The GraphQL endpoint: GraphQL over HTTP, bearer authentication, then execution.

HTTP requests are served here rather than by strawberry's ``run``: strawberry 0.341
answers a GET mutation with 400 (the spec says 405), knows only ``application/json``
and answers every request error 200. The order of checks (``gateway.graphql_http``
has the status table):

1. method, Accept (406), Content-Type (415), Content-Length (413): headers only;
2. bearer token (401), before anything is read or executed;
3. body (413 while streaming), JSON and parameters (400);
4. persisted queries (``gateway.persisted_queries``);
5. ``schema.execute``: limits and the cost budget run as extensions before any resolver.

WebSockets and the GraphiQL page are still strawberry's. Each HTTP request is reported to
``metrics.GraphQLMetrics``: its operation, outcome (``request.state.outcome``, set by
``execution``; ``refused`` when nothing executed), status and duration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from resolvers import Context

from .auth import InvalidToken, TokenVerifier
from .edge_settings import EdgeSettings
from .execution import execute_http
from .graphql_http import (
    APPLICATION_JSON,
    RequestProblem,
    error_body,
    json_response,
    negotiate,
    precheck,
    read_params,
)
from .limits import budget_key
from .metrics.labels import ANONYMOUS
from .metrics.requests import GraphQLMetrics
from .persisted_queries import PersistedQueries, Refusal
from .rate_limit import BudgetStore

__all__ = ["GraphQLEndpoint"]

log = logging.getLogger("order360.auth")
ContextBuilder = Callable[[HTTPConnection], Context]
_NO_QUERY = Refusal("BAD_USER_INPUT", "No GraphQL query found in the request.", 400)


def _unauthenticated(message: str, error: str | None) -> Response:
    challenge = 'Bearer realm="order360"'
    if error:
        challenge += f', error="{error}", error_description="{message}"'
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return Response(
        orjson.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": challenge},
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    """GraphQL over HTTP behind RFC 6750 bearer authentication; strawberry for WebSockets."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        verifier: Callable[[], TokenVerifier],
        build_context: ContextBuilder,
        graphiql: bool,
        edge: EdgeSettings | None = None,
        budgets: BudgetStore | None = None,
        metrics: GraphQLMetrics | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self._verifier = verifier
        self._build_context = build_context
        self._graphiql = graphiql
        self._edge = edge or EdgeSettings()
        self._persisted = PersistedQueries(self._edge.persisted_queries)
        self._budgets = budgets
        self._metrics = metrics

    def with_schema(self, schema: BaseSchema) -> GraphQLEndpoint:
        """The same endpoint (token, edge limits, budgets, context) serving ``schema``."""
        return GraphQLEndpoint(
            schema,
            verifier=self._verifier,
            build_context=self._build_context,
            graphiql=self._graphiql,
            edge=self._edge,
            budgets=self._budgets,
            metrics=self._metrics,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve HTTP here (see the module docstring); WebSockets stay strawberry's."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if self._graphiql and self._wants_ide(request):
            response = await self.render_graphql_ide(request)  # the page itself needs no token
        elif self._metrics is None:
            response = await self._serve(request)
        else:
            started = time.perf_counter()
            response = await self._serve(request)
            self._metrics.finished(
                getattr(request.state, "operation", ANONYMOUS),
                getattr(request.state, "outcome", "refused"),
                response.status_code,
                time.perf_counter() - started,
            )
        await response(scope, receive, send)

    @staticmethod
    def _wants_ide(request: Request) -> bool:
        return (
            request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
            and "query" not in request.query_params
        )

    async def _serve(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        try:
            precheck(request, self._edge.max_body_bytes)
            if media is None:
                raise RequestProblem(406, "Accept application/graphql-response+json or JSON.")
            failure = await self._authenticate(request)
            if failure is not None:
                return failure
            params = await read_params(request, self._edge.max_body_bytes)
            resolution = self._persisted.resolve(
                params.query, params.extensions, request.state.principal
            )
            if self._metrics is not None:
                request.state.operation = self._metrics.operation(
                    params.operation_name, resolution.query or params.query
                )
        except RequestProblem as problem:
            body = await self._with_cost(request, error_body(problem.message, problem.code))
            return json_response(body, problem.status, media or APPLICATION_JSON, problem.headers)
        if resolution.refusal is None and resolution.query is not None:
            return await execute_http(
                self.schema,
                request,
                params,
                resolution.query,
                resolution.register,
                media=media,
                context=await self.get_context(request, Response()),
                persisted=self._persisted,
            )
        refusal = resolution.refusal or _NO_QUERY
        body = await self._with_cost(request, error_body(refusal.message, refusal.code))
        return json_response(body, refusal.status, media)

    async def _with_cost(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        """Refusals after authentication report the client's budget too (nothing spent)."""
        principal = getattr(request.state, "principal", None)
        if principal is None or self._budgets is None:
            return body
        throttle = await self._budgets.peek(budget_key(principal))
        return {**body, "extensions": {"cost": throttle.as_extension(0)}}

    async def _authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header or scheme.lower() != "bearer" or not token.strip():
            if self._metrics is not None:
                self._metrics.token_refused("missing" if not header else "not_bearer")
            if not header:
                return _unauthenticated("Authentication required.", None)
            return _unauthenticated("Use an Authorization: Bearer token.", "invalid_request")
        try:
            request.state.principal = await self._verifier().verify(token.strip())
        except InvalidToken as exc:
            log.info("token refused: %s", exc)
            if self._metrics is not None:
                self._metrics.token_refused(str(exc))
            return _unauthenticated(f"Invalid token: {exc}.", "invalid_token")
        return None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        """The typed per-request context."""
        return self._build_context(request)
