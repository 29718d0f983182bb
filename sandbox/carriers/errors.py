"""Error envelopes of FedEx (`{"transactionId","errors":[…]}`) and EasyPost (`{"error":{…}}`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web.guard import plain_seconds
from sandbox.web.replies import json_reply

_APOLOGY = "We apologize for any inconvenience. Please check back at a later time."
_FEDEX = {
    429: (
        "RATE.LIMIT.EXCEEDED",
        "We have received too many requests in a short duration. Please wait a while to try again.",
    ),
    500: (
        "INTERNAL.SERVER.ERROR",
        f"We encountered an unexpected error and are working to resolve the issue. {_APOLOGY}",
    ),
    503: (
        "SERVICE.UNAVAILABLE.ERROR",
        f"The service is currently unavailable and we are working to resolve the issue. {_APOLOGY}",
    ),
}
_EASYPOST = {
    429: ("RATE_LIMITED", "You have exceeded the rate limit. Please reduce your request rate."),
    500: (
        "INTERNAL_SERVER_ERROR",
        "We're sorry, something went wrong. If the problem persists please contact support.",
    ),
    503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable. Please try again later."),
}


def fedex_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"transactionId": str(uuid.uuid4()), "errors": [{"code": code, "message": message}]}
    return json_reply(body, status, headers)


def easypost_error(
    status: int, code: str, message: str, errors: list[object] | None = None
) -> Response:
    return json_reply({"error": {"code": code, "message": message, "errors": errors or []}}, status)


class FedExDialect:
    def error(self, request: Request, status: int) -> Response:
        code, message = _FEDEX.get(status, ("SYSTEM.UNEXPECTED.ERROR", f"HTTP {status}"))
        return fedex_error(status, code, message)

    def throttled(self, request: Request) -> Response:
        return self.error(request, 429)

    def retry_after(self, seconds: float) -> str:
        return plain_seconds(seconds)


class EasyPostDialect:
    def error(self, request: Request, status: int) -> Response:
        code, message = _EASYPOST.get(status, ("INTERNAL_SERVER_ERROR", f"HTTP {status}"))
        return easypost_error(status, code, message)

    def throttled(self, request: Request) -> Response:
        return self.error(request, 429)

    def retry_after(self, seconds: float) -> str:
        return plain_seconds(seconds)
