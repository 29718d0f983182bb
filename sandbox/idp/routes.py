"""Issuer metadata routes: `/idp/.well-known/jwks.json` and `.../openid-configuration`."""

from __future__ import annotations

from joserfc.jwk import ECKey, RSAKey
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.idp.keys import algorithm_for, key_id
from sandbox.web.replies import base_url, json_reply

SCOPES = (
    "orders:read",
    "pii:read",
    "cases:read",
    "cases:write",
    "refunds:write",
    "refunds:approve",
    "ops",
)


def public_jwk(key: RSAKey | ECKey) -> dict[str, object]:
    """The public half only, labelled for signature use with its single algorithm."""
    jwk: dict[str, object] = dict(key.as_dict(private=False))
    jwk.update({"kid": key_id(key), "use": "sig", "alg": algorithm_for(key)})
    return jwk


def idp_routes(key: RSAKey | ECKey, issuer: str) -> list[Route]:
    jwks = {"keys": [public_jwk(key)]}
    alg = algorithm_for(key)

    async def get_jwks(request: Request) -> Response:
        return json_reply(jwks, headers={"Cache-Control": "public, max-age=300"})

    async def get_configuration(request: Request) -> Response:
        root = f"{base_url(request)}/idp"
        return json_reply(
            {
                "issuer": issuer,
                "jwks_uri": f"{root}/.well-known/jwks.json",
                "token_endpoint": f"{root}/token",
                "response_types_supported": ["token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [alg],
                "scopes_supported": list(SCOPES),
            }
        )

    async def token(request: Request) -> Response:
        # Tokens come from `order360 token` / `sandbox.issue_token`, never over HTTP:
        # an open minting endpoint would hand any caller any scope.
        return json_reply(
            {
                "error": "unsupported_grant_type",
                "error_description": "the sandbox issuer mints tokens only via `order360 token`",
            },
            400,
            headers={"Cache-Control": "no-store"},
        )

    return [
        Route("/idp/.well-known/jwks.json", get_jwks, methods=["GET"]),
        Route("/idp/.well-known/openid-configuration", get_configuration, methods=["GET"]),
        Route("/idp/token", token, methods=["POST"]),
    ]
