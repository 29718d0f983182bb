"""SAP Gateway's CSRF protection (vendor-wire-formats §1.9): a token bound to a session.

A GET with `x-csrf-token: Fetch` opens (or reuses) a session, named by the
`SAP_SESSIONID_SBX_100` cookie, and answers its token in the `x-csrf-token`
header. Every modifying request must send that token *and* the cookie; a token
from another session, an expired session or a missing cookie gets 403 with
`x-csrf-token: Required`, after which a client fetches again and retries once.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "SAP_SESSIONID_SBX_100"
XSRF_COOKIE = "sap-XSRF_SBX_100"
LIFETIME_S = 30 * 60
SAFE_METHODS = frozenset({"GET", "HEAD"})


class CsrfSessions:
    """Session id -> (token, expiry); the oldest sessions are dropped past `capacity`."""

    def __init__(self, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = capacity
        self._clock = clock
        self._sessions: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def _live(self, session: str) -> str | None:
        entry = self._sessions.get(session)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._sessions[session]
            return None
        return entry[0]

    def fetch(self, session: str | None) -> tuple[str, str]:
        """(session, token): the caller's live session keeps its token, as SAP's does."""
        if session:
            token = self._live(session)
            if token is not None:
                self._sessions[session] = (token, self._clock() + LIFETIME_S)
                return session, token
        session, token = secrets.token_urlsafe(24), secrets.token_urlsafe(18)
        self._sessions[session] = (token, self._clock() + LIFETIME_S)
        while len(self._sessions) > self._capacity:
            self._sessions.popitem(last=False)
        return session, token

    def valid(self, session: str | None, token: str | None) -> bool:
        expected = self._live(session) if session else None
        if expected is None or not token:
            return False
        return secrets.compare_digest(expected.encode(), token.encode())

    def check(self, request: Request) -> bool:
        """Whether a modifying request carries its session's token."""
        return self.valid(request.cookies.get(SESSION_COOKIE), request.headers.get("x-csrf-token"))

    def answer_fetch(self, request: Request, response: Response) -> None:
        """Hand out the session's token when the request asks with `x-csrf-token: Fetch`."""
        if request.headers.get("x-csrf-token", "").lower() != "fetch":
            return
        session, token = self.fetch(request.cookies.get(SESSION_COOKIE))
        response.headers["x-csrf-token"] = token
        response.set_cookie(SESSION_COOKIE, session, path="/", httponly=True)
        response.set_cookie(XSRF_COOKIE, token, path="/", httponly=True)


def csrf_required() -> Response:
    """SAP's refusal: plain text, and a header telling the client to fetch a token."""
    return Response(
        "CSRF token validation failed",
        403,
        headers={"x-csrf-token": "Required"},
        media_type="text/plain",
    )
