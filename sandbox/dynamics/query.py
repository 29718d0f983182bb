"""GET of an entity set: `cross-company`, `$filter`, `$select`, `$top`, server paging.

F&O pages server-side: at most `PAGE_SIZE` entities (or fewer, when the client asks
with `Prefer: odata.maxpagesize=N`), then an `@odata.nextLink` carrying `$skiptoken`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.dynamics.entities import DEFAULT_COMPANY, EntityStore, Row
from sandbox.dynamics.errors import DynamicsError
from sandbox.dynamics.filter import parse_filter
from sandbox.predicates import candidates, compile_predicate
from sandbox.web.replies import base_url, json_reply

PAGE_SIZE = 10_000


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a JSON number; every amount here has < 16 digits
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def encode(row: Row, select: list[str] | None) -> dict[str, Any]:
    """One entity as OData v4 JSON (minimal metadata)."""
    names = select if select is not None else list(row)
    return {name: _json_value(row[name]) for name in names}


def _int(params: dict[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None:
        return None
    if not text.isdigit():
        raise DynamicsError(400, f"The value '{text}' of {name} is not a non-negative integer.")
    return int(text)


def _page_size(request: Request) -> int:
    prefer = request.headers.get("prefer", "")
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "odata.maxpagesize" and value.isdigit() and int(value) > 0:
            return min(int(value), PAGE_SIZE)
    return PAGE_SIZE


def _matching(store: EntityStore, name: str, params: dict[str, str]) -> list[Row]:
    properties = store.properties(name)
    text = params.get("$filter")
    if not text:
        rows = store.rows(name)
    else:
        expr = parse_filter(text, properties)
        hint = candidates(expr, properties)
        base = store.lookup(name, *hint) if hint else store.rows(name)
        check = compile_predicate(expr)
        rows = [row for row in base if check(row)]
    if params.get("cross-company", "").lower() != "true":
        rows = [row for row in rows if row["dataAreaId"] == DEFAULT_COMPANY]
    return rows


def _select(store: EntityStore, name: str, params: dict[str, str]) -> list[str] | None:
    text = params.get("$select")
    if not text:
        return None
    select = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in select if part not in store.properties(name)]
    if unknown:
        raise DynamicsError(400, f"Could not find a property named '{unknown[0]}' on {name}.")
    return select


def collection(request: Request, store: EntityStore, name: str) -> Response:
    """The answer to `GET /data/<name>?…`."""
    params = dict(request.query_params)
    select = _select(store, name, params)
    rows = _matching(store, name, params)
    top = _int(params, "$top")
    if top is not None:
        rows = rows[:top]
    skip = _int(params, "$skiptoken") or 0
    size = _page_size(request)
    page = rows[skip : skip + size]
    root = f"{base_url(request)}/dynamics/data"
    context = f"{root}/$metadata#{name}" + (f"({','.join(select)})" if select else "")
    body: dict[str, Any] = {
        "@odata.context": context,
        "value": [encode(row, select) for row in page],
    }
    if skip + size < len(rows):
        following = {k: v for k, v in params.items() if k != "$skiptoken"}
        following["$skiptoken"] = str(skip + size)
        body["@odata.nextLink"] = f"{root}/{name}?{urlencode(following)}"
    return json_reply(body, headers={"OData-Version": "4.0"})
