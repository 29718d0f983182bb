"""SAP rows per entity set, built from the world on first use, with indexes for key
lookups and batched filters; documents written later are inserted in key order.

Row rendering lives in `rows` (generated documents) and `rows_after_sales`
(documents written through the API).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any

from sandbox.erp.entities import BD, CMR, CR, ENTITY_SETS, SERVICES, SO, EntitySet
from sandbox.erp.rows import Row, billing_rows, sales_order_rows, stock_row, stock_rows
from sandbox.erp.rows_after_sales import credit_memo_request_rows, customer_return_rows
from sandbox.world import BillingDocument, CreditMemoRequest, CustomerReturn, World

__all__ = ["ErpStore", "Row"]


class _SetData:
    """One entity set's rows in key order, with key and property indexes."""

    def __init__(self, es: EntitySet, rows: list[Row]) -> None:
        self.es = es
        self.rows = sorted(rows, key=self.key)
        self.by_key = {self.key(row): row for row in self.rows}
        self.index = {prop: _group(self.rows, prop) for prop in es.indexed}

    def key(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.es.keys)

    def insert(self, row: Row) -> None:
        bisect.insort(self.rows, row, key=self.key)
        self.by_key[self.key(row)] = row
        for prop, groups in self.index.items():
            groups.setdefault(row[prop], []).append(row)


class ErpStore:
    """Rows per entity set, built on first use of each service.

    Building every SAP row up front would double the sandbox's start-up time for
    a gateway that may never ask the ERP anything; a service's rows are built on
    its first request instead and kept for the life of the app.
    """

    def __init__(self, world: World) -> None:
        self._world = world
        self._sets: dict[str, _SetData] = {}

    def _build(self, service: str) -> None:
        world = self._world
        built: dict[str, list[Row]] = defaultdict(list)
        headers: list[tuple[Row, list[Row]]] = []
        if service == SO:
            headers = [sales_order_rows(so) for so in world.sales_orders]
        elif service == BD:
            headers = [billing_rows(doc, world.now) for doc in world.billing_documents]
        elif service == CMR:
            headers = [credit_memo_request_rows(r) for r in world.credit_memo_requests]
        elif service == CR:
            headers = [customer_return_rows(r) for r in world.customer_returns]
        else:
            built["A_MaterialStock"], built["A_MatlStkInAcctMod"] = stock_rows(world)
        header_set, item_set = SERVICES[service][:2]
        for header, items in headers:
            built[header_set].append(header)
            built[item_set].extend(items)
        for name in SERVICES[service]:
            self._sets[name] = _SetData(ENTITY_SETS[name], built[name])

    def on_change(self, kind: str, subject: object) -> None:
        """`WorldWriter` listener: keep already-built sets in step with written records.

        A set not built yet needs nothing: it is built from the world when first read.
        """
        world = self._world
        if kind == "billing_document" and isinstance(subject, BillingDocument):
            self._insert(BD, billing_rows(subject, world.now))
        elif kind == "credit_memo_request" and isinstance(subject, CreditMemoRequest):
            self._insert(CMR, credit_memo_request_rows(subject))
        elif kind == "customer_return" and isinstance(subject, CustomerReturn):
            self._insert(CR, customer_return_rows(subject))
        elif kind == "stock" and isinstance(subject, str):
            stock = self._sets.get("A_MatlStkInAcctMod")
            if stock is not None:
                fresh = stock_row(subject, world.stock[subject], world.now)
                row = stock.by_key.get(stock.key(fresh))
                if row is not None:
                    # In place: every index and list holding the row sees the new quantity.
                    row.update(fresh)

    def _insert(self, service: str, rows: tuple[Row, list[Row]]) -> None:
        header_set, item_set = SERVICES[service][:2]
        if header_set not in self._sets:
            return
        header, items = rows
        self._sets[header_set].insert(header)
        for item in items:
            self._sets[item_set].insert(item)

    def _data(self, es: EntitySet) -> _SetData:
        if es.name not in self._sets:
            self._build(es.service)
        return self._sets[es.name]

    def rows(self, es: EntitySet) -> list[Row]:
        return self._data(es).rows

    def get(self, es: EntitySet, key: tuple[Any, ...]) -> Row | None:
        return self._data(es).by_key.get(key)

    def lookup(self, es: EntitySet, prop: str, values: list[Any]) -> list[Row]:
        """Rows whose indexed `prop` is one of `values`, once each, in key order."""
        index = self._data(es).index[prop]
        seen: dict[int, Row] = {}
        for value in values:
            for row in index.get(value, ()):
                seen[id(row)] = row
        found = list(seen.values())
        found.sort(key=lambda row: tuple(row[k] for k in es.keys))
        return found

    def follow(self, es: EntitySet, row: Row, nav_name: str) -> list[Row]:
        """Rows a navigation property of `row` points at."""
        nav = es.navs[nav_name]
        target = ENTITY_SETS[nav.target]
        (source_prop, target_prop), *rest = nav.pairs
        found = self.lookup(target, target_prop, [row[source_prop]])
        return [r for r in found if all(r[t] == row[s] for s, t in rest)]


def _group(rows: list[Row], prop: str) -> dict[Any, list[Row]]:
    groups: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[prop]].append(row)
    return dict(groups)
