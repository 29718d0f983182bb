"""How to reach one Dynamics 365 F&O environment: its URL, the legal entity, Entra ID."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Secret, SourcePolicy

__all__ = ["DynamicsConfig", "entra_token_url"]


def entra_token_url(tenant_id: str) -> str:
    """Microsoft Entra ID's v2.0 token endpoint of ``tenant_id``."""
    return f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"


@dataclass(frozen=True, slots=True, kw_only=True)
class DynamicsConfig:
    """One F&O environment (``https://<env>.operations.dynamics.com``) and one company.

    ``company`` is the legal entity (``dataAreaId``) every read is filtered to; the
    app registration's token is requested for ``<base_url>/.default``.
    ``max_query_bytes`` bounds a query string: IIS, in front of F&O, refuses query
    strings over 2048 bytes by default (``maxQueryString``), so key lists are split to
    stay under it.
    """

    base_url: str
    tenant_id: str
    client_id: str
    client_secret: Secret
    company: str
    token_url: str = ""
    policy: SourcePolicy = field(default_factory=lambda: SourcePolicy(batch_limit=50))
    max_query_bytes: int = 2048

    @property
    def scope(self) -> str:
        """The OAuth2 scope of the environment: its URL plus ``/.default``."""
        return f"{self.base_url.rstrip('/')}/.default"

    @property
    def resolved_token_url(self) -> str:
        """``token_url`` when set, else the tenant's Entra ID endpoint."""
        return self.token_url or entra_token_url(self.tenant_id)
