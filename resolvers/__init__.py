"""GraphQL types and resolvers; reaches upstreams only through ``Context``."""

from .context import Context, Info, Policy, Principal
from .errors import BadUserInput, CodedError, Forbidden, OrderNotFound
from .loaders import Loaders
from .schema import build_schema
from .stale import StaleLog

__all__ = [
    "BadUserInput",
    "CodedError",
    "Context",
    "Forbidden",
    "Info",
    "Loaders",
    "OrderNotFound",
    "Policy",
    "Principal",
    "StaleLog",
    "build_schema",
]
