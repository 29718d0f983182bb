"""GraphQL types and resolvers; reaches upstreams only through ``Context``."""

from .context import Context, Info, Policy, Principal, ProcessEnv
from .errors import BadUserInput, CodedError, Forbidden, OrderNotFound
from .loaders import Loaders
from .observe import BusinessObserver
from .processes import ProcessSettings, Runtime, drive
from .schema import build_schema, build_subgraph_schema
from .stale import StaleLog

__all__ = [
    "BadUserInput",
    "BusinessObserver",
    "CodedError",
    "Context",
    "Forbidden",
    "Info",
    "Loaders",
    "OrderNotFound",
    "Policy",
    "Principal",
    "ProcessEnv",
    "ProcessSettings",
    "Runtime",
    "StaleLog",
    "build_schema",
    "build_subgraph_schema",
    "drive",
]
