"""Control routes for tests, benchmarks and demos: `/stats`, `/faults` and `/stock`.

They are never faulted nor counted. `PUT /stock/{material}` sets SAP's
unrestricted stock of a material (what replacement orders consume), so a test
can stage an out-of-stock replacement.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.web.faults import FaultError, Faults
from sandbox.web.replies import json_reply
from sandbox.web.stats import SYSTEMS, Stats
from sandbox.world import WorldWriter

MAX_STOCK = 10_000_000


def control_routes(stats: Stats, faults: Faults, writer: WorldWriter) -> list[Route]:
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

    async def put_stock(request: Request) -> Response:
        material = request.path_params["material"]
        if material not in writer.world.product_by_sku:
            return json_reply({"error": f"unknown material {material!r}"}, 404)
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return json_reply({"error": "the body must be JSON"}, 400)
        quantity = body.get("quantity") if isinstance(body, dict) else None
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            return json_reply({"error": 'the body must be {"quantity": <whole number>}'}, 400)
        if not 0 <= quantity <= MAX_STOCK:
            return json_reply({"error": f"quantity must be between 0 and {MAX_STOCK}"}, 400)
        writer.set_stock(material, quantity)
        return json_reply({"material": material, "quantity": quantity})

    async def get_stock(request: Request) -> Response:
        material = request.path_params["material"]
        if material not in writer.world.product_by_sku:
            return json_reply({"error": f"unknown material {material!r}"}, 404)
        return json_reply({"material": material, "quantity": writer.world.stock[material]})

    return [
        Route("/stock/{material}", put_stock, methods=["PUT"]),
        Route("/stock/{material}", get_stock, methods=["GET"]),
        Route("/stats", get_stats, methods=["GET"]),
        Route("/stats/reset", reset_stats, methods=["POST"]),
        Route("/faults/{system}", put_faults, methods=["PUT"]),
        Route("/faults", get_faults, methods=["GET"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
    ]
