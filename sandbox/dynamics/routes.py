"""Dynamics 365 F&O endpoints under `/dynamics`: the Entra ID token endpoint,
`/dynamics/data/<EntitySet>` and `/dynamics/data/$batch`.

Checks run in the order the service does: the bearer token first (401 with an empty
body, as F&O answers), then the entity set, query options and body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.config import SandboxCredentials
from sandbox.dynamics.auth import EntraTokens
from sandbox.dynamics.batch import BatchProcessor, Document
from sandbox.dynamics.entities import BUILDERS, EntityStore
from sandbox.dynamics.errors import DynamicsDialect, DynamicsError, error_reply
from sandbox.dynamics.query import collection
from sandbox.dynamics.writes import create_credit_note, create_return_order
from sandbox.web.guard import SystemGuard
from sandbox.world import WorldWriter

DOCUMENTS = [
    Document(
        "FreeTextInvoiceHeaders", "FreeTextInvoiceLines", "FreeTextNumber", create_credit_note
    ),
    Document("ReturnOrderHeaders", "ReturnOrderLines", "ReturnOrderNumber", create_return_order),
]
_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class DynamicsApi:
    def __init__(self, store: EntityStore, writer: WorldWriter, tokens: EntraTokens) -> None:
        self.store = store
        self.tokens = tokens
        self.batch = BatchProcessor(writer, DOCUMENTS, self._created)

    def _created(self, name: str, key: str, value: str) -> dict[str, object] | None:
        rows = self.store.lookup(name, key, [value])
        return rows[0] if rows else None

    async def read(self, request: Request) -> Response:
        if not self.tokens.valid(request):
            return Response(status_code=401, headers=_UNAUTHORIZED)
        name = request.path_params["entity"]
        try:
            if name not in BUILDERS:
                raise DynamicsError(404, f"Resource not found for the segment '{name}'.")
            return collection(request, self.store, name)
        except DynamicsError as error:
            return error_reply(error)

    async def write(self, request: Request) -> Response:
        if not self.tokens.valid(request):
            return Response(status_code=401, headers=_UNAUTHORIZED)
        # Read the body before validating: from there to the insert nothing awaits.
        raw = await request.body()
        try:
            body, content_type = self.batch.process(raw, request.headers.get("content-type", ""))
        except DynamicsError as error:
            return error_reply(error)
        return Response(body, 200, media_type=content_type, headers={"OData-Version": "4.0"})


def _template(request: Request) -> str:
    name = request.path_params.get("entity", "")
    return f"/dynamics/data/{name if name in BUILDERS else '{entity}'}"


def dynamics_routes(
    guard: SystemGuard, store: EntityStore, writer: WorldWriter, credentials: SandboxCredentials
) -> list[Route]:
    tokens = EntraTokens(
        credentials.dynamics_tenant_id,
        credentials.dynamics_client_id,
        credentials.dynamics_client_secret,
    )
    api = DynamicsApi(store, writer, tokens)
    dialect = DynamicsDialect()

    async def not_found(request: Request) -> Response:
        return error_reply(DynamicsError(404, "Resource not found."))

    return [
        guard.route(
            "/dynamics/{tenant}/oauth2/v2.0/token",
            tokens.token,
            dialect,
            methods=("POST",),
            kind="auth",
            template="/dynamics/{tenant}/oauth2/v2.0/token",
        ),
        guard.route("/dynamics/data/$batch", api.write, dialect, methods=("POST",)),
        guard.route("/dynamics/data/{entity}", api.read, dialect, template=_template),
        guard.route(
            "/dynamics/{path:path}",
            not_found,
            dialect,
            methods=("GET", "POST", "PATCH", "DELETE"),
            template="/dynamics/{path}",
        ),
    ]
