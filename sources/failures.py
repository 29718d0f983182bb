"""How a failed upstream exchange becomes a ``SourceError``: statuses and transport failures.

``sources.http`` calls these at its one boundary, as httpx's ``map_httpcore_exceptions``
maps the layer below it. Two rules are easy to get wrong:

- **Down is not slow.** httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` to
  ``httpx.ConnectTimeout`` (its ``AIOHTTP_EXC_MAP`` keeps the most specific *httpx*
  class among the matches, and ``ConnectTimeout`` is not a subclass of the
  ``ConnectError`` that ``ClientConnectorError`` also matches). So a refused
  connection (``ClientConnectorError`` from ``ConnectionRefusedError``), a reset
  (``ClientOSError``/``ConnectionResetError``) or a server that hangs up
  (``ServerDisconnectedError``) all arrive as a "timeout". The exception chain tells
  them apart: every real timeout below httpx is a ``TimeoutError`` (aiohttp's
  ``ServerTimeoutError`` and its connect/socket variants, httpcore's
  ``anyio.fail_after``), so an httpx timeout is ``SourceTimeout`` only when nothing is
  chained below it (raised as a timeout by whoever knew, e.g. ``MockTransport``) or a
  ``TimeoutError`` is; otherwise it is ``SourceUnavailable``.
- **A refusal of the request is not the upstream's ill health.** A 4xx other than
  404/408/429 (and 401/403, which say our credentials are refused) is the request's
  problem: not retried, not a breaker failure, not counted in the health window.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx

from .errors import (
    NotFound,
    SourceBadResponse,
    SourceError,
    SourceName,
    SourceThrottled,
    SourceTimeout,
    SourceUnavailable,
)

__all__ = ["is_connection_failure", "parse_retry_after", "status_error", "transport_error"]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header in either RFC 9110 form.

    ``now`` is the wall-clock time an HTTP date is measured from (default: now).
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def status_error(
    source: SourceName, status: int, retry_after: str | None, vendor: str | None
) -> SourceError:
    """The error for a non-2xx answer; ``vendor`` is the vendor's error code, if read."""
    if status == 404:
        return NotFound(source, "not found")
    if status == 429:
        return SourceThrottled(source, "throttled (429)", parse_retry_after(retry_after))
    if status == 403 and vendor is not None and vendor.startswith("REQUEST_LIMIT_EXCEEDED"):
        return SourceThrottled(source, "request quota exhausted (403)", None)
    if status in (408, 504):
        return SourceTimeout(source, f"upstream timeout ({status})")
    if status >= 500 or status in (401, 403):
        return SourceUnavailable(source, f"status {status}")
    # The upstream refused this request (400, 409, 422, ...): the caller's problem, and
    # the vendor will refuse it again. A 3xx is a misconfiguration, so it still shows
    # in the health window.
    return SourceBadResponse(
        source,
        f"request rejected with status {status}",
        transient=False,
        trips_breaker=False,
        upstream_fault=not 400 <= status < 500,
    )


def _below(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions chained under ``exc`` (cause, else context), nearest first."""
    seen = {id(exc)}
    current = exc.__cause__ or exc.__context__
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_connection_failure(exc: httpx.TransportError) -> bool:
    """Whether a transport error means the connection failed, not that time ran out."""
    if not isinstance(exc, httpx.TimeoutException):
        return True
    chain = list(_below(exc))
    return bool(chain) and not any(isinstance(e, TimeoutError) for e in chain)


def transport_error(source: SourceName, exc: httpx.TransportError) -> SourceError:
    """``SourceUnavailable`` for a refused, reset or dropped connection; else a timeout."""
    if is_connection_failure(exc):
        causes = [type(e).__name__ for e in _below(exc)]
        detail = " <- ".join([type(exc).__name__, *causes])
        return SourceUnavailable(source, f"transport error: {detail}")
    return SourceTimeout(source, f"transport timeout: {type(exc).__name__}")
