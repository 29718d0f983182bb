"""SAP S/4HANA Cloud OData v2 endpoints under `/erp/sap/opu/odata/sap/{service}/...`.

Checks run in the order SAP's stack does: the ICM rejects over-long URIs
(414) before logon, logon (HTTP Basic) before the CSRF check of modifying
requests, and that before the Gateway parses the resource path, query options
and body.
"""

from __future__ import annotations

import re
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.config import SandboxCredentials
from sandbox.erp.csrf import SAFE_METHODS, CsrfSessions, csrf_required
from sandbox.erp.encode import Encoder, service_root
from sandbox.erp.entities import ENTITY_SETS, SERVICES, EntitySet
from sandbox.erp.errors import ErpDialect, ODataError, error_reply
from sandbox.erp.metadata import metadata_xml
from sandbox.erp.query import parse_options, run
from sandbox.erp.store import ErpStore, Row
from sandbox.erp.writes import ErpWrites, not_allowed
from sandbox.web.guard import SystemGuard
from sandbox.web.replies import basic_credentials, json_reply, uri_length
from sandbox.world import WorldWriter

MAX_URI = 8192
WRITE_METHODS = ("POST", "PUT", "PATCH", "MERGE", "DELETE")
ROOT = "/erp/sap/opu/odata/sap"
_RESOURCE = re.compile(
    r"^(?P<set>[A-Za-z_]\w*)(?:\((?P<key>[^()]*)\))?(?:/(?P<nav>[A-Za-z_]\w*))?(?P<count>/\$count)?$"
)
_PAIR = re.compile(r"\s*(?:(?P<name>\w+)\s*=\s*)?'(?P<value>(?:[^']|'')*)'\s*(?:,|$)")
_UNAUTHORIZED = (
    "<html><head><title>Logon Error Message</title></head><body>"
    "<h1>Anmeldung fehlgeschlagen / Logon failed</h1></body></html>"
)


def _template(request: Request) -> str:
    service = request.path_params.get("service", "")
    service = service if service in SERVICES else "{service}"
    resource = request.path_params.get("resource", "")
    if resource == "$metadata":
        return f"{ROOT}/{service}/$metadata"
    match = _RESOURCE.match(resource)
    if match is None:
        return (
            f"{ROOT}/{service}/{{resource}}"
            if request.path_params.get("resource")
            else f"{ROOT}/{service}"
        )
    name = match["set"] if match["set"] in ENTITY_SETS else "{set}"
    key = "({key})" if match["key"] is not None else ""
    nav = f"/{match['nav']}" if match["nav"] else ""
    return f"{ROOT}/{service}/{name}{key}{nav}{'/$count' if match['count'] else ''}"


def _parse_key(text: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    values: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PAIR.match(text, pos)
        if match is None or match.end() == pos:
            raise ODataError(400, f"Invalid key predicate '({text})'")
        name = match["name"] or (keys[0] if len(keys) == 1 else "")
        if name not in keys:
            raise ODataError(400, f"Invalid key predicate '({text})'")
        values[name] = match["value"].replace("''", "'")
        pos = match.end()
    if set(values) != set(keys):
        raise ODataError(400, f"Invalid key predicate '({text})'")
    return tuple(values[k] for k in keys)


class ErpApi:
    def __init__(
        self, store: ErpStore, writer: WorldWriter, credentials: SandboxCredentials
    ) -> None:
        self.store = store
        self.writes = ErpWrites(store, writer)
        self._secret = f"{credentials.erp_user}:{credentials.erp_password}".encode()
        self.csrf = CsrfSessions()

    def _authorized(self, request: Request) -> bool:
        given = basic_credentials(request)
        if given is None:
            return False
        return secrets.compare_digest(f"{given[0]}:{given[1]}".encode(), self._secret)

    async def handle(self, request: Request) -> Response:
        if uri_length(request) > MAX_URI:
            return Response("414 Request-URI Too Long", 414, media_type="text/plain")
        if not self._authorized(request):
            return Response(
                _UNAUTHORIZED,
                401,
                headers={"WWW-Authenticate": 'Basic realm="SAP NetWeaver Application Server"'},
                media_type="text/html",
            )
        safe = request.method in SAFE_METHODS
        if not safe and not self.csrf.check(request):
            return csrf_required()
        # The body is read before validation starts: from there to the insert nothing awaits.
        raw = b"" if safe else await request.body()
        try:
            response = self._dispatch(request) if safe else self._modify(request, raw)
        except ODataError as error:
            response = error_reply(request, error)
        if safe:
            self.csrf.answer_fetch(request, response)
        response.headers["dataserviceversion"] = "2.0"
        return response

    def _service(self, request: Request) -> str:
        service = str(request.path_params["service"])
        if service not in SERVICES:
            raise ODataError(
                404,
                f"No service found for namespace '', name '{service}', version '0001'",
                "/IWFND/MED/170",
            )
        return service

    def _modify(self, request: Request, raw: bytes) -> Response:
        service = self._service(request)
        resource = request.path_params.get("resource", "")
        match = _RESOURCE.match(resource)
        if match is None or match["set"] not in SERVICES[service]:
            segment = match["set"] if match else resource
            raise ODataError(404, f"Resource not found for segment '{segment}'")
        plain = match["key"] is None and not match["nav"] and not match["count"]
        if request.method != "POST" or not plain:
            raise not_allowed(request.method, resource)
        return self.writes.create(request, ENTITY_SETS[match["set"]], raw)

    def _dispatch(self, request: Request) -> Response:
        service = self._service(request)
        resource = request.path_params.get("resource", "")
        root = service_root(request)
        if resource == "":
            sets = {"d": {"EntitySets": list(SERVICES[service])}}
            return json_reply(sets)
        if resource == "$metadata":
            return Response(metadata_xml(service), media_type="application/xml")
        match = _RESOURCE.match(resource)
        if match is None or match["set"] not in SERVICES[service]:
            segment = match["set"] if match else resource
            raise ODataError(404, f"Resource not found for segment '{segment}'")
        es = ENTITY_SETS[match["set"]]
        encoder = Encoder(self.store, root)
        params = dict(request.query_params)
        if match["key"] is None:
            if match["nav"]:
                raise ODataError(400, f"Navigation {match['nav']} needs a key predicate")
            return self._collection(request, es, None, match["count"] is not None, params, encoder)
        row = self.store.get(es, _parse_key(match["key"], es.keys))
        if row is None:
            raise ODataError(404, f"Resource not found for segment '{es.name}Type'")
        if not match["nav"]:
            return json_reply({"d": encoder.entity(es, row, parse_options(params, es))})
        nav = es.navs.get(match["nav"])
        if nav is None:
            raise ODataError(404, f"Resource not found for segment '{match['nav']}'")
        target = ENTITY_SETS[nav.target]
        rows = self.store.follow(es, row, match["nav"])
        if not nav.many:
            options = parse_options(params, target)
            return json_reply({"d": encoder.entity(target, rows[0], options) if rows else None})
        return self._collection(request, target, rows, match["count"] is not None, params, encoder)

    def _collection(
        self,
        request: Request,
        es: EntitySet,
        base: list[Row] | None,
        count_only: bool,
        params: dict[str, str],
        encoder: Encoder,
    ) -> Response:
        options = parse_options(params, es)
        page = run(self.store, es, base, options)
        if count_only:
            return Response(str(page.total), media_type="text/plain")
        return json_reply(encoder.collection(es, page, options, request))


def erp_routes(
    guard: SystemGuard, store: ErpStore, writer: WorldWriter, credentials: SandboxCredentials
) -> list[Route]:
    api = ErpApi(store, writer, credentials)
    dialect = ErpDialect()

    async def not_found(request: Request) -> Response:
        return error_reply(request, ODataError(404, "Resource not found", "/IWFND/MED/170"))

    return [
        guard.route(
            f"{ROOT}/{{service}}",
            api.handle,
            dialect,
            methods=("GET", *WRITE_METHODS),
            template=_template,
        ),
        guard.route(
            f"{ROOT}/{{service}}/{{resource:path}}",
            api.handle,
            dialect,
            methods=("GET", *WRITE_METHODS),
            template=_template,
        ),
        guard.route(
            "/erp/{path:path}",
            not_found,
            dialect,
            methods=("GET", *WRITE_METHODS),
            template="/erp/{path}",
        ),
    ]
