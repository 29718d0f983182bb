"""The GraphQL endpoint: bearer authentication first, then strawberry's ASGI view."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from resolvers import Context

from .auth import InvalidToken, TokenVerifier

__all__ = ["GraphQLEndpoint"]

log = logging.getLogger("order360.auth")
ContextBuilder = Callable[[HTTPConnection], Context]


def _unauthenticated(message: str, error: str | None) -> Response:
    challenge = 'Bearer realm="order360"'
    if error:
        challenge += f', error="{error}", error_description="{message}"'
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return Response(
        json.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": challenge},
    )


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI view behind RFC 6750 bearer authentication."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        verifier: Callable[[], TokenVerifier],
        build_context: ContextBuilder,
        graphiql: bool,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self._verifier = verifier
        self._build_context = build_context
        self._graphiql = graphiql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Authenticate, then hand over to strawberry; the IDE page itself needs no token."""
        if scope["type"] == "http":
            request = Request(scope, receive)
            if not (self._graphiql and self._wants_ide(request)):
                failure = await self._authenticate(request)
                if failure is not None:
                    await failure(scope, receive, send)
                    return
        await super().__call__(scope, receive, send)

    @staticmethod
    def _wants_ide(request: Request) -> bool:
        return request.method == "GET" and "text/html" in request.headers.get("accept", "")

    async def _authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            return _unauthenticated("Authentication required.", None)
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthenticated("Use an Authorization: Bearer token.", "invalid_request")
        try:
            request.state.principal = await self._verifier().verify(token.strip())
        except InvalidToken as exc:
            log.info("token refused: %s", exc)
            return _unauthenticated(f"Invalid token: {exc}.", "invalid_token")
        return None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        """The typed per-request context."""
        return self._build_context(request)
