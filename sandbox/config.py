"""Sandbox configuration: the few knobs a demo, a test or a benchmark may turn."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from joserfc.jwk import ECKey, RSAKey


@dataclass(frozen=True, slots=True)
class SandboxCredentials:
    """The secrets each simulated upstream accepts (and nothing else)."""

    erp_user: str = "ORDER360_COMM"
    erp_password: str = "sandbox-erp-password"
    oms_access_token: str = "shpat_sandbox_order360"
    crm_client_id: str = "order360-sandbox"
    crm_client_secret: str = "sandbox-crm-secret"
    zendesk_email: str = "order360@sandbox.zendesk.test"
    zendesk_api_token: str = "sandbox-zendesk-token"
    fedex_client_id: str = "order360-fedex"
    fedex_client_secret: str = "sandbox-fedex-secret"
    easypost_api_key: str = "EZTK_sandbox_order360"
    dynamics_tenant_id: str = "0f6c1c7e-5a3b-4d2e-9c1a-36000000d365"
    dynamics_client_id: str = "6d0e5f3a-order360-sandbox-d365"
    dynamics_client_secret: str = "sandbox-d365-secret"


@dataclass(frozen=True)
class SandboxConfig:
    """How to build one sandbox: the seed and anchor fix the data, the rest the behaviour.

    `anchor` is the "today" the data is relative to; None means today's UTC date,
    so a demo always shows recent orders while a test pins a date to get
    byte-identical payloads.
    """

    seed: int = 360
    anchor: datetime.date | None = None
    latency_ms: int = 0
    signing_key: RSAKey | ECKey | None = None
    issuer: str = "urn:order360:sandbox-idp"
    credentials: SandboxCredentials = field(default_factory=SandboxCredentials)
    shopify_bucket_size: int = 400
    shopify_leak_per_s: float = 20.0
    customers: int = 320
    orders: int = 2100

    def __post_init__(self) -> None:
        # Fail at construction with one clear line instead of deep in generation.
        if self.customers < 10:
            raise ValueError("SandboxConfig.customers must be at least 10")
        if self.orders < 10:
            raise ValueError("SandboxConfig.orders must be at least 10")
        if self.latency_ms < 0:
            raise ValueError("SandboxConfig.latency_ms must not be negative")
        if self.shopify_bucket_size < 1:
            raise ValueError("SandboxConfig.shopify_bucket_size must be at least 1")
        if self.shopify_leak_per_s <= 0:
            raise ValueError("SandboxConfig.shopify_leak_per_s must be positive")

    def resolved_anchor(self) -> datetime.date:
        """The anchor date, defaulting to today's UTC date."""
        if self.anchor is not None:
            return self.anchor
        return datetime.datetime.now(datetime.UTC).date()
