"""Bearer JWT access tokens (RFC 9068) verified against the issuer's JWKS.

Allow-list driven, per RFC 8725: asymmetric algorithms only (RS256, ES256), keys
only from the configured JWKS (never from the token's own headers), header ``typ``
``at+jwt``, exact ``iss``, ``aud`` naming us, ``exp``/``nbf`` with at most 60 s of
leeway, and a size cap before anything is decoded. The JWKS is cached and fetched
again when a token names an unknown ``kid``, at most once per cooldown.

A token that passed every check is remembered for a short while (as Envoy's
``jwt_cache_config`` does): the same token again skips the signature check and the
claim checks, but never its expiry, which is compared on every use.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import httpx
from cachetools import TTLCache
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from resolvers import Principal

from .settings import AuthSettings

__all__ = ["ALGORITHMS", "InvalidToken", "JwksCache", "TokenVerifier"]

ALGORITHMS = ("RS256", "ES256")
MAX_TOKEN_BYTES = 8192
_ACCESS_TOKEN_TYPES = {"at+jwt", "application/at+jwt"}
# Verified tokens kept, and for how long at most (a key the issuer withdraws stops
# being honoured for cached tokens after this).
VERIFIED_TOKENS = 4096
VERIFIED_TTL_S = 60.0


class InvalidToken(Exception):
    """The bearer token fails a check; the message is safe to send back."""


class JwksCache:
    """The issuer's public keys, fetched lazily and refreshed on an unknown ``kid``."""

    def __init__(
        self, client: httpx.AsyncClient, url: str, *, ttl_s: float = 600.0, cooldown_s: float = 30.0
    ) -> None:
        self._client = client
        self._url = url
        self._ttl_s = ttl_s
        self._cooldown_s = cooldown_s
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def keys_for(self, kid: str | None) -> KeySet:
        """A key set that holds ``kid`` if the issuer publishes it."""
        now = time.monotonic()
        stale = now - self._fetched_at > self._ttl_s
        unknown = self._keys is not None and kid is not None and not _has_kid(self._keys, kid)
        may_refetch = now - self._fetched_at > self._cooldown_s
        if self._keys is None or stale or (unknown and may_refetch):
            async with self._lock:
                if self._keys is None or time.monotonic() - self._fetched_at > self._cooldown_s:
                    self._keys = await self._fetch()
                    self._fetched_at = time.monotonic()
        assert self._keys is not None
        return self._keys

    async def _fetch(self) -> KeySet:
        try:
            response = await self._client.get(self._url, timeout=5.0)
            response.raise_for_status()
            document = response.json()
            public = [k for k in document.get("keys", []) if k.get("kty") in ("RSA", "EC")]
            return KeySet.import_key_set({"keys": public})
        except (httpx.HTTPError, ValueError, JoseError, AttributeError) as exc:
            if self._keys is not None:
                return self._keys  # keep verifying with the keys we have
            raise InvalidToken("the token issuer's keys are unavailable") from exc


def _has_kid(keys: KeySet, kid: str) -> bool:
    try:
        keys.get_by_kid(kid)
    except (JoseError, ValueError, KeyError):
        return False
    return True


class TokenVerifier:
    """Turns a bearer token into a ``Principal`` or raises ``InvalidToken``."""

    def __init__(self, jwks: JwksCache, settings: AuthSettings) -> None:
        self._jwks = jwks
        self._claims = jwt.JWTClaimsRegistry(
            leeway=min(settings.leeway_s, 60),
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        self._leeway_s = min(settings.leeway_s, 60)
        # token -> (principal, exp): only tokens that passed every check.
        self._verified: TTLCache[str, tuple[Principal, float]] = TTLCache(
            VERIFIED_TOKENS, VERIFIED_TTL_S
        )

    async def verify(self, token: str) -> Principal:
        """The token's principal: from the cache of verified tokens, else ``verify_fully``."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if time.time() <= expires + self._leeway_s:
                return principal
            del self._verified[token]
            raise InvalidToken("token expired")
        principal, expires = await self.verify_fully(token)
        self._verified[token] = (principal, expires)
        return principal

    async def verify_fully(self, token: str) -> tuple[Principal, float]:
        """Every check of RFC 9068 §4 that applies to us, in order; the principal and ``exp``."""
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("token too large")
        try:
            header = jws.extract_compact(token.encode("ascii")).protected
        except (JoseError, ValueError, UnicodeEncodeError) as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("token algorithm not allowed")
        if str(header.get("typ", "")).lower() not in _ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ must be at+jwt)")
        kid = header.get("kid")
        keys = await self._jwks.keys_for(kid if isinstance(kid, str) else None)
        try:
            decoded = jwt.decode(token, keys, algorithms=list(ALGORITHMS))
            self._claims.validate(decoded.claims)
        except (JoseError, ValueError, KeyError) as exc:
            raise InvalidToken(_reason(exc)) from exc
        return _principal(decoded.claims), float(decoded.claims["exp"])


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    if "Expired" in name:
        return "token expired"
    if "Claim" in name:
        return "token claims rejected"
    return "token signature or key rejected"


def _principal(claims: dict[str, Any]) -> Principal:
    scope = claims.get("scope", "")
    scopes = scope.split() if isinstance(scope, str) else [str(s) for s in claims.get("scp", [])]
    partner = claims.get("partner_id")
    return Principal(
        subject=str(claims["sub"]),
        client_id=str(claims.get("client_id") or claims.get("azp") or ""),
        scopes=frozenset(scopes),
        partner_id=str(partner) if partner else None,
        refund_limit=_amount(claims.get("refund_limit")),
    )


def _amount(value: Any) -> Decimal | None:
    """A ``refund_limit`` claim as an amount; anything unreadable grants nothing extra (0)."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return Decimal("0")
    return amount if amount.is_finite() and amount >= 0 else Decimal("0")
