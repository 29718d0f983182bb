"""Salesforce's error array (`[{"message", "errorCode"}]`), usage header and fault dialect."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web.guard import plain_seconds
from sandbox.web.replies import json_reply

DAILY_LIMIT = 100_000
_FAULTS = {
    429: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support: "
        "1234567890-12345 (-1234567890)",
    ),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable, please try again later"),
}


class SalesforceError(Exception):
    """A request Salesforce refuses: status, `errorCode`, message and, for writes, the
    fields concerned (Salesforce adds `fields` to DML errors, not to query errors)."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields


class ApiUsage:
    """The org's daily API counter, reported in `Sforce-Limit-Info` on every response."""

    def __init__(self) -> None:
        self.used = 0

    def header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.used}/{DAILY_LIMIT}"}


def sf_error(
    status: int,
    code: str,
    message: str,
    usage: ApiUsage,
    headers: Mapping[str, str] | None = None,
    fields: list[str] | None = None,
) -> Response:
    error: dict[str, object] = {"message": message, "errorCode": code}
    if fields is not None:
        error["fields"] = fields
    return json_reply([error], status, {**usage.header(), **(headers or {})})


class CrmDialect:
    def __init__(self, usage: ApiUsage) -> None:
        self._usage = usage

    def error(self, request: Request, status: int) -> Response:
        code, message = _FAULTS.get(status, ("UNKNOWN_EXCEPTION", f"HTTP {status}"))
        return sf_error(status, code, message, self._usage)

    def throttled(self, request: Request) -> Response:
        return self.error(request, 429)

    def retry_after(self, seconds: float) -> str:
        return plain_seconds(seconds)
