"""The canonical status vocabularies, published as GraphQL enums.

The canonical enums of ``sources`` are registered with strawberry as they are, so a
resolver returns the model's value with no mapping table in between.
"""

from __future__ import annotations

import strawberry

from sources import FinancialStatus, OrderStatus, ShipmentStatus

__all__ = ["FinancialStatus", "OrderStatus", "ShipmentStatus"]

strawberry.enum(
    OrderStatus,
    description="Where an order stands: cancellation and refunds first, then delivery progress.",
)
strawberry.enum(FinancialStatus, description="Payment state of an order, as the OMS records it.")
strawberry.enum(ShipmentStatus, description="Canonical parcel status across carriers.")
