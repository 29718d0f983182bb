"""Small response helpers: compact JSON, the sandbox's own base URL, request-URI length."""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json; charset=utf-8"


def dumps(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def json_reply(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(dumps(data), status_code=status, headers=dict(headers or {}), media_type=JSON)


def base_url(request: Request) -> str:
    """Absolute URL of the sandbox root ("http://host/sandbox" when mounted), no slash.

    Starlette's `request.base_url` is the outermost app's root; the sandbox needs
    its own mount point, which is the ASGI `root_path` at this level.
    """
    url = request.url
    return f"{url.scheme}://{url.netloc}{request.scope.get('root_path', '')}"


def uri_length(request: Request) -> int:
    """Bytes in the request target (path + query), as a server's URI limit counts them."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    return len(raw) + (len(query) + 1 if query else 0)


async def read_form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body as a dict (first value per name).

    Parsed with the standard library: Starlette's `request.form()` needs the
    optional python-multipart package, which the sandbox does not depend on.
    """
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(user, password) from an HTTP Basic `Authorization` header, if well formed."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
