"""The fixed GraphQL documents of the benchmark and the checks that make a response correct.

Ids and page sizes are variables, so the gateway parses and validates the same text each
time. Every workload touches all four systems, so the null gateway's call graph is the same
for narrow and wide: the difference is pure gateway work per field.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PAGE_SIZES: tuple[int, ...] = (1, 5, 10, 25, 50, 100, 200)

# About 8 leaf fields per order.
NARROW_FIELDS = """
      number status total { amount currency }
      customer { name }
      erpSalesOrder { status }
      shipments { status }
      cases { status }
"""

# About 40 leaf fields per order, every section.
WIDE_FIELDS = """
      id number channel placedAt status financialStatus
      total { amount currency } refundable { amount currency }
      customer { name email loyaltyTier }
      lines { sku title quantity unitPrice { amount currency } refundableQuantity }
      erpSalesOrder { documentNumber status netAmount { amount currency } }
      invoices { documentNumber kind amount { amount currency } }
      refunds { amount { amount currency } erpCreditMemo }
      shipments { carrier trackingNumber status events { at status message location } }
      cases { number subject status }
      timeline { at source kind summary }
      discrepancies { kind severity detail }
      sections { source state }
"""

FIELDS = {"narrow": NARROW_FIELDS, "wide": WIDE_FIELDS}


def one_order(shape: str) -> str:
    """Q1: one order by number."""
    return f"query One($n: String!) {{\n  order(number: $n) {{{FIELDS[shape]}  }}\n}}\n"


def page(shape: str) -> str:
    """QN: a page of ``$first`` orders, optionally after a cursor."""
    return (
        "query Page($first: Int!, $after: String) {\n"
        "  orders(first: $first, after: $after) {\n"
        "    pageInfo { hasNextPage endCursor }\n"
        f"    edges {{ node {{{FIELDS[shape]}    }} }}\n"
        "  }\n}\n"
    )


@dataclass(frozen=True, slots=True)
class Request:
    """One GraphQL request and how many order nodes its answer must carry."""

    document: str
    variables: dict[str, Any]
    orders: int
    order_number: str | None = None  # Q1: which order
    after: str | None = None  # QN: which page


def q1(shape: str, number: str) -> Request:
    """One order by number."""
    return Request(one_order(shape), {"n": number}, 1, order_number=number)


def qn(shape: str, first: int, after: str | None = None) -> Request:
    """A page of ``first`` orders."""
    return Request(page(shape), {"first": first, "after": after}, first, after=after)


def zipf_choices(items: Sequence[str], k: int, *, s: float = 1.1, seed: int = 7) -> list[str]:
    """``k`` draws from ``items`` with Zipf(s) popularity by rank."""
    rng = random.Random(seed)
    weights = [1 / rank**s for rank in range(1, len(items) + 1)]
    return rng.choices(list(items), weights=weights, k=k)


def leaf_values(value: Any) -> int:
    """Leaf values in a JSON answer (scalars and nulls; list items each count)."""
    if isinstance(value, dict):
        return sum(leaf_values(v) for v in value.values())
    if isinstance(value, list):
        return sum(leaf_values(v) for v in value)
    return 1


def fields_per_order(answer: dict[str, Any]) -> float:
    """Mean leaf values per order node of a checked page answer."""
    nodes = [edge["node"] for edge in answer["data"]["orders"]["edges"]]
    return sum(leaf_values(node) for node in nodes) / len(nodes)


class IncorrectResponse(AssertionError):
    """The gateway answered, but not with a complete, error-free result."""


def check(request: Request, status: int, body: bytes) -> dict[str, Any]:
    """Parse and verify one answer: HTTP 200, no ``errors``, the expected number of orders."""
    if status != 200:
        raise IncorrectResponse(f"HTTP {status}: {body[:300]!r}")
    answer: dict[str, Any] = json.loads(body)
    if "errors" in answer:
        raise IncorrectResponse(f"errors: {json.dumps(answer['errors'])[:500]}")
    data = answer.get("data") or {}
    if "order" in data:
        node = data["order"]
        if not node or node.get("number") != request.order_number:
            raise IncorrectResponse(f"order {request.order_number} missing: {node!r:.200}")
        nodes = [node]
    else:
        nodes = [edge["node"] for edge in data["orders"]["edges"]]
    if len(nodes) != request.orders:
        raise IncorrectResponse(f"expected {request.orders} orders, got {len(nodes)}")
    for node in nodes:
        if any(section["state"] != "OK" for section in node.get("sections", [])):
            raise IncorrectResponse(f"degraded sections: {node['sections']}")
    return answer
