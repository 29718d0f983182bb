"""Salesforce REST endpoints under `/crm`: OAuth token, SOQL query (+ paging), sObject
reads, and the sObject writes of `writes` (create, upsert by external id).

`instance_url` points back at this mount (".../sandbox/crm"), and relative
URLs in bodies (`attributes.url`, `nextRecordsUrl`) are relative to it, as
they are to a real org's instance.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.config import SandboxCredentials
from sandbox.crm.auth import ORG_ID, USER_ID, SessionStore
from sandbox.crm.errors import ApiUsage, CrmDialect, SalesforceError, sf_error
from sandbox.crm.query import DATA, Cursor, Locators, batch_size, execute, page, wire_record
from sandbox.crm.schema import OBJECTS
from sandbox.crm.sobject_input import parse_body
from sandbox.crm.soql import parse_soql
from sandbox.crm.soql_tokens import SoqlError
from sandbox.crm.store import CrmStore
from sandbox.crm.writes import CrmWrites
from sandbox.web.guard import SystemGuard
from sandbox.web.replies import (
    base_url,
    basic_credentials,
    bearer_token,
    json_reply,
    read_form,
    uri_length,
)
from sandbox.world import WorldWriter

MAX_URI = 16_384
Handler = Callable[[Request], Awaitable[Response]]
_NOT_FOUND = "The requested resource does not exist"


class CrmApi:
    def __init__(
        self, store: CrmStore, writer: WorldWriter, credentials: SandboxCredentials
    ) -> None:
        self.store = store
        self.writes = CrmWrites(writer, store)
        self.usage = ApiUsage()
        self.sessions = SessionStore(credentials.crm_client_secret)
        self.locators = Locators()
        self._client = (credentials.crm_client_id, credentials.crm_client_secret)

    async def token(self, request: Request) -> Response:
        form = await read_form(request)
        headers = {**self.usage.header(), "Cache-Control": "no-store"}
        if form.get("grant_type") != "client_credentials":
            body = {
                "error": "unsupported_grant_type",
                "error_description": "grant type not supported",
            }
            return json_reply(body, 400, headers)
        client = basic_credentials(request) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if client[0] != self._client[0]:
            body = {"error": "invalid_client_id", "error_description": "client identifier invalid"}
            return json_reply(body, 400, headers)
        if not secrets.compare_digest(client[1].encode(), self._client[1].encode()):
            body = {"error": "invalid_client", "error_description": "invalid client credentials"}
            return json_reply(body, 400, headers)
        instance = f"{base_url(request)}/crm"
        issued = self.sessions.issue(f"{instance}/id/{ORG_ID}/{USER_ID}")
        body = {
            "access_token": issued["access_token"],
            "instance_url": instance,
            "id": issued["id"],
            "token_type": "Bearer",
            "issued_at": issued["issued_at"],
            "signature": issued["signature"],
        }
        return json_reply(body, headers=headers)

    def data(self, handler: Callable[[Request], Response]) -> Handler:
        """Data endpoints: URI limit, bearer session, usage counter and header."""

        async def run(request: Request) -> Response:
            return handler(request)

        return self._data(run)

    def data_body(self, handler: Callable[[Request, dict[str, Any]], Response]) -> Handler:
        """`data` for writes: the JSON body is read first, then the handler runs without
        awaiting, so its checks and the insert they guard cannot interleave."""

        async def run(request: Request) -> Response:
            return handler(request, parse_body(await request.body()))

        return self._data(run)

    def _data(self, run: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            if uri_length(request) > MAX_URI:
                return sf_error(414, "URI_TOO_LONG", "The request URI is too long", self.usage)
            if not self.sessions.valid(bearer_token(request)):
                return sf_error(
                    401,
                    "INVALID_SESSION_ID",
                    "Session expired or invalid",
                    self.usage,
                    {"WWW-Authenticate": "Token"},
                )
            self.usage.used += 1
            try:
                response = await run(request)
            except SoqlError as error:
                return sf_error(400, error.code, error.message, self.usage)
            except SalesforceError as error:
                return sf_error(
                    error.status, error.code, error.message, self.usage, fields=error.fields
                )
            response.headers.update(self.usage.header())
            return response

        return endpoint

    def query(self, request: Request) -> Response:
        query = parse_soql(request.query_params.get("q", ""))
        cursor = Cursor(
            query.obj,
            query.fields,
            execute(self.store, query),
            batch_size(request.headers.get("sforce-query-options")),
        )
        return json_reply(page(self.locators, cursor, 0, None))

    def more(self, request: Request) -> Response:
        locator, _, offset = request.path_params["locator"].rpartition("-")
        cursor = self.locators.get(locator)
        if cursor is None or not offset.isdigit():
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator", self.usage)
        return json_reply(page(self.locators, cursor, int(offset), locator))

    def sobject(self, request: Request) -> Response:
        obj = request.path_params["sobject"]
        record = self.store.get(obj, request.path_params["record_id"]) if obj in OBJECTS else None
        if record is None:
            return sf_error(404, "NOT_FOUND", _NOT_FOUND, self.usage)
        return json_reply(wire_record(obj, record, list(OBJECTS[obj])))

    def create(self, request: Request, data: dict[str, Any]) -> Response:
        obj = request.path_params["sobject"]
        if obj not in OBJECTS:
            raise SalesforceError(404, "NOT_FOUND", _NOT_FOUND)
        status, body = self.writes.create(obj, data)
        location = f"{DATA}/sobjects/{obj}/{body['id']}"
        return json_reply(body, status, {"Location": location})

    def upsert(self, request: Request, data: dict[str, Any]) -> Response:
        obj = request.path_params["sobject"]
        if obj not in OBJECTS:
            raise SalesforceError(404, "NOT_FOUND", _NOT_FOUND)
        params = request.path_params
        status, body = self.writes.upsert(obj, params["field"], params["value"], data)
        return json_reply(body, status)

    def versions(self, request: Request) -> Response:
        return json_reply([{"label": "Spring '24", "url": DATA, "version": "60.0"}])


def _write_template(tail: str) -> Callable[[Request], str]:
    """Stats name writes by sObject ("POST .../sobjects/CaseComment"): there are few known
    types, and telling a case from a comment is what a write count is for."""

    def name(request: Request) -> str:
        obj = request.path_params.get("sobject", "")
        field = request.path_params.get("field", "")
        named = tail.replace("{sobject}", obj if obj in OBJECTS else "{sobject}")
        known = field in OBJECTS.get(obj, {})
        return f"/crm{DATA}/sobjects{named.replace('{field}', field if known else '{field}')}"

    return name


def crm_routes(
    guard: SystemGuard, store: CrmStore, writer: WorldWriter, credentials: SandboxCredentials
) -> list[Route]:
    writer.listen(store.on_change)
    api = CrmApi(store, writer, credentials)
    dialect = CrmDialect(api.usage)

    async def not_found(request: Request) -> Response:
        return sf_error(404, "NOT_FOUND", _NOT_FOUND, api.usage)

    return [
        guard.route(
            "/crm/services/oauth2/token", api.token, dialect, methods=("POST",), kind="auth"
        ),
        guard.route("/crm/services/data", api.data(api.versions), dialect),
        guard.route(f"/crm{DATA}/query", api.data(api.query), dialect),
        guard.route(f"/crm{DATA}/query/{{locator}}", api.data(api.more), dialect),
        guard.route(
            f"/crm{DATA}/sobjects/{{sobject}}/{{record_id}}", api.data(api.sobject), dialect
        ),
        guard.route(
            f"/crm{DATA}/sobjects/{{sobject}}",
            api.data_body(api.create),
            dialect,
            methods=("POST",),
            template=_write_template("/{sobject}"),
        ),
        guard.route(
            f"/crm{DATA}/sobjects/{{sobject}}/{{field}}/{{value:path}}",
            api.data_body(api.upsert),
            dialect,
            methods=("PATCH",),
            template=_write_template("/{sobject}/{field}/{value}"),
        ),
        guard.route(
            "/crm/{path:path}",
            not_found,
            dialect,
            methods=("GET", "POST", "PUT", "PATCH", "DELETE"),
            template="/crm/{path}",
        ),
    ]
