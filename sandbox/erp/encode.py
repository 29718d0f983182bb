"""Spell store rows as OData v2 verbose JSON: `__metadata`, deferred or expanded navigations,
"/Date(ms)/" dates, decimals as strings (vendor-wire-formats §1.2)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request

from sandbox.erp.entities import ENTITY_SETS, EntitySet
from sandbox.erp.query import Options, Page
from sandbox.erp.store import ErpStore, Row
from sandbox.timefmt import sap_datetime, sap_datetimeoffset
from sandbox.web.replies import base_url

ROOT = "/erp/sap/opu/odata/sap"


def service_root(request: Request) -> str:
    return f"{base_url(request)}{ROOT}"


def key_predicate(es: EntitySet, row: Row) -> str:
    """ "('5000123')" for one key, "(SalesOrder='5000123',SalesOrderItem='10')" for several."""
    if len(es.keys) == 1:
        return "('" + quote(str(row[es.keys[0]]).replace("'", "''"), safe="") + "')"
    parts = (f"{k}='{quote(str(row[k]).replace(chr(39), chr(39) * 2), safe='')}'" for k in es.keys)
    return "(" + ",".join(parts) + ")"


def etag(at: datetime.datetime) -> str:
    """SAP's weak ETag over the change timestamp, with the colons URL-encoded as SAP does."""
    stamp = f"{at:%Y-%m-%dT%H}%3A{at:%M}%3A{at:%S}.{at.microsecond:06d}0Z"
    return f"W/\"datetimeoffset'{stamp}'\""


def _value(edm: str, value: Any) -> Any:
    if value is None or edm in ("S", "B"):
        return value
    if edm == "D":
        return str(value)
    if edm == "DT":
        return sap_datetime(value)
    return sap_datetimeoffset(value)


class Encoder:
    def __init__(self, store: ErpStore, root: str) -> None:
        self._store = store
        self._root = root

    def entity(self, es: EntitySet, row: Row, options: Options) -> dict[str, Any]:
        uri = f"{self._root}/{es.service}/{es.name}{key_predicate(es, row)}"
        out: dict[str, Any] = {
            "__metadata": {
                "id": uri,
                "uri": uri,
                "type": es.type_name,
                "etag": etag(row["__changed"]),
            }
        }
        for prop in es.props if options.props is None else options.props:
            out[prop] = _value(es.props[prop], row[prop])
        for nav_name, nav in es.navs.items():
            if options.select_given and nav_name not in options.navs:
                continue
            if nav_name not in options.expand:
                out[nav_name] = {"__deferred": {"uri": f"{uri}/{nav_name}"}}
                continue
            target = ENTITY_SETS[nav.target]
            sub = options.nav_props(nav_name)
            child_options = Options(props=sub, select_given=sub is not None)
            children = [
                self.entity(target, child, child_options)
                for child in self._store.follow(es, row, nav_name)
            ]
            if nav.many:
                out[nav_name] = {"results": children}
            else:
                out[nav_name] = children[0] if children else None
        return out

    def collection(
        self, es: EntitySet, page: Page, options: Options, request: Request
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if options.inlinecount:
            body["__count"] = str(page.total)  # OData v2 JSON spells the count as a string
        body["results"] = [self.entity(es, row, options) for row in page.rows]
        if page.next_skiptoken is not None:
            body["__next"] = next_link(request, page.next_skiptoken)
        return {"d": body}


def next_link(request: Request, skiptoken: int) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "$skiptoken"]
    pairs.append(("$skiptoken", str(skiptoken)))
    query = urlencode(pairs, quote_via=quote, safe="$,'()/*:")
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}?{query}"
