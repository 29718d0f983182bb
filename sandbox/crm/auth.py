"""Salesforce OAuth 2.0 client-credentials tokens: issued, checked, expired after 2 hours."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from sandbox.web.tokens import TokenJar
from sandbox.world.ids import sf_id

TOKEN_LIFETIME_S = 2 * 3600
ORG_ID = sf_id("00D", 1)[:15]
USER_ID = sf_id("005", 999)


class SessionStore:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode()
        self._clock = clock
        self._sessions = TokenJar(TOKEN_LIFETIME_S, clock=clock)

    def issue(self, identity_url: str) -> dict[str, str]:
        token = f"{ORG_ID}!{secrets.token_urlsafe(72)}"
        now = self._clock()
        self._sessions.add(token)
        issued_at = str(int(now * 1000))
        digest = hmac.new(self._secret, f"{identity_url}{issued_at}".encode(), hashlib.sha256)
        return {
            "access_token": token,
            "id": identity_url,
            "issued_at": issued_at,
            "signature": base64.b64encode(digest.digest()).decode(),
        }

    def valid(self, token: str | None) -> bool:
        return self._sessions.valid(token)
