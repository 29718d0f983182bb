"""Bearer tokens: anything but a valid RFC 9068 access token is a 401 before execution."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable

import httpx
import pytest
from joserfc import jws, jwt
from joserfc.jwk import OctKey, RSAKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from sandbox import generate_signing_key, issue_token

QUERY = {"query": "{ orders(first: 1) { edges { node { number } } } }"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def _post(gateway: httpx.AsyncClient, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await gateway.post("/graphql", json=QUERY, headers=headers)


def _assert_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body


async def test_no_token_is_401_with_bearer_challenge(gateway: httpx.AsyncClient) -> None:
    response = await _post(gateway, None)
    _assert_401(response)
    assert "error=" not in response.headers["www-authenticate"]


async def test_valid_token_is_accepted(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    response = await _post(gateway, f"Bearer {token('orders:read')}")
    assert response.status_code == 200
    assert response.json()["data"]["orders"]["edges"]


def _forged(signing_key: RSAKey) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": "urn:order360:sandbox-idp",
        "aud": "order360",
        "sub": "mallory",
        "scope": "orders:read",
        "iat": now,
        "exp": now + 600,
        "client_id": "x",
        "jti": "1",
    }
    foreign = generate_signing_key()
    # The foreign key claims the real key's kid: keys must come from the JWKS only.
    spoofed = RSAKey.import_key(foreign.as_dict(private=True) | {"kid": signing_key.kid})
    return {
        "garbage": "not-a-jwt",
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(claims)}.",
        "foreign_key": jwt.encode(
            {"alg": "RS256", "typ": "at+jwt", "kid": foreign.kid}, claims, foreign
        ),
        "foreign_key_known_kid": jwt.encode(
            {"alg": "RS256", "typ": "at+jwt", "kid": signing_key.kid}, claims, spoofed
        ),
        "expired": jwt.encode(
            {"alg": "RS256", "typ": "at+jwt", "kid": signing_key.kid},
            claims | {"exp": now - 3600, "iat": now - 7200},
            signing_key,
        ),
        "wrong_audience": jwt.encode(
            {"alg": "RS256", "typ": "at+jwt", "kid": signing_key.kid},
            claims | {"aud": "other"},
            signing_key,
        ),
        "wrong_issuer": jwt.encode(
            {"alg": "RS256", "typ": "at+jwt", "kid": signing_key.kid},
            claims | {"iss": "https://evil.example"},
            signing_key,
        ),
        "id_token_typ": jwt.encode(
            {"alg": "RS256", "typ": "JWT", "kid": signing_key.kid}, claims, signing_key
        ),
        "oversized": "a" * 10_000,
        # HS/RS confusion: an HMAC "signed" with the public key's text is never tried.
        "hs256_confusion": jws.serialize_compact(
            {"alg": "HS256", "typ": "at+jwt", "kid": signing_key.kid},
            json.dumps(claims).encode(),
            OctKey.import_key(json.dumps(signing_key.as_dict(private=False)).encode()),
            algorithms=["HS256"],
        ),
        # Signed by the real key, but marks an extension we do not understand as critical.
        "unknown_crit": jws.serialize_compact(
            {
                "alg": "RS256",
                "typ": "at+jwt",
                "kid": signing_key.kid,
                "crit": ["x-order360"],
                "x-order360": 1,
            },
            json.dumps(claims).encode(),
            signing_key,
            registry=JWSRegistry(header_registry={"x-order360": HeaderParameter("x", "int")}),
        ),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "garbage",
        "alg_none",
        "foreign_key",
        "foreign_key_known_kid",
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "id_token_typ",
        "oversized",
        "unknown_crit",
        "hs256_confusion",
    ],
)
async def test_bad_tokens_are_401(
    gateway: httpx.AsyncClient, signing_key: RSAKey, kind: str
) -> None:
    response = await _post(gateway, f"Bearer {_forged(signing_key)[kind]}")
    _assert_401(response)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_non_bearer_scheme_is_401(gateway: httpx.AsyncClient) -> None:
    _assert_401(await _post(gateway, "Basic dXNlcjpwYXNz"))


async def test_sandbox_issued_token_round_trip(
    gateway: httpx.AsyncClient, signing_key: RSAKey
) -> None:
    minted = issue_token(
        signing_key, issuer="urn:order360:sandbox-idp", subject="s", scope="orders:read"
    )
    assert (await _post(gateway, f"Bearer {minted}")).status_code == 200


async def test_websocket_upgrade_is_refused(sandbox_app) -> None:
    from gateway.app import create_app
    from gateway.settings import load_settings

    environ = {
        "ORDER360_ERP_URL": "http://s/sandbox/erp",
        "ORDER360_OMS_URL": "http://s/sandbox/oms",
        "ORDER360_CRM_URL": "http://s/sandbox/crm",
        "ORDER360_CARRIER_URL": "http://s/sandbox/carrier",
        "ORDER360_JWKS_URL": "http://s/sandbox/idp/.well-known/jwks.json",
        "ORDER360_ISSUER": "urn:order360:sandbox-idp",
        "ORDER360_DATABASE_URL": "sqlite:///:memory:",
    }
    app = create_app(
        load_settings(environ, env_file=None), transport=httpx.ASGITransport(app=sandbox_app)
    )
    sent: list[dict[str, object]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, object]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [(b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "scheme": "ws",
        "server": ("gateway.test", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
        "asgi": {"version": "3.0"},
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    # No subscriptions are served yet: the upgrade is refused before it is accepted.
    assert [m["type"] for m in sent] == ["websocket.close"]


async def test_a_remembered_token_is_still_refused_once_it_expires(
    sandbox_app, signing_key: RSAKey
) -> None:
    from gateway.auth import InvalidToken, JwksCache, TokenVerifier
    from gateway.settings import AuthSettings

    settings = AuthSettings(
        jwks_url=None, issuer="urn:order360:sandbox-idp", audience="order360", leeway_s=0
    )
    transport = httpx.ASGITransport(app=sandbox_app)
    async with httpx.AsyncClient(transport=transport) as client:
        jwks = JwksCache(client, "http://sandbox.test/sandbox/idp/.well-known/jwks.json")
        verifier = TokenVerifier(jwks, settings)
        minted = issue_token(
            signing_key,
            issuer=settings.issuer,
            subject="brief",
            scope="orders:read",
            ttl_seconds=1,
        )
        first = await verifier.verify(minted)
        assert await verifier.verify(minted) is first  # the second use is a cache hit
        await asyncio.sleep(max(0.0, json.loads(_claims(minted))["exp"] - time.time()) + 1.1)
        with pytest.raises(InvalidToken, match="expired"):
            await verifier.verify(minted)
        with pytest.raises(InvalidToken, match="expired"):
            await verifier.verify(minted)  # and again, now from the full checks


def _claims(token: str) -> str:
    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
