"""Run a parsed SOQL query against the store and page the result like Salesforce.

Pages hold 2,000 records unless the client asks for a smaller `batchSize`
(header `Sforce-Query-Options: batchSize=200`, 200..2000); the rest waits
behind `nextRecordsUrl` ("/services/data/v60.0/query/<locator>-<offset>").
"""

from __future__ import annotations

import datetime
import itertools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.crm.schema import OBJECTS, transform
from sandbox.crm.soql import Query
from sandbox.crm.store import CrmStore, Record
from sandbox.predicates import candidates, compile_predicate
from sandbox.timefmt import sf_datetime
from sandbox.world.ids import sf_id

DATA = "/services/data/v60.0"
MAX_BATCH = 2000
MIN_BATCH = 200


def wire_value(kind: str, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return sf_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def wire_record(obj: str, record: Record, fields: list[str]) -> dict[str, Any]:
    kinds = OBJECTS[obj]
    out: dict[str, Any] = {
        "attributes": {"type": obj, "url": f"{DATA}/sobjects/{obj}/{record['Id']}"}
    }
    for name in fields:
        out[name] = wire_value(kinds[name], record[name])
    return out


def batch_size(header: str | None) -> int:
    """`batchSize=N` from Sforce-Query-Options, clamped to Salesforce's 200..2000."""
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "batchsize" and value.strip().isdigit():
            return max(MIN_BATCH, min(MAX_BATCH, int(value.strip())))
    return MAX_BATCH


def _sort_key(kind: str, nulls_first: bool, desc: bool) -> Callable[[Any], tuple[int, Any]]:
    norm = transform(kind)
    # `reverse=True` flips the ranks too, so nulls must rank high to come first then.
    null_rank = 0 if nulls_first != desc else 2
    return lambda value: (null_rank, 0) if value is None else (1, norm(value))


def _by(name: str, key: Callable[[Any], tuple[int, Any]]) -> Callable[[Record], tuple[int, Any]]:
    return lambda record: key(record[name])


def execute(store: CrmStore, query: Query) -> list[Record]:
    kinds = OBJECTS[query.obj]
    if query.where is not None:
        hint = candidates(query.where, store.indexed(query.obj))
        base = store.lookup(query.obj, *hint) if hint else store.records[query.obj]
        transforms = {name: transform(kind) for name, kind in kinds.items()}
        keep = compile_predicate(query.where, transforms)
        rows = [record for record in base if keep(record)]
    else:
        rows = list(store.records[query.obj])
    for name, desc, nulls_first in reversed(query.order):
        rows.sort(key=_by(name, _sort_key(kinds[name], nulls_first, desc)), reverse=desc)
    end = None if query.limit is None else query.offset + query.limit
    return rows[query.offset : end]


@dataclass(slots=True)
class Cursor:
    obj: str
    fields: list[str]
    records: list[Record]
    batch: int


class Locators:
    """Open query cursors, oldest evicted first (Salesforce also expires them)."""

    def __init__(self, capacity: int = 200) -> None:
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._capacity = capacity
        self._counter = itertools.count(1)

    def open(self, cursor: Cursor) -> str:
        locator = sf_id("01g", next(self._counter))
        self._open[locator] = cursor
        while len(self._open) > self._capacity:
            self._open.popitem(last=False)
        return locator

    def get(self, locator: str) -> Cursor | None:
        return self._open.get(locator)


def page(locators: Locators, cursor: Cursor, offset: int, locator: str | None) -> dict[str, Any]:
    """The response body for records [offset, offset + batch) of a result."""
    chunk = cursor.records[offset : offset + cursor.batch]
    done = offset + cursor.batch >= len(cursor.records)
    body: dict[str, Any] = {"totalSize": len(cursor.records), "done": done}
    if not done:
        locator = locator or locators.open(cursor)
        body["nextRecordsUrl"] = f"{DATA}/query/{locator}-{offset + cursor.batch}"
    body["records"] = [wire_record(cursor.obj, r, cursor.fields) for r in chunk]
    return body
