"""FedEx endpoints under `/carrier/fedex`: OAuth token and Track by tracking numbers."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.carriers.errors import FedExDialect, fedex_error
from sandbox.carriers.fedex import complete_result
from sandbox.config import SandboxCredentials
from sandbox.web.guard import SystemGuard
from sandbox.web.replies import bearer_token, json_reply, read_form
from sandbox.web.tokens import TokenJar
from sandbox.world import Shipment, World

MAX_NUMBERS = 30
TOKEN_LIFETIME_S = 3599
_BAD_CLIENT = (
    "The given client credentials were not valid. Please modify your request and try again."
)
_BAD_TOKEN = "The given JWT is invalid. Please modify your request and try again."


class FedExApi:
    def __init__(self, world: World, credentials: SandboxCredentials) -> None:
        self._shipments: dict[str, Shipment] = {
            s.tracking_number: s for s in world.shipments if s.carrier == "FedEx"
        }
        self._client = (credentials.fedex_client_id, credentials.fedex_client_secret)
        self._tokens = TokenJar(TOKEN_LIFETIME_S)

    async def token(self, request: Request) -> Response:
        form = await read_form(request)
        if form.get("grant_type") != "client_credentials":
            return fedex_error(400, "INVALID.INPUT.EXCEPTION", "Invalid field value in the input")
        given = (form.get("client_id", ""), form.get("client_secret", ""))
        if given[0] != self._client[0] or not secrets.compare_digest(
            given[1].encode(), self._client[1].encode()
        ):
            return fedex_error(401, "NOT.AUTHORIZED.ERROR", _BAD_CLIENT)
        token = secrets.token_urlsafe(96)
        self._tokens.add(token)
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "scope": "CXS",
        }
        return json_reply(body, headers={"Cache-Control": "no-store"})

    def _authorized(self, request: Request) -> bool:
        return self._tokens.valid(bearer_token(request))

    async def track(self, request: Request) -> Response:
        if not self._authorized(request):
            return fedex_error(401, "NOT.AUTHORIZED.ERROR", _BAD_TOKEN)
        try:
            body: Any = json.loads(await request.body())
            infos = body["trackingInfo"]
            numbers = [str(info["trackingNumberInfo"]["trackingNumber"]).strip() for info in infos]
        except (ValueError, KeyError, TypeError):
            return fedex_error(400, "INVALID.INPUT.EXCEPTION", "Invalid field value in the input")
        if not numbers or not all(numbers):
            return fedex_error(
                400, "TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number."
            )
        if len(numbers) > MAX_NUMBERS:
            message = f"Please limit the number of tracking numbers to {MAX_NUMBERS} per request."
            return fedex_error(400, "TRACKING.TRACKINGNUMBER.LIMIT.EXCEEDED", message)
        detailed = (
            bool(body.get("includeDetailedScans", False)) if isinstance(body, dict) else False
        )
        results = [complete_result(n, self._shipments.get(n), detailed) for n in numbers]
        reply: dict[str, Any] = {"transactionId": str(uuid.uuid4())}
        if (customer_id := request.headers.get("x-customer-transaction-id")) is not None:
            reply["customerTransactionId"] = customer_id
        reply["output"] = {"completeTrackResults": results}
        return json_reply(reply)


def fedex_routes(guard: SystemGuard, world: World, credentials: SandboxCredentials) -> list[Route]:
    api = FedExApi(world, credentials)
    dialect = FedExDialect()
    return [
        guard.route(
            "/carrier/fedex/oauth/token", api.token, dialect, methods=("POST",), kind="auth"
        ),
        guard.route(
            "/carrier/fedex/track/v1/trackingnumbers",
            api.track,
            dialect,
            methods=("POST",),
            kind="read",
        ),
    ]
