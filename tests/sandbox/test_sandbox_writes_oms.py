"""Shopify writes: refund calculate and create, new orders, Idempotency-Key, read-back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from sandbox_testkit import ERP_AUTH, OMS, SB, SHOPIFY, STOCK

from sandbox.world import Order, World

_taken: set[int] = set()


def fresh(world: World, keep: Callable[[Order], bool]) -> Order:
    """An order no earlier test of this module has written to."""
    for order in world.orders:
        if order.shopify_id not in _taken and keep(order):
            _taken.add(order.shopify_id)
            return order
    raise AssertionError("no suitable order left")


def delivered(order: Order) -> bool:
    return order.state == "delivered" and order.financial_status == "paid"


def multi_unit(order: Order) -> bool:
    return delivered(order) and any(line.quantity >= 2 for line in order.lines)


def key(name: str) -> dict[str, str]:
    return {**SHOPIFY, "Idempotency-Key": name}


async def post(
    client: httpx.AsyncClient, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(f"{OMS}{path}", json=body, headers=headers or SHOPIFY)


async def read_order(client: httpx.AsyncClient, order_id: int) -> dict[str, Any]:
    response = await client.get(f"{OMS}/orders/{order_id}.json", headers=SHOPIFY)
    assert response.status_code == 200, response.text
    return response.json()["order"]  # type: ignore[no-any-return]


async def test_calculate_suggests_a_refund_and_changes_nothing(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, multi_unit)
    line = next(ln for ln in order.lines if ln.quantity >= 2)
    before = await read_order(write_client, order.shopify_id)
    body = {
        "refund": {
            "currency": order.currency,
            "shipping": {"full_refund": True},
            "refund_line_items": [
                {"line_item_id": line.shopify_id, "quantity": 1, "restock_type": "no_restock"}
            ],
        }
    }
    response = await post(write_client, f"/orders/{order.shopify_id}/refunds/calculate.json", body)
    assert response.status_code == 200, response.text
    refund = response.json()["refund"]
    assert set(refund) >= {"currency", "shipping", "refund_line_items", "transactions"}
    assert refund["shipping"] == {"amount": "0.00", "tax": "0.00", "maximum_refundable": "0.00"}
    (item,) = refund["refund_line_items"]
    assert item["line_item_id"] == line.shopify_id
    assert item["price"] == f"{line.price:.2f}"
    for name in ("price", "subtotal", "total_tax", "discounted_price", "discounted_total_price"):
        assert isinstance(item[name], str)  # strings here, unlike refunds inside orders
    (suggested,) = refund["transactions"]
    assert suggested["kind"] == "suggested_refund"
    assert suggested["parent_id"] == order.payment_transaction_id
    assert suggested["gateway"] == order.gateway
    expected = Decimal(item["subtotal"]) + Decimal(item["total_tax"])
    assert Decimal(suggested["amount"]) == expected
    assert suggested["maximum_refundable"] == f"{order.total:.2f}"
    assert await read_order(write_client, order.shopify_id) == before
    stats = (await write_client.get(f"{SB}/stats")).json()["oms"]
    assert stats["writes"] == 0  # a POST that changes nothing counts as a read


async def test_calculate_caps_at_what_is_left_and_refuses_too_many_units(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, lambda o: o.state == "partially_refunded")
    path = f"/orders/{order.shopify_id}/refunds/calculate.json"
    response = await post(write_client, path, {"refund": {}})
    (suggested,) = response.json()["refund"]["transactions"]
    assert Decimal(suggested["maximum_refundable"]) == order.total - order.refunded_amount
    assert suggested["amount"] == "0.00"
    refunded = next(ln for ln in order.lines if ln.refunded)
    too_many = {"line_item_id": refunded.shopify_id, "quantity": refunded.quantity}
    response = await post(write_client, path, {"refund": {"refund_line_items": [too_many]}})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["refund_line_items"]
    missing = await post(write_client, "/orders/1/refunds/calculate.json", {"refund": {}})
    assert (missing.status_code, missing.json()) == (404, {"errors": "Not Found"})


async def test_refund_of_lines_reads_back_everywhere(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, multi_unit)
    line = next(ln for ln in order.lines if ln.quantity >= 2)
    quote = await post(
        write_client,
        f"/orders/{order.shopify_id}/refunds/calculate.json",
        {"refund": {"refund_line_items": [{"line_item_id": line.shopify_id, "quantity": 1}]}},
    )
    suggested = quote.json()["refund"]["transactions"][0]
    body = {
        "refund": {
            "currency": order.currency,
            "notify": False,
            "note": "wrong size [wf-1]",
            "refund_line_items": [
                {"line_item_id": line.shopify_id, "quantity": 1, "restock_type": "return"}
            ],
            "transactions": [
                {
                    "parent_id": suggested["parent_id"],
                    "amount": suggested["amount"],
                    "kind": "refund",
                    "gateway": suggested["gateway"],
                }
            ],
        }
    }
    response = await post(write_client, f"/orders/{order.shopify_id}/refunds.json", body)
    assert response.status_code == 201, response.text
    refund = response.json()["refund"]
    assert refund["order_id"] == order.shopify_id
    assert refund["note"] == "wrong size [wf-1]"
    assert refund["restock"] is True
    assert refund["order_adjustments"] == []
    (tx,) = refund["transactions"]
    assert (tx["kind"], tx["status"], tx["amount"]) == ("refund", "success", suggested["amount"])
    assert tx["parent_id"] == order.payment_transaction_id
    (rl,) = refund["refund_line_items"]
    assert isinstance(rl["subtotal"], float)  # a number inside refunds, as Shopify sends it
    listed = (
        await write_client.get(f"{OMS}/orders/{order.shopify_id}/refunds.json", headers=SHOPIFY)
    ).json()["refunds"]
    assert listed[-1] == refund
    read = await read_order(write_client, order.shopify_id)
    assert read["financial_status"] == "partially_refunded"
    assert read["refunds"][-1] == refund
    assert Decimal(read["current_total_price"]) == order.total - Decimal(tx["amount"])
    line_json = next(li for li in read["line_items"] if li["id"] == line.shopify_id)
    assert line_json["current_quantity"] == line.quantity - 1
    assert read["updated_at"] == refund["created_at"]
    payments = (
        await write_client.get(
            f"{OMS}/orders/{order.shopify_id}/transactions.json", headers=SHOPIFY
        )
    ).json()["transactions"]
    assert payments[-1]["id"] == tx["id"]
    since = (
        await write_client.get(
            f"{OMS}/orders.json",
            params={"status": "any", "updated_at_min": read["updated_at"]},
            headers=SHOPIFY,
        )
    ).json()["orders"]
    assert order.shopify_id in {o["id"] for o in since}
    stats = (await write_client.get(f"{SB}/stats")).json()["oms"]
    assert stats["writes"] == 1
    assert stats["by_route"]["POST /oms/admin/api/2024-01/orders/{id}/refunds.json"] == 1


async def test_amount_only_refund_records_a_discrepancy_and_caps(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, delivered)
    path = f"/orders/{order.shopify_id}/refunds.json"

    def refund(amount: str) -> dict[str, Any]:
        tx = {"parent_id": order.payment_transaction_id, "amount": amount, "kind": "refund"}
        return {"refund": {"note": "goodwill", "transactions": [tx]}}

    response = await post(write_client, path, refund("5.00"))
    assert response.status_code == 201, response.text
    created = response.json()["refund"]
    assert created["refund_line_items"] == []
    (adjustment,) = created["order_adjustments"]
    assert (adjustment["kind"], adjustment["amount"]) == ("refund_discrepancy", "-5.00")
    left = order.total - Decimal("5.00")
    over = await post(write_client, path, refund(f"{left + Decimal('0.01'):.2f}"))
    assert over.status_code == 422
    assert over.json() == {"errors": {"base": ["Refund amount exceeds the refundable amount"]}}
    rest = await post(write_client, path, refund(f"{left:.2f}"))
    assert rest.status_code == 201
    read = await read_order(write_client, order.shopify_id)
    assert read["financial_status"] == "refunded"
    assert read["current_total_price"] == "0.00"
    assert read["closed_at"] is not None  # archived, so it leaves the default open listing
    listing = (
        await write_client.get(
            f"{OMS}/orders.json", params={"ids": str(order.shopify_id)}, headers=SHOPIFY
        )
    ).json()["orders"]
    assert listing == []


async def test_refund_input_errors_speak_shopify(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, delivered)
    path = f"/orders/{order.shopify_id}/refunds.json"
    wrong_parent = {"transactions": [{"parent_id": 1, "amount": "1.00", "kind": "refund"}]}
    cases: list[tuple[Any, int, str]] = [
        ({"nothing": {}}, 400, "refund"),
        ({"refund": {"currency": "XXX"}}, 422, "currency"),
        (
            {"refund": {"refund_line_items": [{"line_item_id": 1, "quantity": 1}]}},
            422,
            "refund_line_items",
        ),
        ({"refund": wrong_parent}, 422, "transactions"),
        ({"refund": {"shipping": {"amount": "5.00"}}}, 422, "shipping"),
        ({"refund": {}}, 422, "base"),
    ]
    for body, status, field in cases:
        response = await post(write_client, path, body)
        assert response.status_code == status, (body, response.text)
        assert list(response.json()["errors"]) == [field]
    bad_json = await write_client.post(
        f"{OMS}{path}",
        content=b"{not json",
        headers={**SHOPIFY, "Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400
    assert "errors" in bad_json.json()
    assert (await post(write_client, "/orders/1/refunds.json", {"refund": {}})).status_code == 404
    unauthorized = await write_client.post(f"{OMS}{path}", json={"refund": {}})
    assert unauthorized.status_code == 401
    assert order.refunds == []


async def test_idempotency_key_replays_and_refuses_other_parameters(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order, other = fresh(write_world, delivered), fresh(write_world, delivered)

    def body(amount: str, target: Order = order) -> dict[str, Any]:
        tx = {"parent_id": target.payment_transaction_id, "amount": amount, "kind": "refund"}
        return {"refund": {"transactions": [tx]}}

    path = f"/orders/{order.shopify_id}/refunds.json"
    first = await post(write_client, path, body("3.00"), key("k-1"))
    again = await post(write_client, path, body("3.00"), key("k-1"))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(order.refunds) == 1
    conflict = await post(write_client, path, body("4.00"), key("k-1"))
    assert conflict.status_code == 422
    assert conflict.json() == {
        "errors": {"base": ["Idempotency key reused with different parameters"]}
    }
    elsewhere = await post(
        write_client, f"/orders/{other.shopify_id}/refunds.json", body("3.00", other), key("k-1")
    )
    assert elsewhere.status_code == 422
    assert len(order.refunds) == 1
    assert other.refunds == []
    # A request refused for bad input is not remembered: fix it, resend under the same key.
    refused = await post(write_client, path, body("999999.00"), key("k-2"))
    assert refused.status_code == 422
    assert (await post(write_client, path, body("1.00"), key("k-2"))).status_code == 201


async def test_ten_concurrent_creates_with_one_key_make_one_refund(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, delivered)
    tx = {"parent_id": order.payment_transaction_id, "amount": "2.50", "kind": "refund"}
    path = f"/orders/{order.shopify_id}/refunds.json"
    await write_client.put(f"{SB}/faults/oms", json={"latency_ms": 5, "jitter_ms": 10})
    responses = await asyncio.gather(
        *(
            post(write_client, path, {"refund": {"transactions": [tx]}}, key("burst"))
            for _ in range(10)
        )
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["refund"]["id"] for r in responses}) == 1
    assert len(order.refunds) == 1
    listed = (
        await write_client.get(f"{OMS}/orders/{order.shopify_id}/refunds.json", headers=SHOPIFY)
    ).json()["refunds"]
    assert len(listed) == 1


async def test_faults_apply_to_writes(write_client: httpx.AsyncClient, write_world: World) -> None:
    order = fresh(write_world, delivered)
    tx = {"parent_id": order.payment_transaction_id, "amount": "1.00", "kind": "refund"}
    path = f"/orders/{order.shopify_id}/refunds.json"
    await write_client.put(f"{SB}/faults/oms", json={"error_rate": 1.0, "error_status": 503})
    failed = await post(write_client, path, {"refund": {"transactions": [tx]}}, key("lost"))
    assert failed.status_code == 503
    assert failed.json() == {"errors": "Service Unavailable"}
    assert order.refunds == []  # refused before the handler ran
    await write_client.put(f"{SB}/faults/oms", json={"error_rate": 0.0, "malformed_rate": 1.0})
    garbled = await post(write_client, path, {"refund": {"transactions": [tx]}}, key("lost"))
    assert garbled.status_code == 200  # the answer was lost in transit, the refund was not
    assert len(order.refunds) == 1
    await write_client.delete(f"{SB}/faults")
    replay = await post(write_client, path, {"refund": {"transactions": [tx]}}, key("lost"))
    assert replay.status_code == 201
    assert replay.json()["refund"]["id"] == order.refunds[0].shopify_id
    stats = (await write_client.get(f"{SB}/stats")).json()["oms"]
    assert stats["writes"] == 3


async def test_create_order_reads_back_and_consumes_stock(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    original = fresh(write_world, delivered)
    customer = original.customer
    sku = original.lines[0].product.sku
    await write_client.put(f"{SB}/stock/{sku}", json={"quantity": 5})
    last = max(o.number for o in write_world.orders)
    body = {
        "order": {
            "line_items": [{"sku": sku, "quantity": 2, "price": "0.00"}],
            "customer": {"id": customer.shopify_id},
            "financial_status": "paid",
            "currency": customer.currency,
            "tags": "order360, replacement",
            "note": f"Replacement for {original.name}",
            "source_name": "order360",
            "send_receipt": False,
        }
    }
    response = await post(write_client, "/orders.json", body, key("replace-1"))
    assert response.status_code == 201, response.text
    created = response.json()["order"]
    assert created["name"] == f"#{last + 1}"
    assert created["order_number"] == last + 1
    assert (created["currency"], created["source_name"]) == (customer.currency, "order360")
    assert created["app_id"] == 580111
    assert created["tags"] == "order360, replacement"
    assert created["note"] == f"Replacement for {original.name}"
    assert (created["financial_status"], created["total_price"]) == ("paid", "0.00")
    assert created["customer"]["id"] == customer.shopify_id
    (line,) = created["line_items"]
    assert (line["sku"], line["quantity"], line["price"]) == (sku, 2, "0.00")
    assert await read_order(write_client, created["id"]) == created
    listing = (
        await write_client.get(
            f"{OMS}/orders.json", params={"ids": str(created["id"])}, headers=SHOPIFY
        )
    ).json()["orders"]
    assert [o["id"] for o in listing] == [created["id"]]
    newest = (
        await write_client.get(f"{OMS}/orders.json", params={"limit": 1}, headers=SHOPIFY)
    ).json()
    assert newest["orders"][0]["id"] == created["id"]
    theirs = (
        await write_client.get(
            f"{OMS}/customers/{customer.shopify_id}/orders.json",
            params={"status": "any", "limit": 250},
            headers=SHOPIFY,
        )
    ).json()["orders"]
    assert created["id"] in {o["id"] for o in theirs}
    stock = await write_client.get(
        f"{STOCK}/A_MatlStkInAcctMod",
        params={"$filter": f"Material eq '{sku}'"},
        auth=ERP_AUTH,
    )
    assert stock.json()["d"]["results"][0]["MatlWrhsStkQtyInMatlBaseUnit"] == "3"
    replay = await post(write_client, "/orders.json", body, key("replace-1"))
    assert (replay.status_code, replay.json()["order"]["id"]) == (201, created["id"])
    assert (await write_client.get(f"{SB}/stock/{sku}")).json()["quantity"] == 3


async def test_create_order_refuses_bad_input(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    customer = write_world.customers[0]
    count = len(write_world.orders)
    base = {"customer": {"id": customer.shopify_id}, "line_items": [{"sku": "NOPE", "quantity": 1}]}
    cases: list[tuple[dict[str, Any], str]] = [
        (base, "line_items"),
        ({**base, "line_items": []}, "line_items"),
        ({**base, "customer": {"id": 1}}, "customer"),
        ({**base, "currency": "XXX"}, "currency"),
        ({**base, "financial_status": "refunded"}, "financial_status"),
    ]
    for order, field in cases:
        response = await post(write_client, "/orders.json", {"order": order})
        assert response.status_code == 422, response.text
        assert list(response.json()["errors"]) == [field]
    assert (await post(write_client, "/orders.json", {"orders": []})).status_code == 400
    assert len(write_world.orders) == count


async def test_unpaid_orders_have_nothing_to_refund(
    write_client: httpx.AsyncClient, write_world: World
) -> None:
    order = fresh(write_world, lambda o: o.financial_status == "authorized")
    quote = await post(
        write_client, f"/orders/{order.shopify_id}/refunds/calculate.json", {"refund": {}}
    )
    assert quote.json()["refund"]["transactions"] == []  # no captured payment to refund from
    tx = {"parent_id": order.sale_transaction_id, "amount": "1.00", "kind": "refund"}
    response = await post(
        write_client, f"/orders/{order.shopify_id}/refunds.json", {"refund": {"transactions": [tx]}}
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"base": ["Refund amount exceeds the refundable amount"]}}
    assert (await read_order(write_client, order.shopify_id))["financial_status"] == "authorized"
