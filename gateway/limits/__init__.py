"""Static and cost limits on GraphQL operations, one schema extension per module."""

from .aliases import MaxAliases
from .cost import estimate_cost
from .depth import MaxDepth
from .query_cost import QueryCost, budget_key
from .root_fields import MaxRootFields
from .tokens import MaxTokens

__all__ = [
    "MaxAliases",
    "MaxDepth",
    "MaxRootFields",
    "MaxTokens",
    "QueryCost",
    "budget_key",
    "estimate_cost",
]
