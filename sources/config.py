"""Value objects that configure the source clients.

Each vendor's plug-in builds its own from the ``VendorSettings`` the gateway read from
the environment; nothing in ``sources/`` reads configuration itself. Secrets are wrapped
so they never show in a ``repr`` or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .resilience import BreakerPolicy, RetryPolicy

__all__ = [
    "CarrierConfig",
    "CrmConfig",
    "ErpConfig",
    "OmsConfig",
    "Secret",
    "SourcePolicy",
]


class Secret:
    """A credential that hides itself from ``repr`` and ``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcePolicy:
    """How calls to one upstream are bounded.

    ``timeout_s`` caps one call (the request deadline may cut it shorter),
    ``batch_limit`` is the most keys sent in one upstream request,
    ``concurrency`` the most calls in flight at once (bulkhead),
    ``max_response_bytes`` refuses oversized bodies, and ``max_url_bytes`` refuses a
    URL longer than common servers take (nginx and Apache stop at about 8 KiB of
    request line) before it is sent; ``retry`` and ``breaker`` tune the resilience of
    the calls.
    """

    timeout_s: float = 2.0
    batch_limit: int = 50
    concurrency: int = 16
    max_response_bytes: int = 8 * 1024 * 1024
    max_url_bytes: int = 8 * 1024
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)


@dataclass(frozen=True, slots=True, kw_only=True)
class ErpConfig:
    """SAP S/4HANA OData v2 APIs behind one host (communication user, Basic auth)."""

    base_url: str
    user: str
    password: Secret
    # SAP documents no key cap; the URL budget (max_url_bytes) is the real bound.
    policy: SourcePolicy = field(default_factory=lambda: SourcePolicy(batch_limit=50))
    max_url_bytes: int = 7000


@dataclass(frozen=True, slots=True, kw_only=True)
class OmsConfig:
    """Shopify Admin REST API of one shop.

    ``channel_apps`` maps our channel names to the Shopify ``app_id`` an order is
    attributed to, which is how Shopify records the sales channel.
    """

    base_url: str
    access_token: Secret
    api_version: str = "2024-01"
    channel_apps: Mapping[str, int] = field(
        default_factory=lambda: {
            "web": 580111,
            "store": 129785,
            "marketplace": 1354745,
            "partner:acme": 4555605,
            "partner:globex": 4555717,
        }
    )
    policy: SourcePolicy = field(default_factory=lambda: SourcePolicy(batch_limit=250))


@dataclass(frozen=True, slots=True, kw_only=True)
class CrmConfig:
    """Salesforce REST API with an OAuth2 client-credentials connected app."""

    base_url: str
    client_id: str
    client_secret: Secret
    api_version: str = "v60.0"
    policy: SourcePolicy = field(default_factory=lambda: SourcePolicy(batch_limit=100))
    max_url_bytes: int = 7000


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierConfig:
    """FedEx Track (OAuth2 client credentials) and EasyPost (API key) endpoints."""

    fedex_url: str
    fedex_client_id: str
    fedex_client_secret: Secret
    easypost_url: str
    easypost_api_key: Secret
    policy: SourcePolicy = field(default_factory=lambda: SourcePolicy(batch_limit=30))
