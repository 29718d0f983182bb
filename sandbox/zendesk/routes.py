"""Zendesk Support API v2 endpoints under `/zendesk`: tickets, comments, users, search.

Every endpoint takes Basic auth with an API token (`{email}/token:{token}`), counts
against the per-minute rate window, and answers Zendesk's error bodies. Lists page
with `page`/`per_page` (at most 100) and absolute `next_page` URLs; search stops at
1,000 results, as Zendesk's does.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.config import SandboxCredentials
from sandbox.web.guard import SystemGuard
from sandbox.web.idempotency import HEADER
from sandbox.web.replies import base_url, basic_credentials, json_reply
from sandbox.world import Case, WorldWriter
from sandbox.zendesk import search
from sandbox.zendesk.errors import RateWindow, ZendeskDialect, ZendeskError, not_found, zd_error
from sandbox.zendesk.render import audit_json, comments_json, ticket_json, user_json
from sandbox.zendesk.store import ZendeskStore
from sandbox.zendesk.writes import ZendeskWrites

Handler = Callable[[Request], Awaitable[Response]]
API = "/zendesk/api/v2"
SHOW_MANY_LIMIT = 100
SEARCH_LIMIT = 1000


def _root(request: Request) -> str:
    return f"{base_url(request)}/zendesk"


def _int(request: Request, name: str, default: int, ceiling: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ZendeskError(400, "InvalidPaginationParameter", f"{name} must be a positive integer")
    return min(int(raw), ceiling)


def _paged(
    request: Request, rows: Sequence[Any], collection: str, render: Callable[[Any], Any]
) -> Response:
    """One page of `rows` as Zendesk's offset pagination shows it."""
    per_page = _int(request, "per_page", 100, 100)
    page = _int(request, "page", 1, 10_000_000)
    start = (page - 1) * per_page
    count = len(rows)
    if collection == "results":
        # Search answers its first 1,000 results only; asking past them is refused.
        if start >= SEARCH_LIMIT:
            raise ZendeskError(
                422, "invalid", "Invalid search: Requested response size was greater than limit"
            )
        rows = rows[:SEARCH_LIMIT]
    more = start + per_page < len(rows)
    body = {
        collection: [render(row) for row in rows[start : start + per_page]],
        "next_page": str(request.url.include_query_params(page=page + 1)) if more else None,
        "previous_page": str(request.url.include_query_params(page=page - 1)) if page > 1 else None,
        "count": count,
    }
    return json_reply(body)


def _id_list(request: Request, name: str) -> list[str]:
    values = [v for v in request.query_params.get(name, "").split(",") if v]
    if len(values) > SHOW_MANY_LIMIT:
        raise ZendeskError(400, "InvalidParameter", f"{name}: at most {SHOW_MANY_LIMIT} values")
    return values


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError as exc:
        raise ZendeskError(400, "InvalidParameter", "The request body is not JSON") from exc


class ZendeskApi:
    def __init__(
        self, store: ZendeskStore, writer: WorldWriter, credentials: SandboxCredentials
    ) -> None:
        self.store = store
        self.writes = ZendeskWrites(writer, store)
        self.window = RateWindow()
        self._login = (f"{credentials.zendesk_email}/token", credentials.zendesk_api_token)

    def endpoint(self, handler: Handler) -> Handler:
        """API-token auth, the rate window and its headers, errors in Zendesk's shape."""

        async def run(request: Request) -> Response:
            self.window.spend()
            given = basic_credentials(request)
            if given is None or not (
                given[0] == self._login[0]
                and secrets.compare_digest(given[1].encode(), self._login[1].encode())
            ):
                return zd_error(ZendeskError(401, "Couldn't authenticate you"), self.window)
            try:
                response = await handler(request)
            except ZendeskError as error:
                return zd_error(error, self.window)
            response.headers.update(self.window.headers())
            return response

        return run

    def _ticket(self, request: Request) -> Case:
        case = self.store.tickets.get(request.path_params["ticket_id"])
        if case is None:
            raise not_found()
        return case

    def _ticket_reply(self, request: Request, case: Case, **extra: Any) -> dict[str, Any]:
        return {"ticket": ticket_json(self.store, case, _root(request)), **extra}

    # Tickets ------------------------------------------------------------------------

    async def show_many(self, request: Request) -> Response:
        ids = _id_list(request, "ids")
        found = [self.store.tickets.get(int(i)) for i in ids if i.isdigit()]
        root = _root(request)
        return json_reply({"tickets": [ticket_json(self.store, c, root) for c in found if c]})

    async def list_tickets(self, request: Request) -> Response:
        external_id = request.query_params.get("external_id")
        if external_id is not None:
            rows = self.store.tickets_by_external_id(external_id)
        else:
            rows = [self.store.tickets[tid] for tid in sorted(self.store.tickets)]
        root = _root(request)
        return _paged(request, rows, "tickets", lambda c: ticket_json(self.store, c, root))

    async def create_ticket(self, request: Request) -> Response:
        body = await _json_body(request)
        key = request.headers.get(HEADER, "").strip()
        case, comment, replayed = self.writes.create(body, key)
        reply = self._ticket_reply(request, case, audit=audit_json(case, comment))
        headers = {"Location": reply["ticket"]["url"]}
        if key:
            headers["x-idempotency-lookup"] = "hit" if replayed else "miss"
        return json_reply(reply, 201, headers)

    async def show_ticket(self, request: Request) -> Response:
        return json_reply(self._ticket_reply(request, self._ticket(request)))

    async def update_ticket(self, request: Request) -> Response:
        case = self._ticket(request)
        body = await _json_body(request)
        comment = self.writes.update(case, body)
        extra = {"audit": audit_json(case, comment)} if comment is not None else {}
        return json_reply(self._ticket_reply(request, case, **extra))

    async def comments(self, request: Request) -> Response:
        rows = comments_json(self.store, self._ticket(request))
        return _paged(request, rows, "comments", lambda row: row)

    # Users and search -------------------------------------------------------------------

    async def users_show_many(self, request: Request) -> Response:
        store = self.store
        if "external_ids" in request.query_params:
            wanted = _id_list(request, "external_ids")
            found = [store.users_by_external_id.get(e) for e in wanted]
        else:
            found = [store.users.get(int(i)) for i in _id_list(request, "ids") if i.isdigit()]
        root = _root(request)
        return json_reply({"users": [user_json(store, c, root) for c in found if c]})

    async def users_search(self, request: Request) -> Response:
        params = request.query_params
        text = params.get("query") or ""
        if "external_id" in params:
            text = f'external_id:"{params["external_id"]}"'
        rows = search.users(self.store, search.parse_query(text, "user"))
        root = _root(request)
        return _paged(request, rows, "users", lambda c: user_json(self.store, c, root))

    async def search(self, request: Request) -> Response:
        query = search.parse_query(request.query_params.get("query") or "")
        root = _root(request)
        store = self.store
        if query.kind == "ticket":
            rows: list[Any] = search.tickets(store, query)
            render: Callable[[Any], Any] = lambda c: {  # noqa: E731
                **ticket_json(store, c, root),
                "result_type": "ticket",
            }
        else:
            rows = search.users(store, query)
            render = lambda c: {**user_json(store, c, root), "result_type": "user"}  # noqa: E731
        return _paged(request, rows, "results", render)


def zendesk_routes(
    guard: SystemGuard, store: ZendeskStore, writer: WorldWriter, credentials: SandboxCredentials
) -> list[Route]:
    writer.listen(store.on_change)
    api = ZendeskApi(store, writer, credentials)
    dialect = ZendeskDialect(api.window)
    ticket = f"{API}/tickets/{{ticket_id:int}}"

    async def no_endpoint(request: Request) -> Response:
        error = ZendeskError(404, "InvalidEndpoint", "Not found")
        return zd_error(error, api.window)

    def route(path: str, handler: Handler, methods: Sequence[str] = ("GET",)) -> Route:
        return guard.route(path, api.endpoint(handler), dialect, methods=methods)

    return [
        route(f"{API}/tickets/show_many.json", api.show_many),
        route(f"{API}/tickets.json", api.list_tickets),
        route(f"{API}/tickets.json", api.create_ticket, ("POST",)),
        route(f"{ticket}.json", api.show_ticket),
        route(f"{ticket}.json", api.update_ticket, ("PUT",)),
        route(f"{ticket}/comments.json", api.comments),
        route(f"{API}/search.json", api.search),
        route(f"{API}/users/show_many.json", api.users_show_many),
        route(f"{API}/users/search.json", api.users_search),
        guard.route(
            "/zendesk/{path:path}",
            no_endpoint,
            dialect,
            methods=("GET", "POST", "PUT", "PATCH", "DELETE"),
            template="/zendesk/{path}",
        ),
    ]
