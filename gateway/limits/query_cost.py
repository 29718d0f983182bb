"""Query cost before execution: refuse what is too expensive, spend the rest from a budget.

Runs in ``on_execute`` before graphql-core starts: the document is valid, the variables
are known, and no resolver has run. A refusal becomes the operation's result (strawberry
skips execution when an extension has set one), so a refused operation makes no
upstream call. Every response carries ``extensions.cost`` (Shopify's shape):
``requestedQueryCost`` and the client's ``throttleStatus``.

| outcome                                   | error code         | HTTP (endpoint) |
|-------------------------------------------|--------------------|-----------------|
| cost above the per-operation maximum       | QUERY_TOO_COMPLEX  | 400             |
| cost above the whole bucket                | QUERY_TOO_COMPLEX  | 400             |
| bucket holds less than the cost right now  | RATE_LIMITED       | 429 + Retry-After |
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar, Self

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from resolvers import Context, Principal

from ..rate_limit import BudgetStore, Throttle
from .cost import estimate_cost
from .cost_memo import CostMemo
from .document import too_complex

__all__ = ["QueryCost", "budget_key"]


def budget_key(principal: Principal) -> str:
    """Whose bucket pays: the partner, else the OAuth client, else the subject."""
    if principal.partner_id:
        return f"partner:{principal.partner_id}"
    if principal.client_id:
        return f"client:{principal.client_id}"
    return f"sub:{principal.subject}"


def _principal(context: object) -> Principal | None:
    return context.principal if isinstance(context, Context) else None


class QueryCost(SchemaExtension):
    """Prices the operation, enforces the maximum, and charges the client's bucket."""

    max_cost: ClassVar[int] = 1000
    budgets: ClassVar[BudgetStore]
    memo: ClassVar[CostMemo | None] = None
    listeners: ClassVar[tuple[Callable[[str], None], ...]] = ()
    """Hear each refusal: ``cost_limit`` or ``rate_limited`` (the app's metrics)."""

    @classmethod
    def configured(
        cls,
        max_cost: int,
        budgets: BudgetStore,
        on_refusal: Callable[[str], None] | None = None,
    ) -> type[Self]:
        """A subclass with this maximum, charging ``budgets`` (one store per app)."""
        fields = {
            "max_cost": max_cost,
            "budgets": budgets,
            "memo": CostMemo(),
            # In a tuple: a bare function as a class attribute would bind as a method.
            "listeners": (on_refusal,) if on_refusal else (),
        }
        return type(cls.__name__, (cls,), fields)

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        self.requested = 0
        self.throttle: Throttle | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        """Decide before graphql-core executes; a refusal replaces execution."""
        context = self.execution_context
        if context.result is None and context.graphql_document is not None:
            refusal = await self._admit(context)
            if refusal is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[refusal])
                code = (refusal.extensions or {}).get("code")
                for hear in self.listeners:
                    hear("rate_limited" if code == "RATE_LIMITED" else "cost_limit")
        yield

    async def _admit(self, context: ExecutionContext) -> GraphQLError | None:
        assert context.graphql_document is not None
        schema, document = context.schema._schema, context.graphql_document
        if self.memo is not None and context.query is not None:
            self.requested = self.memo.estimate(
                schema, context.query, document, context.operation_name, context.variables
            )
        else:
            self.requested = estimate_cost(
                schema, document, context.operation_name, context.variables
            )
        if self.requested > self.max_cost:
            return too_complex("The operation is too expensive: select fewer objects or pages.")
        principal = _principal(context.context)
        if principal is None:
            return None
        self.throttle = await self.budgets.spend(budget_key(principal), self.requested)
        if self.throttle.allowed:
            return None
        if self.requested > self.throttle.capacity:
            return too_complex("The operation costs more than this client's whole query budget.")
        wait = max(1, math.ceil(self.throttle.retry_after_s))
        return GraphQLError(
            "Query budget exhausted; retry after retryAfterSeconds.",
            extensions={"code": "RATE_LIMITED", "retryAfterSeconds": wait},
        )

    async def get_results(self) -> dict[str, Any]:
        """``extensions.cost``: what was asked and what the bucket holds now."""
        principal = _principal(self.execution_context.context)
        if principal is None:
            return {}
        throttle = self.throttle or await self.budgets.peek(budget_key(principal))
        return {"cost": throttle.as_extension(self.requested)}
