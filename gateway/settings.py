"""Settings: the one place that reads configuration (with ``setting_reader``, the typed
reads, and ``vendor_settings``, the vendor of each role).

``load_settings(environ)`` reads ``ORDER360_*`` variables (and an optional ``.env``
file) into frozen value objects. A bad or missing setting raises ``SettingsError``
naming the variable, and the CLI prints it as one line. Nothing else in the project
touches ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from sources import (
    SOURCE_NAMES,
    URL_SETTINGS,
    Role,
    SourcesConfig,
)

from .edge_settings import (
    EdgeSettings,
    MetricsMode,
    PersistedQuerySettings,
    QueryLimits,
    RateLimitSettings,
)
from .persisted_queries import parse_allowlist
from .setting_reader import PREFIX, Reader, SettingsError, read_env_file
from .vendor_settings import VendorChoice, read_vendors

__all__ = [
    "SANDBOX_ISSUER",
    "AuthSettings",
    "EventSettings",
    "SandboxSettings",
    "Settings",
    "SettingsError",
    "load_settings",
]

SANDBOX_ISSUER = "urn:order360:sandbox-idp"
Environment = Literal["development", "production"]

_UPSTREAM_URLS = tuple(URL_SETTINGS[role] for role in SOURCE_NAMES)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthSettings:
    """How bearer tokens are verified."""

    jwks_url: str | None
    issuer: str
    audience: str
    leeway_s: int = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class EventSettings:
    """Where business events go: NATS JetStream when ``nats_url`` is set, else in process."""

    nats_url: str | None = None
    stream: str = "ORDER360_EVENTS"
    subject_prefix: str = "order360"
    """Subjects are ``<prefix>.<entity>.<transition>``; the stream takes ``<prefix>.>``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxSettings:
    """The embedded sandbox, used when no upstream URL is configured."""

    seed: int
    key_file: Path
    latency_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the gateway needs, read once at start-up."""

    env: Environment
    sources: SourcesConfig | None
    """``None`` means sandbox mode: the sandbox is mounted and the URLs are filled in
    once the listening address is known (``with_sandbox_at``)."""
    auth: AuthSettings
    sandbox: SandboxSettings
    request_deadline_ms: int
    max_upstream_calls: int = 200
    """The most upstream calls (attempts and retries included) one request may make."""
    cache_ttl_seconds: float
    cache_max_stale_seconds: float
    return_window_days: int
    parked_retry_seconds: float
    parked_max_retries: int
    workflow_lease_seconds: float
    refund_approval_threshold: Decimal
    database_url: str
    journal_timeout_ms: int = 2000
    """Every journal operation answers within this or fails (503 for a mutation); never
    above ``request_deadline_ms``."""
    redis_url: str | None
    vendors: Mapping[Role, VendorChoice]
    """The vendor of each role (``ORDER360_ERP``, ``ORDER360_SERVICE_DESK``…)."""
    mount_sandbox: bool = False
    """Serve the sandbox under ``/sandbox`` of the gateway itself (set by ``with_sandbox_at``)."""
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    """Request limits, query budgets and persisted queries (``gateway.edge_settings``)."""
    events: EventSettings = field(default_factory=EventSettings)
    """The business events' broker (``ORDER360_NATS_*``)."""

    @property
    def sandbox_mode(self) -> bool:
        """No upstream URLs were configured: serve the bundled sandbox."""
        return self.sources is None

    @property
    def graphiql(self) -> bool:
        """GraphiQL and introspection are for development only."""
        return self.env == "development"

    def with_sandbox_at(self, base_url: str) -> Settings:
        """Point every upstream and the JWKS at a sandbox served under ``base_url``."""
        root = base_url.rstrip("/") + "/sandbox"
        sources = SourcesConfig(
            {
                role: choice.at(f"{root}/{choice.plugin.sandbox_path}", root)
                for role, choice in self.vendors.items()
            }
        )
        auth = dataclasses.replace(self.auth, jwks_url=f"{root}/idp/.well-known/jwks.json")
        return dataclasses.replace(
            self,
            sources=sources,
            auth=auth,
            mount_sandbox=True,
        )


def _default_key_file(values: Mapping[str, str]) -> Path:
    state = values.get("XDG_STATE_HOME") or str(
        Path(values.get("HOME") or "~").expanduser() / ".local/state"
    )
    return Path(state) / "order360" / "sandbox-signing-key.json"


def _metrics_mode(read: Reader) -> MetricsMode:
    # Production keeps its metrics for operators unless told otherwise: they name every
    # upstream's health and the business volumes.
    default = "ops" if read.text("ENV") == "production" else "on"
    mode = read.required("METRICS", default)
    if mode not in ("on", "off", "ops"):
        raise SettingsError(f"{PREFIX}METRICS: must be on, off or ops, got {mode!r}")
    return "on" if mode == "on" else "off" if mode == "off" else "ops"


def _edge_settings(read: Reader) -> EdgeSettings:
    limits = QueryLimits(
        max_depth=read.integer("MAX_DEPTH", 10, minimum=1),
        max_aliases=read.integer("MAX_ALIASES", 30),
        max_tokens=read.integer("MAX_TOKENS", 2000, minimum=1),
        max_root_fields=read.integer("MAX_ROOT_FIELDS", 10, minimum=1),
        max_query_cost=read.integer("MAX_QUERY_COST", 1000, minimum=1),
    )
    restore = read.number("RATE_LIMIT_RESTORE_PER_S", 100.0)
    if restore <= 0:
        raise SettingsError(f"{PREFIX}RATE_LIMIT_RESTORE_PER_S: must be above 0, got {restore}")
    mode = read.required("PERSISTED_QUERIES", "apq")
    if mode not in ("apq", "allowlist"):
        raise SettingsError(f"{PREFIX}PERSISTED_QUERIES: must be apq or allowlist, got {mode!r}")
    path = read.text("PERSISTED_QUERIES_FILE")
    if mode == "allowlist" and path is None:
        raise SettingsError(f"{PREFIX}PERSISTED_QUERIES_FILE: required in allowlist mode")
    allowlist: dict[str, str] = {}
    if path is not None:
        try:
            allowlist = parse_allowlist(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise SettingsError(f"{PREFIX}PERSISTED_QUERIES_FILE: {exc}") from None
    return EdgeSettings(
        max_body_bytes=read.integer("MAX_BODY_BYTES", 1024 * 1024, minimum=1),
        limits=limits,
        rate_limit=RateLimitSettings(
            capacity=read.integer("RATE_LIMIT_CAPACITY", 2000, minimum=1), restore_per_s=restore
        ),
        persisted_queries=PersistedQuerySettings(
            mode="allowlist" if mode == "allowlist" else "apq",
            allowlist=allowlist,
            cache_size=read.integer("PERSISTED_QUERIES_CACHE_SIZE", 1000, minimum=1),
        ),
        metrics=_metrics_mode(read),
    )


_NATS_SCHEMES = ("nats", "tls", "ws", "wss")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _event_settings(read: Reader) -> EventSettings:
    url = read.text("NATS_URL")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in _NATS_SCHEMES or not parts.netloc:
            raise SettingsError(f"{PREFIX}NATS_URL: not a nats:// (or tls://) URL: {url!r}")
    stream = read.required("NATS_STREAM", "ORDER360_EVENTS")
    if not set(stream) <= _NAME_CHARS:
        raise SettingsError(f"{PREFIX}NATS_STREAM: letters, digits, _ and - only, got {stream!r}")
    prefix = read.required("NATS_SUBJECT_PREFIX", "order360")
    if not all(token and set(token) <= _NAME_CHARS for token in prefix.split(".")):
        raise SettingsError(
            f"{PREFIX}NATS_SUBJECT_PREFIX: dot-separated tokens of letters, digits, _ "
            f"and -, got {prefix!r}"
        )
    return EventSettings(nats_url=url, stream=stream, subject_prefix=prefix)


def load_settings(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Settings:
    """Settings from ``environ`` over an optional ``.env`` file; raises ``SettingsError``."""
    values = {**(read_env_file(env_file) if env_file else {}), **environ}
    read = Reader(values)
    env = read.required("ENV", "development")
    if env not in ("development", "production"):
        raise SettingsError(f"{PREFIX}ENV: must be development or production, got {env!r}")
    urls = {name: read.url(name) for name in _UPSTREAM_URLS}
    given = [name for name, url in urls.items() if url]
    if given and len(given) != len(urls):
        missing = ", ".join(PREFIX + n for n in _UPSTREAM_URLS if not urls[n])
        raise SettingsError(f"{missing}: set every upstream URL, or none for the sandbox")
    vendors = read_vendors(read, sandbox=not given, production=env == "production" and bool(given))
    sources = None
    if given:
        sources = SourcesConfig(
            {role: choice.at(urls[URL_SETTINGS[role]] or "") for role, choice in vendors.items()}
        )
    auth = AuthSettings(
        jwks_url=read.url("JWKS_URL"),
        issuer=read.required("ISSUER", SANDBOX_ISSUER),
        audience=read.required("AUDIENCE", "order360"),
    )
    if env == "production":
        # Production never falls back to the sandbox: no mounted simulators and no
        # implicit sandbox issuer. (A standalone `order360 sandbox` may still be named
        # explicitly, as CONTRACT.md describes for conformance runs.)
        if sources is None:
            raise SettingsError(f"{PREFIX}ERP_URL: production needs explicit upstream URLs")
        if read.text("ISSUER") is None:
            raise SettingsError(f"{PREFIX}ISSUER: production refuses the implicit sandbox issuer")
    if sources is not None and auth.jwks_url is None:
        raise SettingsError(f"{PREFIX}JWKS_URL: required when upstream URLs are configured")
    deadline_ms = read.integer("REQUEST_DEADLINE_MS", 2500, minimum=1)
    # A journal wait past the request's deadline would answer after the client gave up:
    # the default shrinks with a shorter deadline, a longer explicit value is refused.
    journal_timeout_ms = read.integer("JOURNAL_TIMEOUT_MS", min(2000, deadline_ms), minimum=1)
    if journal_timeout_ms > deadline_ms:
        raise SettingsError(
            f"{PREFIX}JOURNAL_TIMEOUT_MS: {journal_timeout_ms} is above "
            f"{PREFIX}REQUEST_DEADLINE_MS ({deadline_ms})"
        )
    return Settings(
        env="production" if env == "production" else "development",
        sources=sources,
        auth=auth,
        sandbox=SandboxSettings(
            seed=read.integer("SANDBOX_SEED", 360),
            key_file=Path(read.text("SANDBOX_KEY_FILE") or _default_key_file(values)),
            latency_ms=read.integer("SANDBOX_LATENCY_MS", 0),
        ),
        request_deadline_ms=deadline_ms,
        max_upstream_calls=read.integer("MAX_UPSTREAM_CALLS", 200, minimum=1),
        cache_ttl_seconds=read.number("CACHE_TTL_SECONDS", 30.0),
        cache_max_stale_seconds=read.number("CACHE_MAX_STALE_SECONDS", 600.0),
        return_window_days=read.integer("RETURN_WINDOW_DAYS", 30, minimum=1),
        parked_retry_seconds=read.number("PARKED_RETRY_SECONDS", 30.0),
        parked_max_retries=read.integer("PARKED_MAX_RETRIES", 12, minimum=0),
        workflow_lease_seconds=read.number("WORKFLOW_LEASE_SECONDS", 30.0),
        refund_approval_threshold=read.decimal("REFUND_APPROVAL_THRESHOLD", "100.00"),
        database_url=read.required("DATABASE_URL", "sqlite:///order360.db"),
        journal_timeout_ms=journal_timeout_ms,
        redis_url=read.text("REDIS_URL"),
        vendors=vendors,
        edge=_edge_settings(read),
        events=_event_settings(read),
    )


def environment() -> Mapping[str, str]:
    """The process environment (the CLI's single read of ``os.environ``)."""
    return os.environ
