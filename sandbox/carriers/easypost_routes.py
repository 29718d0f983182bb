"""EasyPost endpoints under `/carrier/easypost/v2`: list, retrieve and batch-read trackers.

Lists run newest first and page backwards with `before_id`, like EasyPost's
index endpoints; a batch read of a code EasyPost has never seen answers a new
tracker in status `unknown` rather than an error, as the real service does.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.carriers.easypost import tracker, unknown_tracker
from sandbox.carriers.errors import EasyPostDialect, easypost_error
from sandbox.config import SandboxCredentials
from sandbox.web.guard import SystemGuard
from sandbox.web.replies import basic_credentials, json_reply
from sandbox.world import Shipment, World

MAX_PAGE = 100
PREFIX = "/carrier/easypost/v2"


def _guess_carrier(code: str) -> str | None:
    if code.upper().startswith("1Z"):
        return "UPS"
    return "USPS" if code.isdigit() and len(code) in (20, 22) else None


class EasyPostApi:
    def __init__(self, world: World, credentials: SandboxCredentials) -> None:
        tracked = [s for s in world.shipments if s.tracker_id is not None]
        # Newest first, as EasyPost lists.
        tracked.sort(key=lambda s: (s.shipped_at, s.tracker_id or ""), reverse=True)
        self._newest_first = tracked
        self._position = {s.tracker_id: i for i, s in enumerate(tracked)}
        self._by_code: dict[str, Shipment] = {s.tracking_number: s for s in tracked}
        self._key = credentials.easypost_api_key.encode()
        self._cache: dict[str, dict[str, Any]] = {}

    def _tracker(self, shipment: Shipment) -> dict[str, Any]:
        key = shipment.tracking_number
        if key not in self._cache:
            self._cache[key] = tracker(shipment)
        return self._cache[key]

    def _authorized(self, request: Request) -> bool:
        given = basic_credentials(request)
        return given is not None and secrets.compare_digest(given[0].encode(), self._key)

    def _unauthorized(self) -> Response:
        message = "Your API key is missing or invalid. Send it as the HTTP Basic username."
        return easypost_error(401, "APIKEY.REQUIRED", message)

    async def list(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        params = request.query_params
        size_text = params.get("page_size", "20")
        if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE:
            message = f"page_size must be between 1 and {MAX_PAGE}"
            return easypost_error(
                422, "PARAMETER.INVALID", message, [{"field": "page_size", "message": message}]
            )
        size = int(size_text)
        codes = params.getlist("tracking_codes[]") + [
            c for raw in params.getlist("tracking_codes") for c in raw.split(",") if c
        ]
        rows = self._newest_first
        if codes:
            wanted = {self._by_code[c].tracker_id for c in codes if c in self._by_code}
            rows = [s for s in rows if s.tracker_id in wanted]
        if carrier := params.get("carrier"):
            rows = [s for s in rows if s.carrier.upper() == carrier.upper()]
        if before := params.get("before_id"):
            cut = self._position.get(before)
            rows = [s for s in rows if cut is not None and self._position[s.tracker_id] > cut]
        if after := params.get("after_id"):
            cut = self._position.get(after)
            rows = [s for s in rows if cut is not None and self._position[s.tracker_id] < cut]
        page = rows[:size]
        return json_reply(
            {"trackers": [self._tracker(s) for s in page], "has_more": len(rows) > size}
        )

    async def retrieve(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        index = self._position.get(request.path_params["tracker_id"])
        if index is None:
            return easypost_error(404, "NOT_FOUND", "The requested resource could not be found.")
        return json_reply(self._tracker(self._newest_first[index]))

    async def batch(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        try:
            body = json.loads(await request.body())
            codes = body["tracking_codes"]
            if not isinstance(codes, list) or not codes:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            field = {"field": "tracking_codes", "message": "must be a non-empty list"}
            return easypost_error(422, "PARAMETER.REQUIRED", "Missing required parameter.", [field])
        trackers = []
        for code in (str(c).strip() for c in codes):
            shipment = self._by_code.get(code)
            trackers.append(
                self._tracker(shipment) if shipment else unknown_tracker(code, _guess_carrier(code))
            )
        return json_reply({"trackers": trackers})


def easypost_routes(
    guard: SystemGuard, world: World, credentials: SandboxCredentials
) -> list[Route]:
    api = EasyPostApi(world, credentials)
    dialect = EasyPostDialect()
    return [
        guard.route(f"{PREFIX}/trackers", api.list, dialect),
        guard.route(f"{PREFIX}/trackers/batch", api.batch, dialect, methods=("POST",), kind="read"),
        guard.route(f"{PREFIX}/trackers/{{tracker_id}}", api.retrieve, dialect),
    ]
