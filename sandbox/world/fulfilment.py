"""Payment, cancellation and shipping of each order: who paid, what shipped, when, how.

Backorders come from the ERP stock: a line whose material is out of stock does
not ship if the order is recent, which is how partially fulfilled orders arise
naturally; ~15 % of shipped orders are split into 2-3 parcels.
"""

from __future__ import annotations

import datetime
import itertools
import random

from sandbox.world.geography import ORIGINS
from sandbox.world.ids import ShopifyIds, hex_id
from sandbox.world.model import Order, OrderLine, Shipment
from sandbox.world.orders import draw, pick
from sandbox.world.timelines import play

_H = datetime.timedelta(hours=1)
_D = datetime.timedelta(days=1)
BACKORDER_WINDOW = 45 * _D
# region -> (carriers, cumulative weights)
_CARRIERS = {"US": (("FedEx", "UPS", "USPS"), (45, 75, 100)), "EU": (("FedEx", "UPS"), (50, 100))}
_SERVICES = {
    "FedEx": ("FedEx Ground", "FedEx Ground", "FedEx 2Day"),
    "UPS": ("UPS Ground", "UPS Ground", "UPS 2nd Day Air"),
    "USPS": ("Ground Advantage", "Ground Advantage", "Priority Mail"),
}
_CANCEL_REASONS = ("customer", "customer", "customer", "inventory", "fraud", "other")


class TrackingNumbers:
    """Unique, carrier-shaped tracking numbers (FedEx 12 digits, UPS 1Z…, USPS 22 digits)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _draw(self, carrier: str) -> str:
        rng = self._rng
        if carrier == "FedEx":
            return f"7948{rng.randrange(10**8):08d}"
        if carrier == "UPS":
            return f"1Z8A4E97{rng.choice(('03', '02'))}{rng.randrange(10**8):08d}"
        return f"9400{rng.randrange(10**18):018d}"

    def next(self, carrier: str) -> str:
        while True:
            number = self._draw(carrier)
            if number not in self._used:
                self._used.add(number)
                return number


def decide_payment(rng: random.Random, order: Order, now: datetime.datetime) -> None:
    """Paid at checkout mostly; some recent orders await a bank transfer or manual capture."""
    if now - order.created_at >= 7 * _D:
        return
    roll = rng.random()
    if roll < 0.08:
        order.financial_status = "pending"
    elif roll < 0.3:
        order.financial_status = "authorized"  # captured when the first parcel ships


def maybe_cancel(rng: random.Random, order: Order, now: datetime.datetime) -> bool:
    if rng.random() >= 0.05:
        return False
    cancelled_at = order.created_at + _H * rng.uniform(0.2, 30)
    if cancelled_at >= now:
        return False
    order.cancelled_at = cancelled_at.replace(microsecond=0)
    # A declined payment never captured anything, so only unpaid orders cancel for it.
    unpaid = order.financial_status != "paid"
    order.cancel_reason = rng.choice(("declined", "customer") if unpaid else _CANCEL_REASONS)
    return True


def _groups(rng: random.Random, lines: list[OrderLine]) -> list[list[OrderLine]]:
    """One parcel normally; two or three for ~1 in 4 multi-line orders."""
    if len(lines) < 2 or rng.random() >= 0.27:
        return [lines]
    parts = 3 if len(lines) >= 3 and rng.random() < 0.35 else 2
    shuffled = lines[:]
    rng.shuffle(shuffled)
    cuts = sorted(draw(rng, range(1, len(shuffled)), parts - 1))
    bounds = [0, *cuts, len(shuffled)]
    return [
        sorted(shuffled[a:b], key=lambda ln: ln.position) for a, b in itertools.pairwise(bounds)
    ]


def ship(
    rng: random.Random,
    order: Order,
    stock: dict[str, int],
    now: datetime.datetime,
    ids: ShopifyIds,
    numbers: TrackingNumbers,
) -> None:
    """Create the order's shipments (only those labelled before `now`) and play them."""
    if order.financial_status == "pending":
        return
    recent = now - order.created_at < BACKORDER_WINDOW
    for line in order.lines:
        line.backordered = recent and stock[line.product.sku] == 0
    shippable = [line for line in order.lines if not line.backordered]
    if not shippable:
        return
    # Most orders leave the warehouse the same or next day; busy weeks add a backlog.
    roll = rng.random()
    lag = (
        rng.uniform(2, 24)
        if roll < 0.65
        else rng.uniform(24, 60)
        if roll < 0.85
        else rng.uniform(60, 150)
    )
    first = order.created_at + _H * lag
    region = order.region
    carriers, carrier_cum = _CARRIERS["US" if region == "US" else "EU"]
    for number, group in enumerate(_groups(rng, shippable), start=1):
        shipped_at = (first + _D * rng.uniform(0.5, 3) * (number - 1)).replace(microsecond=0)
        if shipped_at >= now:
            break
        carrier = pick(rng, carriers, carrier_cum)
        shipment = Shipment(
            shopify_id=ids.fulfillments.next(),
            order=order,
            name=f"{order.name}.{number}",
            carrier=carrier,
            service=rng.choice(_SERVICES[carrier]),
            tracking_number=numbers.next(carrier),
            lines=[(line, line.quantity) for line in group],
            shipped_at=shipped_at,
            outcome="normal",
            origin=ORIGINS[region],
            destination=order.customer.address.place,
        )
        if carrier != "FedEx":
            shipment.tracker_id = f"trk_{hex_id(rng)}"
        play(rng, shipment, region, now)
        for line in group:
            line.fulfilled = line.quantity
        order.shipments.append(shipment)
    if order.shipments and order.financial_status == "authorized":
        order.financial_status = "paid"
        order.capture_transaction_id = ids.transactions.next()
