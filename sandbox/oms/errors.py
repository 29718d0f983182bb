"""Shopify's error envelopes (`{"errors": "..."}`, `{"errors": {field: [...]}}`) and dialect."""

from __future__ import annotations

from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response

from sandbox.oms.bucket import LeakyBucket
from sandbox.web.replies import json_reply

THROTTLED = (
    "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
)
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"


class ShopifyError(Exception):
    # errors: a message, or field -> messages (422), or field -> message (400 bad root)
    def __init__(self, status: int, errors: str | dict[str, list[str]] | dict[str, str]) -> None:
        super().__init__(str(errors))
        self.status = status
        self.errors = errors


def retry_after(seconds: float) -> str:
    """Shopify writes fractional seconds: "2.0"."""
    return f"{seconds:.1f}"


class OmsDialect:
    def __init__(self, bucket: LeakyBucket) -> None:
        self._bucket = bucket

    def _headers(self, request: Request) -> dict[str, str]:
        token = request.headers.get("x-shopify-access-token")
        return {CALL_LIMIT: self._bucket.header(token)} if token else {}

    def error(self, request: Request, status: int) -> Response:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        return json_reply({"errors": phrase}, status, self._headers(request))

    def throttled(self, request: Request) -> Response:
        return json_reply({"errors": THROTTLED}, 429, self._headers(request))

    def retry_after(self, seconds: float) -> str:
        return retry_after(seconds)
