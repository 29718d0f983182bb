"""The production set of schema extensions, in order.

Strawberry enters ``on_operation`` hooks in list order and leaves them in reverse, so
``CodedErrors`` comes first: it leaves last and codes every error the others produced.
The static limits are validation rules (they refuse before execution with
QUERY_TOO_COMPLEX); ``MaxTokens`` refuses before parsing; ``QueryCost`` prices and
charges after validation, before the first resolver.
"""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache

from .errors import CodedErrors
from .limits import MaxAliases, MaxDepth, MaxRootFields, MaxTokens, QueryCost
from .operation_selection import OperationSelection
from .rate_limit import BudgetStore
from .schema_privacy import SchemaPrivacy
from .settings import Settings
from .stale_marker import StaleMarker

__all__ = ["CachedParsing", "CachedValidation", "edge_extensions"]

# Bounded: every distinct document text is a key (MaxTokens has refused the huge ones
# before parsing, and runs first so a cached parse never skips it).
DOCUMENT_CACHE_SIZE = 256


class CachedParsing(ParserCache):
    """Strawberry's parser cache, shared by every request (an LRU of documents)."""

    def __init__(self) -> None:
        super().__init__(maxsize=DOCUMENT_CACHE_SIZE)


class CachedValidation(ValidationCache):
    """Strawberry's validation cache; the key includes the limit rules, which are static."""

    def __init__(self) -> None:
        super().__init__(maxsize=DOCUMENT_CACHE_SIZE)


def edge_extensions(
    settings: Settings,
    budgets: BudgetStore,
    on_refusal: Callable[[str], None] | None = None,
) -> list[type[SchemaExtension]]:
    """Error coding, stale marking, operation selection, the limits, the cost budget and
    (production) schema privacy; ``on_refusal`` hears the cost budget's refusals."""
    limits = settings.edge.limits
    extensions: list[type[SchemaExtension]] = [
        CodedErrors,
        StaleMarker,
        OperationSelection,
        MaxTokens.configured(limits.max_tokens),
        CachedParsing,
        MaxDepth.configured(limits.max_depth),
        MaxAliases.configured(limits.max_aliases),
        MaxRootFields.configured(limits.max_root_fields),
        QueryCost.configured(limits.max_query_cost, budgets, on_refusal),
        CachedValidation,
    ]
    if settings.env == "production":
        extensions.append(SchemaPrivacy)
    return extensions
