"""Microsoft Entra ID's v2.0 token endpoint, client-credentials grant only.

`POST /dynamics/{tenant}/oauth2/v2.0/token` with `client_id`, `client_secret`,
`grant_type=client_credentials` and `scope=<environment URL>/.default` answers a bearer
token for the emulated environment; errors carry Entra's `AADSTS` codes.
"""

from __future__ import annotations

import secrets
import time
import uuid

from starlette.requests import Request
from starlette.responses import Response

from sandbox.web.replies import base_url, bearer_token, json_reply, read_form
from sandbox.web.tokens import TokenJar

TOKEN_LIFETIME_S = 3599


def _entra_error(status: int, error: str, code: int, text: str) -> Response:
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {text}",
        "error_codes": [code],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }
    return json_reply(body, status)


class EntraTokens:
    """The app registration the sandbox knows, and the tokens it has issued."""

    def __init__(self, tenant_id: str, client_id: str, client_secret: str) -> None:
        self._tenant = tenant_id
        self._client = (client_id, client_secret)
        self._tokens = TokenJar(TOKEN_LIFETIME_S)

    async def token(self, request: Request) -> Response:
        if request.path_params.get("tenant") != self._tenant:
            return _entra_error(400, "invalid_request", 90002, "Tenant not found.")
        form = await read_form(request)
        if form.get("grant_type") != "client_credentials":
            return _entra_error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if client_id != self._client[0]:
            return _entra_error(400, "unauthorized_client", 700016, "Application not found.")
        if not secrets.compare_digest(secret.encode(), self._client[1].encode()):
            return _entra_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        resource = f"{base_url(request)}/dynamics"
        if form.get("scope", "").rstrip("/") != f"{resource}/.default":
            return _entra_error(
                400, "invalid_scope", 1002012, "The provided value for scope is not valid."
            )
        token = secrets.token_urlsafe(64)
        self._tokens.add(token)
        body = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "ext_expires_in": TOKEN_LIFETIME_S,
            "access_token": token,
        }
        return json_reply(body, headers={"Cache-Control": "no-store"})

    def valid(self, request: Request) -> bool:
        """Whether the request carries a live token of ours."""
        return self._tokens.valid(bearer_token(request))
