"""Control routes for tests, benchmarks and demos: `/stats` and `/faults` (never faulted)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.web.faults import FaultError, Faults
from sandbox.web.replies import json_reply
from sandbox.web.stats import SYSTEMS, Stats


def control_routes(stats: Stats, faults: Faults) -> list[Route]:
    async def get_stats(request: Request) -> Response:
        return json_reply(stats.snapshot())

    async def reset_stats(request: Request) -> Response:
        stats.reset()
        return json_reply(stats.snapshot())

    async def put_faults(request: Request) -> Response:
        system = request.path_params["system"]
        if system not in SYSTEMS:
            expected = ", ".join(SYSTEMS)
            return json_reply({"error": f"unknown system {system!r}; one of {expected}"}, 404)
        try:
            body = json.loads(await request.body() or b"{}")
            settings = faults.update(system, body)
        except json.JSONDecodeError:
            return json_reply({"error": "the body must be JSON"}, 400)
        except FaultError as exc:
            return json_reply({"error": str(exc)}, 400)
        return json_reply({system: settings.as_dict()})

    async def get_faults(request: Request) -> Response:
        return json_reply(faults.snapshot())

    async def clear_faults(request: Request) -> Response:
        faults.clear()
        return json_reply(faults.snapshot())

    return [
        Route("/stats", get_stats, methods=["GET"]),
        Route("/stats/reset", reset_stats, methods=["POST"]),
        Route("/faults/{system}", put_faults, methods=["PUT"]),
        Route("/faults", get_faults, methods=["GET"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
    ]
