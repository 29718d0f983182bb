"""A call encoded once, before any network I/O: URL, headers and JSON body.

Encoding is where a request's own values can fail: a lone UTF-16 surrogate has no
UTF-8 form for a URL or a body, ``NaN`` has no JSON form, a header value must be ASCII,
a control character has no place in a URL, and a URL over what common servers accept
(8 KiB request lines for nginx and Apache) would only come back as a 414 or a reset.
Each of these is ``BadRequestInput``: the caller's problem, found before the upstream,
its breaker, its retry budget or its health window see anything. Encoding once also
spares retries the work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import BadRequestInput, SourceName

__all__ = ["Outgoing", "QueryParams", "join_url", "prepare"]

QueryParams = httpx.QueryParams | Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One logical call, encoded once and sent as is by every attempt."""

    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None


def join_url(base: str, url: str, params: QueryParams | None) -> httpx.URL:
    """The absolute URL of ``url`` under ``base`` (ending in "/"), parsed once.

    Given a relative path and params, httpx parses the base URL, the path and the
    query separately and validates each character of each in Python: for a long
    SOQL or OData query that is most of the client's CPU per call. Joining the same
    way httpx does (base path + path, the query encoded by ``httpx.QueryParams``)
    and parsing once gives the same URL for less.
    """
    if "://" not in url and base:
        url = base + url.lstrip("/")
    if not params:
        return httpx.URL(url)
    if "?" in url:
        # A query merged into a query: httpx's own rule (``Request(url, params=...)``).
        return httpx.URL(url, params=params)
    return httpx.URL(f"{url}?{httpx.QueryParams(params)}")


def prepare(
    source: SourceName,
    method: str,
    url: str,
    *,
    base: str = "",
    params: QueryParams | None = None,
    json_body: Any = None,
    content: bytes | None = None,
    headers: Mapping[str, str],
    max_url_bytes: int,
) -> Outgoing:
    """Encode one call; what cannot be encoded raises ``BadRequestInput`` for ``source``.

    ``content`` is a body already encoded by the caller (an OData ``$batch``, whose
    ``Content-Type`` the caller sets); ``json_body`` takes precedence over it.
    """
    try:
        target = join_url(base, url, params)
        encoded_headers = httpx.Headers(headers)
        if json_body is not None:
            # httpx's own encoding of ``json=``, done here so that it fails as bad input.
            content = json.dumps(
                json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            encoded_headers.setdefault("Content-Type", "application/json")
    except (ValueError, httpx.InvalidURL) as exc:
        # ValueError covers UnicodeEncodeError (surrogates, non-ASCII header values) and
        # json's refusal of NaN and Infinity; InvalidURL covers control characters and
        # httpx's own 64 KiB cap.
        raise BadRequestInput(source, f"cannot encode the request: {type(exc).__name__}") from exc
    length = len(str(target))
    if length > max_url_bytes:
        raise BadRequestInput(source, f"URL of {length} bytes exceeds {max_url_bytes}")
    return Outgoing(method, target, encoded_headers, content)
