"""Money: an exact decimal amount with its currency."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from sources import Money as MoneyModel

__all__ = ["Money"]


@strawberry.type(description="An exact amount of money in one currency.")
class Money:
    """GraphQL face of ``sources.Money``."""

    amount: Decimal = strawberry.field(
        description='Exact amount, serialized as a string: "129.90".'
    )
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")

    @classmethod
    def of(cls, money: MoneyModel) -> Money:
        """Wrap a canonical amount."""
        return cls(amount=money.amount, currency=money.currency)
