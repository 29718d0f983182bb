"""OData v2 system query options: parse, validate, and run them against the store.

Order of evaluation is OData's: $filter, $orderby, $inlinecount (total after
filtering), $skip, $top, then server-side paging at 1,000 rows, continued by a
`$skiptoken` in `__next`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.erp.entities import ENTITY_SETS, EntitySet
from sandbox.erp.errors import ODataError
from sandbox.erp.filter import parse_filter
from sandbox.erp.store import ErpStore, Row
from sandbox.predicates import Expr, candidates, compile_predicate

PAGE_SIZE = 1000
_KNOWN = {
    "$filter",
    "$select",
    "$expand",
    "$top",
    "$skip",
    "$orderby",
    "$inlinecount",
    "$format",
    "$skiptoken",
}


@dataclass(slots=True)
class Options:
    filter: Expr | None = None
    props: list[str] | None = None  # None: every property
    navs: dict[str, list[str] | None] = field(default_factory=dict)  # selected navigations
    select_given: bool = False
    expand: list[str] = field(default_factory=list)
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (prop, descending)
    top: int | None = None
    skip: int = 0
    skiptoken: int = 0
    inlinecount: bool = False

    def nav_props(self, nav: str) -> list[str] | None:
        return self.navs.get(nav)


def _count(name: str, text: str) -> int:
    if not text.isdigit():
        raise ODataError(400, f"Invalid value '{text}' for system query option {name}")
    return int(text)


def _select(options: Options, es: EntitySet, text: str) -> None:
    options.select_given = True
    props: list[str] = []
    for raw in (part.strip() for part in text.split(",")):
        if raw == "*":
            props.extend(es.props)
            options.navs.update(dict.fromkeys(es.navs))
            continue
        head, _, tail = raw.partition("/")
        if head in es.props and not tail:
            props.append(head)
        elif head in es.navs:
            target = ENTITY_SETS[es.navs[head].target]
            if not tail or tail == "*":
                options.navs[head] = None  # the whole navigation
                continue
            if tail not in target.props:
                raise ODataError(400, f"Property {tail} not found in type {target.type_name}")
            current = options.navs.get(head, [])
            if current is not None:
                options.navs[head] = [*current, tail]
        else:
            raise ODataError(400, f"Property {head} not found in type {es.type_name}")
    options.props = [p for p in es.props if p in props]


def parse_options(params: Mapping[str, str], es: EntitySet) -> Options:
    options = Options()
    for name in params:
        if name.startswith("$") and name not in _KNOWN:
            raise ODataError(400, f"System query option '{name}' is not supported")
    if (fmt := params.get("$format")) is not None and fmt != "json":
        raise ODataError(400, f"Format '{fmt}' is not supported, use $format=json")
    if (text := params.get("$filter")) is not None:
        options.filter = parse_filter(text, es)
    if (text := params.get("$expand")) is not None:
        for nav in (part.strip() for part in text.split(",") if part.strip()):
            if nav not in es.navs:
                raise ODataError(400, f"Property {nav} not found in type {es.type_name}")
            options.expand.append(nav)
    if (text := params.get("$select")) is not None:
        _select(options, es, text)
        for nav, sub in options.navs.items():
            if sub and nav not in options.expand:
                raise ODataError(400, f"Navigation property {nav} in $select is not expanded")
    if (text := params.get("$orderby")) is not None:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            prop, _, direction = part.partition(" ")
            direction = direction.strip().lower() or "asc"
            if prop not in es.props or direction not in ("asc", "desc"):
                raise ODataError(400, f"Invalid $orderby expression '{part}'")
            options.orderby.append((prop, direction == "desc"))
    if (text := params.get("$top")) is not None:
        options.top = _count("$top", text)
    if (text := params.get("$skip")) is not None:
        options.skip = _count("$skip", text)
    if (text := params.get("$skiptoken")) is not None:
        options.skiptoken = _count("$skiptoken", text)
    if (text := params.get("$inlinecount")) is not None:
        if text not in ("allpages", "none"):
            raise ODataError(400, f"Invalid value '{text}' for $inlinecount")
        options.inlinecount = text == "allpages"
    return options


@dataclass(slots=True)
class Page:
    rows: list[Row]
    total: int
    next_skiptoken: int | None


def _sort_key(value: Any) -> tuple[int, Any]:
    # Nulls first, as SAP sorts them; a tuple keeps None out of comparisons.
    return (0, 0) if value is None else (1, value)


def _by(prop: str) -> Callable[[Row], tuple[int, Any]]:
    return lambda row: _sort_key(row[prop])


def run(store: ErpStore, es: EntitySet, base: list[Row] | None, options: Options) -> Page:
    """Apply the options to `base` rows (None: the whole entity set)."""
    if base is None:
        hint = candidates(options.filter, es.indexed) if options.filter is not None else None
        rows = store.lookup(es, hint[0], hint[1]) if hint is not None else store.rows(es)
    else:
        rows = base
    if options.filter is not None:
        keep = compile_predicate(options.filter)
        rows = [row for row in rows if keep(row)]
    if options.orderby:
        rows = list(rows)
        for prop, descending in reversed(options.orderby):
            rows.sort(key=_by(prop), reverse=descending)
    total = len(rows)
    end = total if options.top is None else min(total, options.skip + options.top)
    window = rows[options.skip : end]
    page = window[options.skiptoken : options.skiptoken + PAGE_SIZE]
    more = options.skiptoken + PAGE_SIZE < len(window)
    return Page(page, total, options.skiptoken + PAGE_SIZE if more else None)
