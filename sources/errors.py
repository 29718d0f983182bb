"""Source errors: the one exception tree that leaves ``sources/``.

Every failure of an upstream call is translated at the boundary into one of::

    SourceError                 base; carries .source ("erp", "oms", "crm", "carrier")
    ├── SourceUnavailable       connection refused/reset/dropped, 5xx, auth refused upstream
    │   └── CircuitOpen         refused here, without a call: the upstream's breaker is open
    ├── SourceTimeout           the request deadline or the per-call timeout ran out
    ├── SourceThrottled         429 (or the vendor's quota signal); carries retry_after
    ├── SourceBadResponse       unparsable or schema-drifted payload, unexpected status
    ├── NotFound                the upstream answered that the key does not exist
    ├── BadRequestInput         the request holds a value no URL, header or JSON body can carry
    └── TooManyUpstreamCalls    the request reached its ceiling of upstream calls

The last two are raised before any network I/O and are the caller's doing: their codes
(``BAD_USER_INPUT``, ``QUERY_TOO_COMPLEX``) are the gateway's request codes, not
``SOURCE_*`` ones.

Nothing above ``sources/`` ever sees an ``httpx`` exception or a vendor body: the
message of a ``SourceError`` is safe to log, and ``code`` is the stable GraphQL code.

Three flags steer the call discipline: ``transient`` (another attempt may succeed, so a
safe call may be retried), ``trips_breaker`` (the failure says the upstream is unwell
and counts toward opening its circuit) and ``upstream_fault`` (the failure counts in the
health window behind ``sources { errorRate }``). Throttling is transient, does not trip
the breaker, but shows in the error rate; a refused request, a missing key or a request
that ran out of its own time is none of the three.
"""

from __future__ import annotations

from typing import Literal

SourceName = Literal["erp", "oms", "crm", "carrier"]
SourceErrorCode = Literal[
    "SOURCE_UNAVAILABLE",
    "SOURCE_TIMEOUT",
    "SOURCE_THROTTLED",
    "SOURCE_BAD_RESPONSE",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "QUERY_TOO_COMPLEX",
]

__all__ = [
    "BadRequestInput",
    "CircuitOpen",
    "NotFound",
    "SourceBadResponse",
    "SourceError",
    "SourceErrorCode",
    "SourceName",
    "SourceThrottled",
    "SourceTimeout",
    "SourceUnavailable",
    "TooManyUpstreamCalls",
]


class SourceError(Exception):
    """An upstream call failed; ``source`` names the system, ``code`` the kind of failure."""

    code: SourceErrorCode = "SOURCE_UNAVAILABLE"
    transient: bool = True
    trips_breaker: bool = True
    upstream_fault: bool = True

    def __init__(
        self,
        source: SourceName,
        detail: str,
        *,
        retry_after: float | None = None,
        transient: bool | None = None,
        trips_breaker: bool | None = None,
        upstream_fault: bool | None = None,
    ) -> None:
        super().__init__(f"{source}: {detail}")
        self.source: SourceName = source
        self.detail = detail
        self.retry_after = retry_after
        if transient is not None:
            self.transient = transient
        if trips_breaker is not None:
            self.trips_breaker = trips_breaker
        if upstream_fault is not None:
            self.upstream_fault = upstream_fault


class SourceUnavailable(SourceError):
    """The upstream could not be reached or answered with a server-side failure."""

    code: SourceErrorCode = "SOURCE_UNAVAILABLE"


class CircuitOpen(SourceUnavailable):
    """Refused without touching the network: the upstream's circuit breaker is open.

    Nothing was sent, so a write refused this way certainly did not happen, and it
    will go through once the breaker lets calls out again.
    """

    transient = False  # not within this request: the breaker stays open for seconds
    trips_breaker = False


class SourceTimeout(SourceError):
    """The call ran out of time (request deadline or per-call timeout)."""

    code: SourceErrorCode = "SOURCE_TIMEOUT"


class SourceThrottled(SourceError):
    """The upstream refused the call for rate or quota reasons; ``retry_after`` if it said."""

    code: SourceErrorCode = "SOURCE_THROTTLED"
    trips_breaker = False

    def __init__(self, source: SourceName, detail: str, retry_after: float | None = None) -> None:
        super().__init__(source, detail, retry_after=retry_after)


class SourceBadResponse(SourceError):
    """The upstream answered, but not with something we can map."""

    code: SourceErrorCode = "SOURCE_BAD_RESPONSE"


class NotFound(SourceError):
    """The key does not exist upstream. Used as a per-key slot value in batch results."""

    code: SourceErrorCode = "NOT_FOUND"
    transient = False
    trips_breaker = False
    upstream_fault = False


class BadRequestInput(SourceError):
    """A value of the request cannot be sent upstream.

    It cannot be encoded (a lone UTF-16 surrogate, a non-finite number in a JSON body, a
    control character in a URL), or it makes a URL longer than common servers accept.

    Raised before any network I/O, so the upstream never sees it and its breaker and
    health never count it; resolvers validate input earlier, this is the last line.
    """

    code: SourceErrorCode = "BAD_USER_INPUT"
    transient = False
    trips_breaker = False
    upstream_fault = False


class TooManyUpstreamCalls(SourceError):
    """The request has made as many upstream calls (attempts included) as it may.

    Raised before the call that would pass the ceiling goes out (see
    ``sources.call.UpstreamCallCount``); the request, not the upstream, is at fault.
    """

    code: SourceErrorCode = "QUERY_TOO_COMPLEX"
    transient = False
    trips_breaker = False
    upstream_fault = False
