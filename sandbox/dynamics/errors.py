"""F&O's OData error body and the fault dialect of the Dynamics emulation.

F&O answers errors as OData v4 JSON, often with an empty `code` and the generic
"An error has occurred.", the detail in `innererror.message`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web.guard import plain_seconds
from sandbox.web.replies import json_reply

# The resource-based service protection message (Microsoft Learn, "Service protection
# API limits"); the user-based limits name their limit instead.
THROTTLED = (
    "This request could not be processed at this time due to system experiencing "
    "high resource utilization."
)
_STATUS_TEXT = {
    500: "An error has occurred.",
    502: "Bad gateway.",
    503: "The service is unavailable.",
    504: "The request timed out.",
}


class DynamicsError(Exception):
    """An error answered with F&O's OData error body."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def error_body(code: str, message: str, detail: str) -> dict[str, object]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innererror": {
                "message": detail,
                "type": "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataException",
                "stacktrace": "",
            },
        }
    }


def error_reply(error: DynamicsError) -> Response:
    body = error_body(error.code, "An error has occurred.", error.message)
    return json_reply(body, error.status)


class DynamicsDialect:
    """How the guard's injected faults look coming from F&O."""

    def error(self, request: Request, status: int) -> Response:
        text = _STATUS_TEXT.get(status, f"Request failed with HTTP status {status}")
        return json_reply(error_body("", text, text), status)

    def throttled(self, request: Request) -> Response:
        return json_reply(error_body("429", THROTTLED, THROTTLED), 429)

    def retry_after(self, seconds: float) -> str:
        return plain_seconds(seconds)
