"""Fuzz: generated queries and mutations, with real ids, hostile scalars and three tokens.

hypothesis-graphql builds operations from the real schema (valid ones, and ones with one
schema violation each). Their scalars are drawn from the ids of this module's sandbox
(orders of every channel, one missing in the ERP, lines, cases, customers, parcels and the
workflows created beforehand, one of them waiting for approval) and from values a careless
or hostile client sends: lone surrogates (legal JSON escapes, not valid Unicode), NaN and
huge exponents as decimals, 70,000 characters, control characters, digits of other scripts,
ints beyond 32 bits. Each operation is sent with one of three tokens: an agent, a
supervisor with operations scope, and a partner portal (channel ``partner:acme``).

Whatever arrives, the gateway answers without a 5xx or ``INTERNAL``; every error and
user error carries a code from the contract; no message leaks a traceback or an upstream
URL; a partner's answer holds no other channel's order, line, parcel, case or workflow;
and nothing is logged with a traceback. The run is derandomized with a fixed budget of
examples, so CI sees the same cases every time.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import graphql
import pytest
from documents import AGENT, OPEN_CASE, REQUEST_REFUND
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries
from test_refunds import refund_input

from gateway.errors import KNOWN_CODES
from resolvers import build_schema
from resolvers.processes.base import USER_ERROR_CODES
from sources import Journal

pytestmark = pytest.mark.parametrize("rig", ["sqlite-sap-salesforce"], indirect=True)

SCHEMA = build_schema()._schema


def _narrowed(order: str, customer: str) -> graphql.GraphQLSchema:
    """The schema with one look-up argument required where the real one takes either of
    two: documents generated from it are valid against the real schema, and name what
    they ask for (from the real schema, most give both or neither and stop there)."""
    sdl = graphql.print_schema(SCHEMA)
    for old, new in (
        ("order(number: String = null, id: ID = null): Order", f"order({order}): Order"),
        (
            "customer(id: ID = null, email: String = null): Customer",
            f"customer({customer}): Customer",
        ),
    ):
        assert old in sdl, old
        sdl = sdl.replace(old, new)
    return graphql.build_schema(sdl)


# Narrowed first: Hypothesis favours the first branch of a one_of.
SCHEMAS = (
    _narrowed("number: String!", "email: String!"),
    _narrowed("id: ID!", "id: ID!"),
    SCHEMA,
)
PARTNER = "acme"
OPS = "orders:read refunds:approve refunds:write ops"
TOKENS = {
    "agent": (AGENT, "agent-007", None),
    "ops": (OPS, "supervisor-1", None),
    "partner": (AGENT, "portal-acme", PARTNER),
}
LEAKS = ("Traceback", 'File "', "sandbox.proc", "http://", "https://", "/sandbox/")
# Budgets of calls and cost no sequence of examples may exhaust (429s would hide the rest).
GATEWAY = {"ORDER360_RATE_LIMIT_RESTORE_PER_S": "1000000"}
FREE_TEXT = frozenset({"message", "subject", "description", "body", "note", "reason"})
WORKFLOW_ID = re.compile(r"^(rr|rp|cs|cc)_[0-9a-f]{20}$")
HOSTILE_TEXT = (
    "",
    " ",
    "\ud800",  # a lone surrogate: sent as the JSON escape "\ud800"
    "\udfff#1001",
    "x" * 70_000,
    "\x00",
    "\x1b[31mred\x1b[0m\r\n",
    "\u202e1001#",
    "#\u00b2\u00b3",  # "²".isdigit() is true in Python
    "#\u0661\u0660\u0660\u0661",  # Arabic-Indic digits
    "shopify:Order:\u0661",
    "shopify:LineItem:99999999999999999999999",
    "shopify:LineItem:-1",
    "sfdc:Contact:' OR 1=1 --",
    "../../../etc/passwd",
    "%2e%2e%2f",
    "rr_" + "0" * 20,
    "NaN",
    "1E+999999",
    "\U0001f600" * 300,
)
HOSTILE_DECIMALS = (
    "NaN",
    "sNaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "1E+999999",
    "1E-999999",
    "-5.00",
    "0",
    "0.001",
    "12.345",
    "5.00",
    "120.00",
    "99999999999999999999999999.99",
    "\u00b2",
    "\ud800",
    "",
)
HOSTILE_INTS = (0, -1, 1, 2, 5, 100, 101, 2**31 - 1, -(2**31), 2**31, 10**20, -(10**20))


Pools = dict[str, tuple[str, ...]]
"""Real values by kind: order, order_id, line, case, customer, email, parcel, workflow,
currency, priority."""
# Which kind of id an argument (by field and name) or input field (by name) takes.
ARGUMENT_KINDS = {
    ("order", "number"): "order",
    ("order", "id"): "order_id",
    ("case", "number"): "case",
    ("customer", "id"): "customer",
    ("customer", "email"): "email",
    **{
        (field, "id"): "workflow"
        for field in (
            "refundRequest",
            "approveRefund",
            "rejectRefund",
            "replayWorkflow",
            "resolveWorkflow",
        )
    },
}
INPUT_KINDS = {
    "orderNumber": "order",
    "lineId": "line",
    "caseNumber": "case",
    "customerEmail": "email",
    "trackingNumber": "parcel",
    "currency": "currency",
    "priority": "priority",
}


def _pools_of(orders: list[Any], workflows: list[str]) -> Pools:
    found: dict[str, list[str]] = {
        "workflow": list(workflows),
        "priority": ["High", "Medium", "Low"],
        "currency": sorted({order.customer.currency for order in orders}),
    }
    for order in orders:
        customer = order.customer
        for kind, values in (
            ("order", [order.name, order.name.removeprefix("#")]),
            ("order_id", [f"shopify:Order:{order.shopify_id}"]),
            ("line", [f"shopify:LineItem:{line.shopify_id}" for line in order.lines]),
            ("parcel", [s.tracking_number for s in order.shipments[:1]]),
            ("email", [customer.email]),
            (
                "customer",
                [f"shopify:Customer:{customer.shopify_id}"]
                + ([f"sfdc:Contact:{customer.contact_id}"] if customer.contact_id else []),
            ),
            ("case", [case.number for case in order.cases[:2]]),
        ):
            found.setdefault(kind, []).extend(values)
    return {kind: tuple(dict.fromkeys(values)) for kind, values in found.items() if values}


@dataclass(frozen=True)
class Ids:
    """Real ids of the module's sandbox by kind: all of them, and the partner's own."""

    everything: Pools
    own: Pools

    def flat(self, pools: Pools) -> tuple[str, ...]:
        return tuple(value for values in pools.values() for value in values)


def _real_ids(world: Any, refunded: list[Any], workflows: dict[str, str | None]) -> Ids:
    """A spread of the world's ids: both channels, orders missing in the ERP, the
    orders refunded beforehand and their workflows (``workflows``: id to partner)."""
    channel = f"partner:{PARTNER}"
    own = [o for o in refunded if o.channel == channel]
    own += [o for o in world.orders if o.channel == channel and o not in own][:7]
    other = [o for o in refunded if o.channel != channel]
    other += [o for o in world.orders if o.channel != channel and o not in other]
    unknown = [o for o in world.orders if o.sales_order is None and o.financial_status == "paid"]
    everything = _pools_of(own + other[:6] + other[-4:] + unknown[:3], list(workflows))
    orphans = tuple(case.number for case in world.cases if case.order is None)[:2]
    everything["case"] = everything.get("case", ()) + orphans
    own_workflows = [w for w, partner in workflows.items() if partner == PARTNER]
    return Ids(everything, _pools_of(own, own_workflows))


class _Substitute(graphql.Visitor):
    """Puts a real id of the right kind where a real id of another kind was drawn (an
    order number for ``orderNumber``, a line id for ``lineId``…), chosen by a hash of the
    drawn value so the document stays a pure function of Hypothesis's choices. Hostile
    and random values are left as drawn."""

    def __init__(self, pools: Pools, drawn: frozenset[str]) -> None:
        super().__init__()
        self.pools, self.drawn, self.fields = pools, drawn, [""]

    def _real(self, kind: str | None, value: graphql.ValueNode) -> graphql.ValueNode | None:
        if kind is None or kind not in self.pools:
            return None
        if not isinstance(value, graphql.StringValueNode) or value.value not in self.drawn:
            return None
        pool = self.pools[kind]
        return graphql.StringValueNode(value=pool[zlib.crc32(value.value.encode()) % len(pool)])

    def enter_field(self, node: graphql.FieldNode, *_: Any) -> None:
        self.fields.append(node.name.value)

    def leave_field(self, node: graphql.FieldNode, *_: Any) -> None:
        self.fields.pop()

    def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
        real = self._real(ARGUMENT_KINDS.get((self.fields[-1], node.name.value)), node.value)
        return graphql.ArgumentNode(name=node.name, value=real) if real else None

    def enter_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> Any:
        real = self._real(INPUT_KINDS.get(node.name.value), node.value)
        return graphql.ObjectFieldNode(name=node.name, value=real) if real else None


def _foreign(world: Any) -> frozenset[str]:
    """Strings that name an object of another channel (read now: fuzzing adds cases)."""
    names: set[str] = set()
    for order in world.orders:
        if order.channel == f"partner:{PARTNER}":
            continue
        names |= {order.name, f"shopify:Order:{order.shopify_id}"}
        names |= {f"shopify:LineItem:{line.shopify_id}" for line in order.lines}
        names |= {s.tracking_number for s in order.shipments}
    names |= {
        case.number
        for case in world.cases
        if case.order is None or case.order.channel != f"partner:{PARTNER}"
    }
    return frozenset(names)


class Fuzzed:
    """The rig, its real ids and a journal to look workflows up; printed briefly, since
    Hypothesis prints a failing test's arguments and the world behind the rig is large."""

    def __init__(self, rig: Any, ids: Ids, journal: Journal) -> None:
        self.rig, self.ids, self.journal = rig, ids, journal
        self.sent: list[str] = []
        """Every document sent so far: free text they wrote is stored (a case's subject)
        and comes back in later answers."""
        # A partner mostly names its own channel's objects (else it would mostly see
        # refusals), and sometimes others'.
        partner = {
            kind: ids.own.get(kind, ()) * 3 + values for kind, values in ids.everything.items()
        }
        pools = {"agent": ids.everything, "ops": ids.everything, "partner": partner}
        drawn = ids.flat(ids.everything)
        self.queries = {who: _operations(drawn, pool, queries) for who, pool in pools.items()}
        self.mutations = {who: _operations(drawn, pool, mutations) for who, pool in pools.items()}

    def __repr__(self) -> str:
        return f"Fuzzed({len(self.ids.flat(self.ids.everything))} ids)"


@pytest.fixture(scope="module")
async def fuzzed(rig: Any) -> AsyncIterator[Fuzzed]:
    """Workflows of every resting kind exist before the fuzz starts: a completed refund,
    refunds waiting for approval in two channels, a case."""
    await rig.start(**GATEWAY)
    world = rig.world
    paid = [
        o
        for o in world.orders
        if o.state == "delivered"
        and o.financial_status == "paid"
        and o.sales_order is not None
        and o.total >= Decimal("150")
    ]
    web = next(o for o in paid if o.channel == "web")
    acme = next(o for o in paid if o.channel == f"partner:{PARTNER}")
    workflows: dict[str, str | None] = {}
    for order, amount, partner in (
        (web, "5.00", None),
        (web, "120.00", None),
        (acme, "5.00", PARTNER),
        (acme, "120.00", PARTNER),
    ):
        body = await rig.run(
            REQUEST_REFUND, refund_input(order, amount), scope=AGENT, partner=partner
        )
        workflows[body["data"]["requestRefund"]["refundRequest"]["id"]] = partner
    opened = await rig.run(
        OPEN_CASE,
        {
            "input": {
                "orderNumber": web.name,
                "subject": "Fuzz",
                "description": "Seeded case.",
                "idempotencyKey": "fuzz-case",
            }
        },
        scope=AGENT,
    )
    assert opened["data"]["openCase"]["case"], opened
    journal = await Journal.open(rig.database_url)
    try:
        yield Fuzzed(rig, _real_ids(world, [acme, web], workflows), journal)
    finally:
        await journal.close()


def _scalars(ids: tuple[str, ...]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    # Not sampled_from: Hypothesis favours the first element of a list (the "simplest"),
    # and one id would crowd out the rest; a hashed index spreads the picks evenly.
    real = st.integers(0, 2**32).map(lambda i: ids[(i * 2654435761) % len(ids)])
    # Mostly real ids, so operations get past validation to the resolvers and upstreams.
    text = st.one_of(real, real, real, st.sampled_from(HOSTILE_TEXT), st.text(max_size=12)).map(
        lambda s: graphql.StringValueNode(value=s)
    )
    decimals = st.one_of(
        st.sampled_from(HOSTILE_DECIMALS),
        st.decimals(min_value=-1000, max_value=100_000, places=2).map(str),
    ).map(lambda s: graphql.StringValueNode(value=s))
    ints = st.one_of(st.integers(-3, 60), st.integers(-3, 60), st.sampled_from(HOSTILE_INTS)).map(
        lambda i: graphql.IntValueNode(value=str(i))
    )
    dates = st.one_of(
        st.datetimes().map(lambda d: d.isoformat()),
        st.sampled_from(("", "2026-13-45T99:00:00Z", "\ud800", "0000-00-00", "NaN")),
    ).map(lambda s: graphql.StringValueNode(value=s))
    return {"String": text, "ID": text, "Int": ints, "Decimal": decimals, "DateTime": dates}


USER_ERRORS = graphql.parse("{ userErrors { code field message } }").definitions[0]


class _AskUserErrors(graphql.Visitor):
    """Every mutation payload asks for its user errors, so a refusal is always visible
    (and a payload with neither its result nor a user error is a silent failure)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.mutation = 0, False

    def enter_operation_definition(self, node: graphql.OperationDefinitionNode, *_: Any) -> None:
        self.mutation = node.operation == graphql.OperationType.MUTATION

    def enter_field(self, node: graphql.FieldNode, *_: Any) -> None:
        self.depth += 1

    def leave_field(self, node: graphql.FieldNode, *_: Any) -> Any:
        self.depth -= 1
        if not self.mutation or self.depth or node.selection_set is None:
            return None
        selections = node.selection_set.selections
        if any(
            isinstance(s, graphql.FieldNode) and s.name.value == "userErrors" for s in selections
        ):
            return None
        extra = USER_ERRORS.selection_set.selections  # type: ignore[attr-defined]
        fields = {key: getattr(node, key) for key in node.keys}
        fields["selection_set"] = graphql.SelectionSetNode(selections=(*selections, *extra))
        return graphql.FieldNode(**fields)


def _operations(drawn: tuple[str, ...], pools: Pools, build: Any) -> st.SearchStrategy[str]:
    """Valid operations mostly, one in four breaking one schema rule; real ids drawn from
    ``drawn``, then put where they fit from ``pools``. Half the valid ones ask one root
    field (one failing non-null root field nulls all the data of a larger one)."""
    scalars = _scalars(drawn)
    real = frozenset(drawn)
    root = SCHEMA.query_type if build is queries else SCHEMA.mutation_type
    assert root is not None

    def printed(document: graphql.DocumentNode) -> str:
        return graphql.print_ast(
            graphql.visit(graphql.visit(document, _Substitute(pools, real)), _AskUserErrors())
        )

    def valid(**how: Any) -> st.SearchStrategy[str]:
        return st.one_of(
            *(build(schema, custom_scalars=scalars, print_ast=printed, **how) for schema in SCHEMAS)
        )

    one_field = st.one_of(*(valid(fields=[name]) for name in root.fields))
    return st.one_of(
        one_field,
        valid(),
        one_field,
        build(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE, print_ast=printed),
    )


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, leaf) of a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, key)
    else:
        yield key, value


# What a mutation payload holds when it did its work; null means the work was refused.
PAYLOAD_RESULT = {
    "requestRefund": "refundRequest",
    "approveRefund": "refundRequest",
    "rejectRefund": "refundRequest",
    "requestReplacement": "outcome",
    "openCase": "case",
    "addCaseComment": "case",
    "replayWorkflow": "status",
    "resolveWorkflow": "status",
}


def _assert_no_silent_failure(data: Any) -> None:
    """A payload without its result says why in ``userErrors`` (issue 10, item 3)."""
    for name, payload in (data or {}).items():
        result = PAYLOAD_RESULT.get(name.split(":")[0])
        if not isinstance(payload, dict) or result not in payload or "userErrors" not in payload:
            continue
        if payload[result] is None:
            event(f"refused: {name}")
            assert payload["userErrors"], (name, payload)


def _user_errors(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("userErrors", "reasons") and isinstance(v, list):
                yield from (e for e in v if isinstance(e, dict))
            else:
                yield from _user_errors(v)
    elif isinstance(value, list):
        for item in value:
            yield from _user_errors(item)


async def _assert_partner_sees_only_its_channel(fuzzed: Fuzzed, document: str, data: Any) -> None:
    foreign = _foreign(fuzzed.rig.world)
    leaves = [(key, leaf) for key, leaf in _walk(data) if isinstance(leaf, str)]
    if any(key != "message" for key, _ in leaves):
        event("partner: answered with objects")
    if any(WORKFLOW_ID.match(leaf) or leaf.startswith("#") for _, leaf in leaves):
        event("partner: answered with orders or workflows")
    for key, leaf in leaves:
        # Text a caller wrote, given back (a subject, "#1002 was not found"): not an object.
        # Earlier examples' text counts too: a case opened on the partner's own order with
        # another channel's id as its subject is listed with that order's cases later.
        if key in FREE_TEXT and (leaf in document or any(leaf in d for d in fuzzed.sent)):
            continue
        assert leaf not in foreign, (key, leaf)
        if WORKFLOW_ID.match(leaf):
            found = await fuzzed.journal.workflow(leaf)
            assert found is None or found.channel == f"partner:{PARTNER}", (key, leaf)


def _assert_coded(body: dict[str, Any]) -> None:
    for error in body.get("errors", []):
        code = error.get("extensions", {}).get("code")
        event(f"error {code}")
        assert code in KNOWN_CODES, error
        assert code != "INTERNAL", error
        assert not any(leak in error["message"] for leak in LEAKS), error
    for problem in _user_errors(body.get("data")):
        if "code" in problem:  # the document may not select it
            event(f"user error {problem['code']}")
            assert problem["code"] in USER_ERROR_CODES, problem
        assert not any(leak in str(problem.get("message")) for leak in LEAKS), problem


FUZZ = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


async def _check(
    fuzzed: Fuzzed,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
    operations: dict[str, st.SearchStrategy[str]],
) -> None:
    who = data.draw(st.sampled_from(sorted(TOKENS)), label="token")
    document = data.draw(operations[who], label="document")
    scope, subject, partner = TOKENS[who]
    note(f"{who}: {document[:4000]}")
    fuzzed.sent.append(document)
    caplog.clear()
    caplog.set_level(logging.INFO)
    extra = {"partner_id": partner} if partner else {}
    assert fuzzed.rig.gateway is not None
    response = await fuzzed.rig.gateway.post(
        "/graphql",
        # json.dumps escapes what is not ASCII: a lone surrogate travels as "\ud800".
        content=json.dumps({"query": document}),
        headers={
            "Authorization": f"Bearer {fuzzed.rig.token(scope, subject, **extra)}",
            "Content-Type": "application/json",
            "X-Request-ID": f"fuzz-{uuid.uuid4().hex[:12]}",
        },
    )
    event(f"{who}: HTTP {response.status_code}")
    assert response.status_code < 500, response.text[:2000]
    body = response.json()
    assert isinstance(body, dict), body
    assert "data" in body or body.get("errors"), body
    _assert_coded(body)
    _assert_no_silent_failure(body.get("data"))
    if partner:
        await _assert_partner_sees_only_its_channel(fuzzed, document, body.get("data"))
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


@settings(FUZZ, max_examples=600)
@given(data=st.data())
async def test_generated_queries_answer_coded_and_within_the_tenancy(
    fuzzed: Fuzzed, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    await _check(fuzzed, caplog, data, fuzzed.queries)


@settings(FUZZ, max_examples=1000)
@given(data=st.data())
async def test_generated_mutations_answer_coded_and_within_the_tenancy(
    fuzzed: Fuzzed, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    await _check(fuzzed, caplog, data, fuzzed.mutations)
