"""Build a `World` from a seed and an anchor date; the only entry point to generation."""

from __future__ import annotations

import datetime
import random

from sandbox.world.aftercare import after_delivery, settle_cancellation
from sandbox.world.catalog import build_catalog, build_stock
from sandbox.world.crm import build_accounts, build_cases
from sandbox.world.erp import build_erp
from sandbox.world.fulfilment import TrackingNumbers, decide_payment, maybe_cancel, ship
from sandbox.world.ids import ShopifyIds
from sandbox.world.lifecycle import settle
from sandbox.world.orders import build_orders
from sandbox.world.people import build_customers
from sandbox.world.world import World


def generate_world(
    seed: int, anchor: datetime.date, *, customers: int = 320, orders: int = 2100
) -> World:
    """Generate the world deterministically: same (seed, anchor, sizes), same world.

    All randomness comes from one `random.Random(seed)`, consumed in a fixed
    order; nothing iterates over a set of strings, so hash randomisation cannot
    change the result.
    """
    rng = random.Random(seed)
    now = datetime.datetime.combine(anchor, datetime.time(), datetime.UTC)
    ids = ShopifyIds(rng)
    products = build_catalog(rng)
    stock = build_stock(rng, products)
    people, households = build_customers(rng, customers, now)
    placed = build_orders(rng, orders, people, products, now, ids)
    numbers = TrackingNumbers(rng)
    for order in placed:
        decide_payment(rng, order, now)
        if maybe_cancel(rng, order, now):
            settle_cancellation(order, ids)
        else:
            ship(rng, order, stock, now, ids, numbers)
            after_delivery(rng, order, now, ids)
        settle(rng, order, now)
    sales_orders, documents = build_erp(rng, placed, now)
    accounts = build_accounts(people, households)
    cases, comments = build_cases(rng, people, placed, now)
    return World(
        seed=seed,
        anchor=anchor,
        now=now,
        products=products,
        stock=stock,
        customers=people,
        accounts=accounts,
        orders=placed,
        sales_orders=sales_orders,
        billing_documents=documents,
        cases=cases,
        comments=comments,
    )
