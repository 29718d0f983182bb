"""All carrier routes under `/carrier`, plus a vendor-shaped 404 for anything else."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.carriers.easypost_routes import easypost_routes
from sandbox.carriers.errors import EasyPostDialect, easypost_error, fedex_error
from sandbox.carriers.fedex_routes import fedex_routes
from sandbox.config import SandboxCredentials
from sandbox.web.guard import SystemGuard
from sandbox.world import World


async def _not_found(request: Request) -> Response:
    if request.path_params.get("path", "").startswith("fedex/"):
        return fedex_error(
            404, "NOT.FOUND.ERROR", "The resource you requested is no longer available."
        )
    return easypost_error(404, "NOT_FOUND", "The requested resource could not be found.")


def carrier_routes(
    guard: SystemGuard, world: World, credentials: SandboxCredentials
) -> list[Route]:
    return [
        *fedex_routes(guard, world, credentials),
        *easypost_routes(guard, world, credentials),
        guard.route(
            "/carrier/{path:path}",
            _not_found,
            EasyPostDialect(),
            methods=("GET", "POST", "PUT", "PATCH", "DELETE"),
            template="/carrier/{path}",
        ),
    ]
