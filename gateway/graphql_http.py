"""GraphQL over HTTP (GraphQL Foundation draft): media types, request parsing, status codes.

| situation                                        | graphql-response+json | application/json |
|--------------------------------------------------|-----------------------|------------------|
| method other than GET/POST                       | 405, Allow: GET, POST | same             |
| Accept allows neither media type                 | 406                   | (n/a)            |
| POST body not application/json (UTF-8)           | 415                   | same             |
| body over the cap (Content-Length or streamed)   | 413                   | same             |
| GET query string over the cap                    | 414                   | same             |
| body not JSON, not an object, bad parameter type | 400                   | same (malformed) |
| no query (and no persisted query)                | 400                   | same (malformed) |
| parse/validation failure, unknown operation,     | 400                   | 200              |
| variable coercion failure, QUERY_TOO_COMPLEX     |                       |                  |
| mutation over GET                                | 405, Allow: POST      | same             |
| budget exhausted (RATE_LIMITED)                  | 429 + Retry-After     | same             |
| a mutation met an unavailable journal            | 503 + Retry-After     | same             |
|   (SOURCE_UNAVAILABLE, source "journal")         |                       |                  |
| executed, even with field errors or null data    | 200                   | 200              |

The spec asks 400 for malformed requests whatever the media type, and 200 for GraphQL
request errors only under the legacy ``application/json``. A mutation that could not
consult its journal is a service outage, not a GraphQL result: 503 under both media
types, so clients and proxies retry it (with the same idempotency key) as they would
any 503; a query that touched the journal keeps its 200 and its partial data.
Request-error bodies carry no ``data`` entry. No Accept header, ``*/*`` and
``application/*`` get ``application/graphql-response+json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

__all__ = [
    "APPLICATION_JSON",
    "GRAPHQL_RESPONSE_JSON",
    "GraphQLParams",
    "RequestProblem",
    "error_body",
    "json_response",
    "negotiate",
    "precheck",
    "read_params",
    "request_error_status",
    "retry_after",
]

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"


class RequestProblem(Exception):
    """The request is refused before execution; ``message`` is safe to send."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str = "BAD_USER_INPUT",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    """The four GraphQL-over-HTTP request parameters."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    """RFC 9110 §12.5.1: the most specific matching range decides."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for media, quality in ranges:
        specificity = (
            2 if media == media_type else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
        )
        if specificity > best[0]:
            best = (specificity, quality)
    return best[1]


def negotiate(accept: str | None) -> str | None:
    """The response media type for this Accept header, or ``None`` (406)."""
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE_JSON
    ranges = _media_ranges(accept)
    modern, legacy = _quality(GRAPHQL_RESPONSE_JSON, ranges), _quality(APPLICATION_JSON, ranges)
    if modern <= 0 and legacy <= 0:
        return None
    return GRAPHQL_RESPONSE_JSON if modern >= legacy else APPLICATION_JSON


def precheck(request: Request, max_bytes: int) -> None:
    """Refusals that need only the request line and headers (no body, no token)."""
    if request.method not in ("GET", "POST"):
        raise RequestProblem(405, "Use GET or POST.", headers={"Allow": "GET, POST"})
    if request.method == "GET":
        if len(request.scope.get("query_string", b"")) > max_bytes:
            raise RequestProblem(414, "The query string is too long.")
        return
    media, _, params = request.headers.get("content-type", "").partition(";")
    charset = next(
        (
            v.strip().strip('"').lower()
            for k, _, v in (p.partition("=") for p in params.split(";"))
            if k.strip().lower() == "charset"
        ),
        "utf-8",
    )
    # Only JSON bodies: browsers cannot send them cross-site without a CORS preflight,
    # so text/plain, form and multipart POSTs (the CSRF-able kinds) never reach us.
    if media.strip().lower() != APPLICATION_JSON or charset not in ("utf-8", "utf8"):
        message = "POST bodies must be application/json (UTF-8)."
        raise RequestProblem(415, message, headers={"Accept-Post": APPLICATION_JSON})
    length = request.headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise RequestProblem(400, "Content-Length is not a number.")
        if int(length) > max_bytes:
            raise RequestProblem(413, "The request body is too large.")


async def _read_body(request: Request, max_bytes: int) -> bytes:
    # Content-Length may be absent (chunked) or wrong: count what actually arrives and
    # stop reading as soon as the cap is passed.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise RequestProblem(413, "The request body is too large.")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass  # orjson is stricter (64-bit integers, depth 1024): the standard parser decides
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise RequestProblem(400, f"{what} is not valid JSON.") from None


def _params(data: Mapping[str, Any]) -> GraphQLParams:
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if query is not None and not isinstance(query, str):
        raise RequestProblem(400, "query must be a string.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestProblem(400, "operationName must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise RequestProblem(400, "variables must be an object.")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestProblem(400, "extensions must be an object.")
    return GraphQLParams(query or None, variables, operation_name or None, extensions)


async def read_params(request: Request, max_bytes: int) -> GraphQLParams:
    """The request's parameters from the query string (GET) or the JSON body (POST)."""
    if request.method == "GET":
        given: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if given.get(name):
                given[name] = _json(given[name], name)
            else:
                given.pop(name, None)
        return _params(given)
    data = _json(await _read_body(request, max_bytes), "The body")
    if isinstance(data, list):
        raise RequestProblem(400, "Batched operations are not supported.")
    if not isinstance(data, dict):
        raise RequestProblem(400, "The body must be a JSON object.")
    return _params(data)


def request_error_status(code: str, media: str) -> int:
    """HTTP status of a response without data, from its first error's code."""
    fixed = {"RATE_LIMITED": 429, "PERSISTED_QUERY_NOT_FOUND": 200, "FORBIDDEN": 403}
    if code in fixed:
        return fixed[code]
    if media == APPLICATION_JSON:
        return 200  # legacy clients: every well-formed request gets 200
    return 500 if code == "INTERNAL" else 400


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value (RFC 9110 delay-seconds: a whole number, at least 1)."""
    return str(max(1, math.ceil(seconds)))


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A GraphQL response that holds one coded error and no data."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def json_response(
    body: Mapping[str, Any], status: int, media: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A UTF-8 JSON response of the negotiated media type."""
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type=f"{media}; charset=utf-8",
        headers=dict(headers or {}),
    )
