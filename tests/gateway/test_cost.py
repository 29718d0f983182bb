"""The static measures, on the real schema, without a gateway."""

from __future__ import annotations

import pytest
from graphql import FieldNode, GraphQLSchema, get_introspection_query, parse

from gateway.graphql_http import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, negotiate
from gateway.limits import estimate_cost
from gateway.limits.aliases import alias_count
from gateway.limits.cost import Prices
from gateway.limits.depth import query_depth
from gateway.limits.document import operations, selection_counter
from gateway.limits.root_fields import root_field_count
from gateway.limits.tokens import exceeds_tokens
from gateway.schema_privacy import without_suggestions
from resolvers import build_schema
from resolvers.loads import declarations


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def cost(
    schema: GraphQLSchema, query: str, prices: Prices | None = None, **variables: object
) -> int:
    return estimate_cost(schema, parse(query), None, variables, prices)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ __typename }", 1),
        ("{ sources { name } }", 1),
        ('{ order(number: "#1") { number total { amount } lines { sku } } }', 2),
        # Each page item pays for its customer: 1 + 1 + 20 (the schema's default page).
        ("{ orders { edges { node { customer { name } } } } }", 22),
        ("{ orders(first: 3) { edges { node { customer { name } } } } }", 5),
        # Fields sharing one per-order load pay once: gather (5) + billing (1).
        (
            '{ order(number: "#1") { timeline { at } sections { state } '
            "discrepancies { kind } invoices { kind } } }",
            8,
        ),
        # A parcel's tracking is one load however many tracking fields are read.
        ('{ order(number: "#1") { shipments { status deliveredAt events { at } } } }', 7),
        # first above the resolvers' maximum is priced at the maximum.
        ("{ orders(first: 5000) { edges { node { customer { name } } } } }", 252),
        # Every item of a page costs at least 1, even when it reads only the page's records.
        ("{ orders(first: 100) { edges { node { number } } } }", 102),
        ("{ orders(first: 100) { pageInfo { hasNextPage } } }", 102),
        # A page of pages (issue 10, item 5): 100 orders, each a customer (1) and a page of
        # 100 orders (1 + 100), was 202.
        (
            "{ orders(first: 100) { edges { node { customer { "
            "orders(first: 100) { edges { node { number } } } } } } } }",
            1 + 1 + 100 * (1 + 1 + 100),
        ),
        # Lists under lists multiply: 5 cases (2: CRM, and the tenancy check's OMS batch),
        # each an order (1) with 5 parcels (1 each).
        (
            '{ order(number: "#1") { customer { cases { order { shipments { status } } } } } }',
            1 + 1 + 1 + 2 + 5 * (1 + 5 * 1),
        ),
        # A plain list's items cost only what they load: they come with their parent.
        ('{ order(number: "#1") { lines { sku } customer { cases { number } } } }', 5),
        # What a refund can take: the ERP's order and billing (the journal weighs nothing).
        ('{ order(number: "#1") { refundable { amount } } }', 4),
        # Loads keyed by the order are charged with the order, once, not per line or refund.
        ('{ order(number: "#1") { lines { refundableQuantity } } }', 3),
        ('{ order(number: "#1") { refunds { erpCreditMemo } invoices { kind } } }', 3),
        (
            '{ order(number: "#1") { refundable { amount } erpSalesOrder { status } '
            "lines { refundableQuantity } refunds { erpCreditMemo } } }",
            4,
        ),
        # A preview reads the OMS order, the ERP's order and billing and the CRM contact.
        ('{ refundPreview(input: {orderNumber: "#1"}) { eligible } }', 5),
        # A mutation is a governed process.
        (
            'mutation { openCase(input: {orderNumber: "#1", subject: "s", description: "d", '
            'idempotencyKey: "k"}) { userErrors { code } } }',
            11,
        ),
    ],
)
def test_cost_examples(schema: GraphQLSchema, query: str, expected: int) -> None:
    assert cost(schema, query) == expected


def test_cost_follows_variables_defaults_and_fragments(schema: GraphQLSchema) -> None:
    query = """
    query($n: Int = 4) { orders(first: $n) { ...E } }
    fragment E on OrderConnection { edges { node { ... on Order { customer { name } } } } }
    """
    assert cost(schema, query) == 6
    assert cost(schema, query, n=10) == 12
    assert cost(schema, query, n="ten") == 252  # not a number: the worst page


def test_nested_pages_multiply_through_variables_and_fragments(schema: GraphQLSchema) -> None:
    query = """
    query($outer: Int!, $inner: Int = 10) { orders(first: $outer) { ...Page } }
    fragment Page on OrderConnection { edges { node { ...Buyer } } }
    fragment Buyer on Order { customer { ... on Customer { orders(first: $inner) { ...Page2 } } } }
    fragment Page2 on OrderConnection { edges { cursor } }
    """
    # 1 + 1 + outer * (customer 1 + page 1 + inner * 1)
    assert cost(schema, query, outer=5) == 2 + 5 * (2 + 10)
    assert cost(schema, query, outer=5, inner=100) == 2 + 5 * (2 + 100)
    assert cost(schema, query, outer=100, inner=100) == 2 + 100 * (2 + 100)
    # A third level is a million orders: the estimate saturates far above any limit.
    third = (
        "{ orders(first: 100) { edges { node { customer { orders(first: 100) { edges { node "
        "{ customer { orders(first: 100) { edges { node { number } } } } } } } } } } } }"
    )
    assert cost(schema, third) == 2 + 100 * (2 + 100 * (2 + 100))


def test_a_paged_list_counts_its_items_and_the_lists_inside_them() -> None:
    """A list field with ``first`` is its own page; lists inside its items are lists."""
    from graphql import build_schema as from_sdl

    sdl = """
    type Query { every: [Order!]! feed(first: Int = 3): [Order!]! }
    type Order { number: String! shipments: [Shipment!]! }
    type Shipment { status: String }
    """
    toy = from_sdl(sdl)
    # An SDL schema declares nothing: priced with the real schema's declarations, where
    # Shipment.status is a parcel's tracking (1); its name is all the price list needs.
    real = declarations(build_schema()._schema)
    assert cost(toy, "{ feed { number } }", real) == 1 + 3 * 1
    assert cost(toy, "{ feed(first: 4) { shipments { status } } }", real) == 1 + 4 * (5 * 1)
    assert cost(toy, "{ every { shipments { status } } }", real) == 1 + 5 * (5 * 1)


def test_the_bench_workloads_keep_their_prices(schema: GraphQLSchema) -> None:
    """The floor only raises pages whose items load nothing: real order pages keep theirs.

    Wide was 19 while its price list was written by hand: ``refundable`` read as one ERP
    load shared with ``invoices`` (it is the ERP's order and its billing, +1), and each of
    five refunds paid its own ERP billing read for ``erpCreditMemo`` (they share their
    order's one read, -5). Both now follow from the fields' declarations.
    """
    from bench.workloads import PAGE_SIZES, one_order, page

    per_order = {"narrow": 8, "wide": 14}
    for shape, each in per_order.items():
        assert cost(schema, one_order(shape), n="#1001") == 2 + each
        for first in PAGE_SIZES:
            assert cost(schema, page(shape), first=first) == 2 + first * each


def test_names_never_make_fields_free(schema: GraphQLSchema) -> None:
    plain = cost(schema, "{ orders { edges { node { customer { name } } } } }")
    named = cost(
        schema,
        "query __schema { ...__schema } "
        "fragment __schema on Query { orders { edges { node { customer { name } } } } }",
    )
    aliased = cost(schema, "{ __schema: orders { edges { node { __type: customer { name } } } } }")
    assert plain == named == aliased == 22
    assert cost(schema, get_introspection_query()) == 1


def test_operation_name_selects_the_priced_operation(schema: GraphQLSchema) -> None:
    document = parse(
        "query Cheap { __typename } query Dear { orders { edges { node { customer { name } } } } }"
    )
    assert estimate_cost(schema, document, "Cheap") == 1
    assert estimate_cost(schema, document, "Dear") == 22
    assert estimate_cost(schema, document, None) == 22


def test_depth_counts_object_levels_through_fragments() -> None:
    assert query_depth(parse("{ __typename }")) == 0
    assert query_depth(parse("{ orders { edges { node { number } } } }")) == 3
    assert query_depth(parse("{ ...F } fragment F on Query { orders { edges { number } } }")) == 2
    assert query_depth(parse(get_introspection_query())) == 0
    # Only root introspection fields are exempt, and only by field name.
    assert query_depth(parse("query __schema { a: orders { edges { node { id } } } }")) == 3


def test_aliases_multiply_through_spreads_in_linear_time() -> None:
    chain = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ... on Query {{ ...F{i + 1} }} }}"
        for i in range(200)
    )
    document = parse("{ ...F0 } " + chain + " fragment F200 on Query { a: __typename }")
    assert alias_count(document) > 10**9
    # Linear work, counted rather than timed: 2**200 spreads of F200, one visit of its field.
    visits: list[str] = []

    def score(field: FieldNode) -> int:
        visits.append(field.name.value)
        return 1 if field.alias else 0

    count = selection_counter(document, score, into_fields=True)
    assert sum(count(op.selection_set) for op in operations(document)) > 10**9
    assert visits == ["__typename"]
    assert alias_count(parse("{ a: __typename ...F ...F } fragment F on Query { b: x c: y }")) == 5


def test_cyclic_fragments_do_not_hang_the_measures() -> None:
    document = parse("{ ...A } fragment A on Query { a: x ...B } fragment B on Query { ...A }")
    assert alias_count(document) == 1
    assert query_depth(document) == 0
    assert root_field_count(document) == 1


def test_root_fields_count_through_fragments() -> None:
    document = parse("{ a b ...F } fragment F on Query { c d ... on Query { e } }")
    assert root_field_count(document) == 5


def test_tokens_are_counted_like_graphql_core() -> None:
    assert not exceeds_tokens("{ a b c }", 5)
    assert exceeds_tokens("{ a b c d }", 5)
    assert not exceeds_tokens("# a comment is no token\n{ a }", 3)
    assert not exceeds_tokens('{ a(s: "unterminated', 10)  # left to the parser


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, GRAPHQL_RESPONSE_JSON),
        ("", GRAPHQL_RESPONSE_JSON),
        ("*/*", GRAPHQL_RESPONSE_JSON),
        ("application/*", GRAPHQL_RESPONSE_JSON),
        ("application/json", APPLICATION_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.9, application/json", APPLICATION_JSON),
        ("application/*;q=0.5, application/json;q=0", GRAPHQL_RESPONSE_JSON),
        ("text/html, application/json;q=0.1", APPLICATION_JSON),
        ("text/html", None),
        ("*/*;q=0", None),
        ("application/graphql-response+json;q=0, application/json;q=0", None),
    ],
)
def test_accept_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def test_suggestions_are_cut() -> None:
    message = "Cannot query field 'numbr' on type 'Order'. Did you mean 'number'?"
    assert without_suggestions(message) == "Cannot query field 'numbr' on type 'Order'."
    assert without_suggestions("Unknown argument.") == "Unknown argument."
    inside = "Unknown field 'statsu'. Did you mean 'status' or 'state'? Found: { statsu: OPEN }."
    assert without_suggestions(inside) == "Unknown field 'statsu'. Found: { statsu: OPEN }."


def test_the_cost_memo_prices_like_the_estimator_for_every_input(schema: GraphQLSchema) -> None:
    from gateway.limits.cost_memo import CostMemo

    query = (
        "query P($first: Int = 7, $n: String) { orders(first: $first) "
        "{ edges { node { customer { name } } } } order(number: $n) { number } }"
    )
    document = parse(query)
    memo = CostMemo()
    inputs: list[dict[str, object]] = [
        {"first": 3, "n": "#1"},
        {"first": 3, "n": "#2"},  # another order number: the same price, from the memo
        {"first": 50, "n": "#1"},
        {"n": "#1"},  # the document's default page
        {"first": None},  # explicit null: the worst page
        {"first": True},
        {"first": [1]},  # unhashable junk still prices (validation refuses it later)
        {"first": 3, "n": "#1"},
    ]
    for variables in inputs:
        expected = estimate_cost(schema, document, None, variables)
        assert memo.estimate(schema, query, document, None, variables) == expected
    assert [memo.estimate(schema, query, document, None, v) for v in inputs[:5]] == [
        6,
        6,
        53,
        10,
        253,
    ]
