"""Plug-ins: how a vendor package declares itself and opens its client from settings.

A vendor is one package under ``sources/`` that exports one ``Plugin``: the role it
plays, its name (what ``ORDER360_ERP=…`` and the like choose), the settings it reads
(with the bundled sandbox's values), where the sandbox serves its API, and ``open``,
which builds its HTTP clients with the shared ``Kit`` and returns the role's
implementation. ``sources.registry.PLUGINS`` lists them all; nothing else needs to
change to add one (``docs/adding-a-source.md``).

The ``Kit`` is the one place HTTP clients are made (pooling, timeouts, cookies, OAuth2
client credentials through authlib) and wrapped in the call discipline
(``sources.http.Upstream``), so vendors share that machinery instead of copying it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

from .config import Secret, SourcePolicy
from .health import HealthWindow
from .http import Upstream, VendorErrorReader
from .oauth import AsyncOAuth2Client
from .observe import UpstreamObserver
from .roles import Role

__all__ = ["ROLE_SETTINGS", "Kit", "Opened", "Plugin", "Setting", "VendorSettings"]

ROLE_SETTINGS: Mapping[Role, str] = {
    "oms": "ORDER_SYSTEM",
    "erp": "ERP",
    "crm": "SERVICE_DESK",
    "carrier": "CARRIERS",
}
"""The setting that chooses each role's vendor (``ORDER360_ERP=dynamics``); the role's
URL is that name plus ``_URL`` for the order system and carriers too, kept as
``OMS_URL``, ``CRM_URL`` and ``CARRIER_URL`` (``URL_SETTINGS``)."""

URL_SETTINGS: Mapping[Role, str] = {
    "oms": "OMS_URL",
    "erp": "ERP_URL",
    "crm": "CRM_URL",
    "carrier": "CARRIER_URL",
}


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting a vendor reads, ``ORDER360_<name>``.

    ``sandbox`` is its value against the bundled sandbox (its well-known test
    credentials); ``default`` its value when a deployment leaves it unset (``None``: the
    deployment must set it). Secrets are wrapped so they never show in a ``repr``.
    """

    name: str
    secret: bool = False
    sandbox: str = field(default="", repr=False)  # a secret's sandbox value is a secret too
    default: str | None = None


@dataclass(frozen=True, slots=True)
class VendorSettings:
    """What a deployment configured for one vendor: its base URL and named settings."""

    base_url: str
    values: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, Secret] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """A plain setting by its name (without the ``ORDER360_`` prefix)."""
        return self.values[name]

    def secret(self, name: str) -> Secret:
        """A secret setting by its name."""
        return self.secrets[name]

    def __repr__(self) -> str:
        secrets = sorted(self.secrets)
        return f"VendorSettings({self.base_url!r}, {dict(self.values)!r}, secrets={secrets})"


class IgnoredCookies(CookieJar):
    """A cookie jar that keeps nothing, for APIs that authenticate by header.

    httpx hands every response to its cookie jar, and the standard jar first rebuilds the
    headers as an ``email.message.Message``: about 400 Python calls per response even
    when no cookie is set. Only SAP needs a cookie back (its CSRF token is bound to the
    session cookie), so only its client keeps httpx's own jar.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        """Ignore whatever the upstream sets."""
        return None


@dataclass(frozen=True, slots=True)
class Opened:
    """A vendor's role implementation and the upstreams it calls (for health)."""

    client: Any
    upstreams: tuple[Upstream, ...]


class Kit:
    """Builds a vendor's HTTP clients and upstreams; closes them all with the sources."""

    def __init__(
        self,
        role: Role,
        stack: AsyncExitStack,
        health: HealthWindow,
        transport: httpx.AsyncBaseTransport | None,
        observer: UpstreamObserver | None = None,
    ) -> None:
        self.role: Role = role
        self._stack = stack
        self._health = health
        self._given = transport
        self._observer = observer

    def _transport(self, policy: SourcePolicy) -> httpx.AsyncBaseTransport:
        # aiohttp's connection pool under httpx's API: a fraction of httpcore's CPU per
        # call (bench/results: 0.55 ms vs 3.1 ms per request), same request/response
        # types, so MockTransport and ASGITransport still replace it in tests.
        if self._given is not None:
            return self._given
        return AiohttpTransport(limits=_limits(policy))

    async def plain(
        self,
        base_url: str,
        policy: SourcePolicy,
        auth: httpx.Auth | None = None,
        *,
        keep_cookies: bool = False,
    ) -> httpx.AsyncClient:
        """A client with fixed credentials (Basic auth, or headers the vendor adds)."""
        client = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            cookies=None if keep_cookies else IgnoredCookies(),
            transport=self._transport(policy),
            timeout=_timeout(policy),
            limits=_limits(policy),
        )
        return await self._stack.enter_async_context(client)

    async def client_credentials(
        self,
        base_url: str,
        policy: SourcePolicy,
        *,
        token_url: str,
        client_id: str,
        client_secret: Secret,
        scope: str | None = None,
    ) -> AsyncOAuth2Client:
        """A client that gets and renews an OAuth2 client-credentials token (authlib)."""
        client = AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret.reveal(),
            token_endpoint=token_url,
            token_endpoint_auth_method="client_secret_post",
            grant_type="client_credentials",
            scope=scope,
            base_url=base_url,
            cookies=IgnoredCookies(),
            transport=self._transport(policy),
            timeout=_timeout(policy),
            limits=_limits(policy),
        )
        return await self._stack.enter_async_context(client)

    def upstream(
        self,
        http: httpx.AsyncClient,
        policy: SourcePolicy,
        read_vendor_error: VendorErrorReader | None = None,
    ) -> Upstream:
        """The call discipline around one client, reporting to the role's health."""
        return Upstream(
            self.role,
            http,
            policy,
            read_vendor_error=read_vendor_error,
            health=self._health,
            observer=self._observer,
        )


def _timeout(policy: SourcePolicy) -> httpx.Timeout:
    # The call layer enforces the real deadline; httpx's own timeout is a backstop.
    return httpx.Timeout(policy.timeout_s + 1.0)


def _limits(policy: SourcePolicy) -> httpx.Limits:
    return httpx.Limits(
        max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency
    )


@dataclass(frozen=True, slots=True)
class Plugin:
    """One vendor implementation of a role.

    ``open`` builds the clients from ``VendorSettings`` with the ``Kit`` and returns the
    role's implementation (an ``OrderSystem``, ``Erp``, ``ServiceDesk`` or ``Carriers``,
    ``sources.roles``). ``sandbox_path`` is where the bundled sandbox serves this
    vendor's API, under ``/sandbox/``.
    """

    role: Role
    name: str
    summary: str = field(repr=False)
    settings: tuple[Setting, ...] = field(repr=False)
    sandbox_path: str = field(repr=False)
    open: Callable[[VendorSettings, Kit], Awaitable[Opened]] = field(repr=False)
