"""Shopify Admin REST simulator: order shape, status default, ids cap, Link paging, bucket."""

from __future__ import annotations

import datetime

import httpx
from joserfc.jwk import RSAKey
from sandbox_testkit import ANCHOR, OMS, SB, SHOPIFY, make_client

from sandbox import SandboxConfig, create_standalone_app
from sandbox.world import World


async def test_token_is_required(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{OMS}/orders.json", headers={"X-Shopify-Access-Token": "nope"})
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


async def test_order_shape(client: httpx.AsyncClient, world: World) -> None:
    order = next(o for o in world.orders if o.refunds and o.is_split and o.discount_code)
    response = await client.get(f"{OMS}/orders/{order.shopify_id}.json", headers=SHOPIFY)
    assert response.status_code == 200
    assert response.headers["x-shopify-shop-api-call-limit"].endswith("/400")
    o = response.json()["order"]
    assert (o["id"], o["name"], o["order_number"]) == (order.shopify_id, order.name, order.number)
    assert o["total_price"] == f"{order.total:.2f}"
    assert o["total_price_set"]["shop_money"] == {
        "amount": f"{order.total:.2f}",
        "currency_code": order.currency,
    }
    assert o["source_name"] == order.source_name
    assert o["app_id"] == order.app_id
    assert o["financial_status"] == order.financial_status
    assert o["created_at"][-6:] in ("-04:00", "-05:00", "+01:00", "+02:00", "+00:00")
    assert o["customer"]["id"] == order.customer.shopify_id
    fulfillments = o["fulfillments"]
    assert [f["tracking_number"] for f in fulfillments] == [
        s.tracking_number for s in order.shipments
    ]
    assert fulfillments[0]["name"] == f"{order.name}.1"
    assert fulfillments[0]["tracking_company"] in ("FedEx", "UPS", "USPS")
    assert fulfillments[0]["tracking_numbers"] == [fulfillments[0]["tracking_number"]]
    refund_line = o["refunds"][0]["refund_line_items"][0]
    assert isinstance(refund_line["subtotal"], float)
    assert isinstance(refund_line["total_tax"], float)
    transaction = o["refunds"][0]["transactions"][0]
    assert transaction["kind"] == "refund"
    assert isinstance(transaction["amount"], str)
    assert transaction["parent_id"] == order.payment_transaction_id
    line = o["line_items"][0]
    assert {"sku", "quantity", "current_quantity", "fulfillable_quantity", "tax_lines"} <= set(line)
    missing = await client.get(f"{OMS}/orders/1.json", headers=SHOPIFY)
    assert (missing.status_code, missing.json()) == (404, {"errors": "Not Found"})


async def test_status_defaults_to_open(client: httpx.AsyncClient, world: World) -> None:
    closed = [o for o in world.orders if o.closed_at is not None][:20]
    open_ = [o for o in world.orders if o.closed_at is None and o.cancelled_at is None][:20]
    ids = ",".join(str(o.shopify_id) for o in closed + open_)
    default = await client.get(
        f"{OMS}/orders.json", headers=SHOPIFY, params={"ids": ids, "limit": 250}
    )
    assert {o["id"] for o in default.json()["orders"]} == {o.shopify_id for o in open_}
    anything = await client.get(
        f"{OMS}/orders.json", headers=SHOPIFY, params={"ids": ids, "status": "any", "limit": 250}
    )
    assert len(anything.json()["orders"]) == 40


async def test_ids_and_limit_caps(client: httpx.AsyncClient) -> None:
    ids = ",".join(str(i) for i in range(251))
    response = await client.get(f"{OMS}/orders.json", headers=SHOPIFY, params={"ids": ids})
    assert response.status_code == 400
    assert response.json() == {"errors": {"ids": ["must contain at most 250 ids"]}}
    response = await client.get(f"{OMS}/orders.json", headers=SHOPIFY, params={"limit": 251})
    assert response.status_code == 400


async def test_link_pagination(client: httpx.AsyncClient, world: World) -> None:
    expected = [
        o.shopify_id for o in world.orders if o.closed_at is None and o.cancelled_at is None
    ]
    url: str | None = f"{OMS}/orders.json?limit=100&fields=id,created_at"
    seen: list[int] = []
    pages = []
    while url:
        response = await client.get(url, headers=SHOPIFY)
        assert response.status_code == 200, response.text
        body = response.json()["orders"]
        assert set(body[0]) == {"id", "created_at"}
        seen += [o["id"] for o in body]
        pages.append(response)
        links = dict(_parse_link(response.headers.get("link", "")))
        url = links.get("next")
    assert seen == list(reversed(expected))  # default order: created_at desc
    prev = dict(_parse_link(pages[1].headers["link"]))["previous"]
    back = await client.get(prev, headers=SHOPIFY)
    assert [o["id"] for o in back.json()["orders"]] == seen[:100]
    mixed = await client.get(f"{prev}&status=any", headers=SHOPIFY)
    assert mixed.status_code == 400
    assert "page_info" in mixed.json()["errors"]


def _parse_link(header: str) -> list[tuple[str, str]]:
    out = []
    for part in filter(None, (p.strip() for p in header.split(","))):
        url, rel = part.split(";")
        out.append((rel.strip().removeprefix('rel="').removesuffix('"'), url.strip("<> ")))
    return out


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    async def ids(**params: object) -> set[int]:
        response = await client.get(
            f"{OMS}/orders.json", headers=SHOPIFY, params={"limit": 250, **params}
        )
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json()["orders"]}

    since = datetime.datetime.combine(ANCHOR, datetime.time(), datetime.UTC) - datetime.timedelta(
        days=3
    )
    recent = {o.shopify_id for o in world.orders if o.created_at >= since}
    assert await ids(status="any", created_at_min=since.isoformat()) == recent
    acme = await ids(status="any", attribution_app_id=4555605, created_at_min=since.isoformat())
    assert acme == {
        o.shopify_id for o in world.orders if o.created_at >= since and o.channel == "partner:acme"
    }
    cancelled = await ids(status="cancelled", financial_status="voided")
    assert cancelled == {o.shopify_id for o in world.orders if o.financial_status == "voided"}
    partial = await ids(status="any", fulfillment_status="partial")
    assert partial == {o.shopify_id for o in world.orders_in_state("partially_fulfilled")}


async def test_customers(client: httpx.AsyncClient, world: World) -> None:
    customer = next(c for c in world.customers if len(c.orders) > 2)
    found = await client.get(
        f"{OMS}/customers/search.json", headers=SHOPIFY, params={"query": f"email:{customer.email}"}
    )
    (hit,) = found.json()["customers"]
    assert (hit["id"], hit["orders_count"]) == (customer.shopify_id, len(customer.orders))
    listed = await client.get(
        f"{OMS}/customers.json", headers=SHOPIFY, params={"ids": str(customer.shopify_id)}
    )
    assert [c["id"] for c in listed.json()["customers"]] == [customer.shopify_id]
    orders = await client.get(
        f"{OMS}/customers/{customer.shopify_id}/orders.json",
        headers=SHOPIFY,
        params={"status": "any"},
    )
    assert {o["id"] for o in orders.json()["orders"]} == {o.shopify_id for o in customer.orders}


async def test_transactions_chain_to_the_payment(client: httpx.AsyncClient, world: World) -> None:
    order = next(o for o in world.orders if o.refunds and o.capture_transaction_id is None)
    response = await client.get(
        f"{OMS}/orders/{order.shopify_id}/transactions.json", headers=SHOPIFY
    )
    sale, *refunds = response.json()["transactions"]
    assert sale["kind"] == "sale"
    assert all(t["kind"] == "refund" and t["parent_id"] == sale["id"] for t in refunds)


async def test_leaky_bucket(signing_key: RSAKey) -> None:
    config = SandboxConfig(
        anchor=ANCHOR,
        signing_key=signing_key,
        customers=20,
        orders=40,
        shopify_bucket_size=3,
        shopify_leak_per_s=0.5,
    )
    async with make_client(create_standalone_app(config)) as client:
        limits = []
        for _ in range(3):
            response = await client.get(f"{OMS}/orders.json", headers=SHOPIFY)
            assert response.status_code == 200
            limits.append(response.headers["x-shopify-shop-api-call-limit"])
        assert limits[-1] == "3/3"
        response = await client.get(f"{OMS}/orders.json", headers=SHOPIFY)
        assert response.status_code == 429
        assert float(response.headers["retry-after"]) > 0
        assert response.json()["errors"].startswith("Exceeded 2 calls per second")
        stats = (await client.get(f"{SB}/stats")).json()["oms"]
        assert stats["reads"] == 4
