"""Zendesk's error bodies, its per-minute rate-limit headers, and its fault dialect.

Errors are `{"error": "RecordNotFound", "description": "Not found"}`; validation
failures are 422 `RecordInvalid` with `details` per field; a refused login is 401
`{"error": "Couldn't authenticate you"}`. Every answer carries `X-Rate-Limit` (the
account's requests per minute) and `X-Rate-Limit-Remaining`; a 429 adds `Retry-After`
(the guard sets it when the rate-limit fault fires).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web.guard import plain_seconds
from sandbox.web.replies import json_reply

PER_MINUTE = 700  # Zendesk Suite Professional's Support API limit
_FAULTS = {
    429: ("TooManyRequests", "You have exceeded the rate limit. Retry after Retry-After."),
    500: ("InternalServerError", "Something went wrong on our side"),
    503: ("ServiceUnavailable", "Zendesk is temporarily unavailable"),
}


class ZendeskError(Exception):
    """A request Zendesk refuses: status, `error` code, `description`, field `details`."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(description or error)
        self.status = status
        self.error = error
        self.description = description
        self.details = details

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error}
        if self.description is not None:
            body["description"] = self.description
        if self.details is not None:
            body["details"] = dict(self.details)
        return body


def not_found() -> ZendeskError:
    return ZendeskError(404, "RecordNotFound", "Not found")


def invalid(field: str, description: str, error: str = "InvalidValue") -> ZendeskError:
    """422 RecordInvalid naming one field, as Zendesk reports a failed validation."""
    details = {field: [{"description": description, "error": error}]}
    return ZendeskError(422, "RecordInvalid", "Record validation errors", details)


class RateWindow:
    """Requests counted per clock minute, reported as Zendesk's rate-limit headers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._minute = -1
        self._used = 0

    def spend(self) -> None:
        minute = int(self._clock() // 60)
        if minute != self._minute:
            self._minute, self._used = minute, 0
        self._used += 1

    def headers(self) -> dict[str, str]:
        remaining = max(0, PER_MINUTE - self._used)
        return {"X-Rate-Limit": str(PER_MINUTE), "X-Rate-Limit-Remaining": str(remaining)}


def zd_error(error: ZendeskError, window: RateWindow) -> Response:
    headers = window.headers()
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Web Password"'
    return json_reply(error.body(), error.status, headers)


class ZendeskDialect:
    def __init__(self, window: RateWindow) -> None:
        self._window = window

    def error(self, request: Request, status: int) -> Response:
        code, description = _FAULTS.get(status, ("UnknownError", f"HTTP {status}"))
        return zd_error(ZendeskError(status, code, description), self._window)

    def throttled(self, request: Request) -> Response:
        response = self.error(request, 429)
        response.headers["X-Rate-Limit-Remaining"] = "0"
        return response

    def retry_after(self, seconds: float) -> str:
        return plain_seconds(seconds)
