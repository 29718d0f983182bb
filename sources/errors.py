"""Source errors: the one exception tree that leaves ``sources/``.

Every failure of an upstream call is translated at the boundary into one of::

    SourceError                 base; carries .source ("erp", "oms", "crm", "carrier")
    ├── SourceUnavailable       connection refused/reset, 5xx, auth refused by the upstream
    ├── SourceTimeout           the request deadline or the per-call timeout ran out
    ├── SourceThrottled         429 (or the vendor's quota signal); carries retry_after
    ├── SourceBadResponse       unparsable or schema-drifted payload, unexpected status
    └── NotFound                the upstream answered that the key does not exist

Nothing above ``sources/`` ever sees an ``httpx`` exception or a vendor body: the
message of a ``SourceError`` is safe to log, and ``code`` is the stable GraphQL code.

Two flags steer the call discipline: ``transient`` (another attempt may succeed, so a
safe call may be retried) and ``trips_breaker`` (the failure says the upstream is
unwell and counts toward opening its circuit). Throttling is transient but healthy;
a refused request or a missing key is neither.
"""

from __future__ import annotations

from typing import Literal

SourceName = Literal["erp", "oms", "crm", "carrier"]
SourceErrorCode = Literal[
    "SOURCE_UNAVAILABLE", "SOURCE_TIMEOUT", "SOURCE_THROTTLED", "SOURCE_BAD_RESPONSE", "NOT_FOUND"
]

__all__ = [
    "NotFound",
    "SourceBadResponse",
    "SourceError",
    "SourceErrorCode",
    "SourceName",
    "SourceThrottled",
    "SourceTimeout",
    "SourceUnavailable",
]


class SourceError(Exception):
    """An upstream call failed; ``source`` names the system, ``code`` the kind of failure."""

    code: SourceErrorCode = "SOURCE_UNAVAILABLE"
    transient: bool = True
    trips_breaker: bool = True

    def __init__(
        self,
        source: SourceName,
        detail: str,
        *,
        retry_after: float | None = None,
        transient: bool | None = None,
        trips_breaker: bool | None = None,
    ) -> None:
        super().__init__(f"{source}: {detail}")
        self.source: SourceName = source
        self.detail = detail
        self.retry_after = retry_after
        if transient is not None:
            self.transient = transient
        if trips_breaker is not None:
            self.trips_breaker = trips_breaker


class SourceUnavailable(SourceError):
    """The upstream could not be reached or answered with a server-side failure."""

    code: SourceErrorCode = "SOURCE_UNAVAILABLE"


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
