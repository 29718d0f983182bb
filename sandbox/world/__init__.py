"""The sandbox's generated world: vendor-neutral facts every simulated system renders."""

from sandbox.world.generate import generate_world
from sandbox.world.model import (
    Address,
    Customer,
    Order,
    OrderLine,
    Product,
    Refund,
    RefundLine,
    Shipment,
    TrackingEvent,
)
from sandbox.world.records import (
    Account,
    BillingDocument,
    BillingItem,
    Case,
    CaseComment,
    SalesOrder,
)
from sandbox.world.world import World

__all__ = [
    "Account",
    "Address",
    "BillingDocument",
    "BillingItem",
    "Case",
    "CaseComment",
    "Customer",
    "Order",
    "OrderLine",
    "Product",
    "Refund",
    "RefundLine",
    "SalesOrder",
    "Shipment",
    "TrackingEvent",
    "World",
    "generate_world",
]
