"""Token issuer: JWKS, discovery, RFC 9068 tokens verified against the served keys."""

from __future__ import annotations

import pathlib
import stat

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from sandbox_testkit import SB

from sandbox import issue_token, load_or_create_signing_key
from sandbox.config import SandboxConfig


async def test_jwks_serves_the_public_key_only(
    client: httpx.AsyncClient, signing_key: RSAKey
) -> None:
    response = await client.get(f"{SB}/idp/.well-known/jwks.json")
    (jwk,) = response.json()["keys"]
    assert jwk["kid"] == signing_key.thumbprint()
    assert (jwk["use"], jwk["alg"], jwk["kty"]) == ("sig", "RS256", "RSA")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwk)


async def test_discovery(client: httpx.AsyncClient, sandbox_config: SandboxConfig) -> None:
    body = (await client.get(f"{SB}/idp/.well-known/openid-configuration")).json()
    assert body["issuer"] == sandbox_config.issuer
    assert body["jwks_uri"] == "http://sandbox/sandbox/idp/.well-known/jwks.json"
    assert body["token_endpoint"] == "http://sandbox/sandbox/idp/token"
    assert body["id_token_signing_alg_values_supported"] == ["RS256"]


async def test_issued_token_verifies_against_served_jwks(
    client: httpx.AsyncClient, signing_key: RSAKey, sandbox_config: SandboxConfig
) -> None:
    keys = KeySet.import_key_set((await client.get(f"{SB}/idp/.well-known/jwks.json")).json())
    token = issue_token(
        signing_key,
        issuer=sandbox_config.issuer,
        subject="agent-7",
        scope=["orders:read", "pii:read"],
        partner_id="acme",
        extra_claims={"refund_limit": "50.00"},
    )
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    assert decoded.header == {"typ": "at+jwt", "alg": "RS256", "kid": signing_key.thumbprint()}
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": sandbox_config.issuer},
        aud={"essential": True, "value": "order360"},
        sub={"essential": True},
        jti={"essential": True},
        client_id={"essential": True, "value": "order360-dev"},
    )
    registry.validate(claims)
    assert claims["scope"] == "orders:read pii:read"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["nbf"] == claims["iat"]
    assert (claims["partner_id"], claims["refund_limit"]) == ("acme", "50.00")
    plain = jwt.decode(issue_token(signing_key, issuer="i", subject="s", scope="x"), keys)
    assert "partner_id" not in plain.claims


def test_ec_keys_sign_es256() -> None:
    key = ECKey.generate_key("P-256", auto_kid=True)
    token = issue_token(key, issuer="i", subject="s", scope="orders:read")
    assert jwt.decode(token, key, algorithms=["ES256"]).header["alg"] == "ES256"


def test_key_file_is_created_private_and_reused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "nested" / "dir" / "signing-key.json"
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_or_create_signing_key(path)
    assert first.kid == second.kid == first.thumbprint()
    assert second.is_private
    (tmp_path / "public.json").write_text('{"kty": "RSA", "n": "AQAB", "e": "AQAB"}')
    with pytest.raises(ValueError, match="private RSA"):
        load_or_create_signing_key(tmp_path / "public.json")
