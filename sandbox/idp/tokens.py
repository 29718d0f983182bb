"""Minting RFC 9068 JWT access tokens with the sandbox issuer's key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from sandbox.idp.keys import algorithm_for, key_id


def issue_token(
    key: RSAKey | ECKey,
    *,
    issuer: str,
    audience: str = "order360",
    subject: str,
    scope: str | Iterable[str],
    partner_id: str | None = None,
    client_id: str = "order360-dev",
    ttl_seconds: int = 3600,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """An access token (header `typ: at+jwt`, RS256 or ES256) for the gateway to verify.

    `scope` is a space-separated string or an iterable of scopes. `extra_claims`
    are applied last, so a test can forge any claim (an old `exp`, a wrong `iss`).

        token = issue_token(key, issuer=cfg.issuer, subject="agent-7",
                            scope="orders:read pii:read")
    """
    scopes = scope.split() if isinstance(scope, str) else [str(s) for s in scope]
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": now + ttl_seconds,
        "iat": now,
        "nbf": now,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
        "scope": " ".join(scopes),
    }
    if partner_id is not None:
        claims["partner_id"] = partner_id
    claims.update(extra_claims or {})
    alg = algorithm_for(key)
    header = {"typ": "at+jwt", "alg": alg, "kid": key_id(key)}
    return jwt.encode(header, claims, key, algorithms=[alg])
