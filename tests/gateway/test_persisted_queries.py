"""Persisted queries: Apollo's APQ round trip, and the partner allow-list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.edge_settings import PersistedQuerySettings
from gateway.persisted_queries import PersistedQueries, parse_allowlist
from gateway.settings import SettingsError, load_settings
from resolvers import Principal

LISTED = "query Listed { orders(first: 2) { edges { node { number channel } } } }"
UNLISTED = "query Unlisted { orders(first: 3) { edges { node { number } } } }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def apq(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}


def bearer(token: Callable[..., str], **kw: Any) -> dict[str, str]:
    scope = kw.pop("scope", "orders:read")
    return {"Authorization": f"Bearer {token(scope, **kw)}"}


async def test_apq_round_trip_over_post(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    document = "query Apq { orders(first: 1) { edges { node { number } } } }"
    hash_only = {"extensions": apq(document)}
    first = await gateway.post("/graphql", json=hash_only, headers=bearer(token))
    assert first.status_code == 200
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in first.json()

    register = await gateway.post(
        "/graphql", json={"query": document, **hash_only}, headers=bearer(token)
    )
    assert register.status_code == 200
    assert register.json()["data"]["orders"]["edges"]

    again = await gateway.post("/graphql", json=hash_only, headers=bearer(token))
    assert again.status_code == 200
    assert again.json()["data"] == register.json()["data"]


async def test_apq_over_get(gateway: httpx.AsyncClient, token: Callable[..., str]) -> None:
    document = "query ApqGet { orders(first: 2) { edges { node { number } } } }"
    params = {"extensions": json.dumps(apq(document))}
    missing = await gateway.get("/graphql", params=params, headers=bearer(token))
    assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    stored = await gateway.get(
        "/graphql", params={**params, "query": document}, headers=bearer(token)
    )
    assert stored.status_code == 200
    found = await gateway.get("/graphql", params=params, headers=bearer(token))
    assert found.status_code == 200
    assert len(found.json()["data"]["orders"]["edges"]) == 2


async def test_invalid_documents_are_not_stored(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    document = "{ orders(first: 1) { nope } }"
    body = {"query": document, "extensions": apq(document)}
    invalid = await gateway.post("/graphql", json=body, headers=bearer(token))
    assert invalid.status_code == 400
    again = await gateway.post(
        "/graphql", json={"extensions": apq(document)}, headers=bearer(token)
    )
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": {"version": 1, "sha256Hash": sha("{ __typename }")}},
        {"persistedQuery": {"version": 2, "sha256Hash": sha(LISTED)}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-a-hash"}},
        {"persistedQuery": "yes"},
    ],
)
async def test_bad_persisted_query_extensions_are_400(
    gateway: httpx.AsyncClient, token: Callable[..., str], extensions: dict[str, Any]
) -> None:
    body = {"query": LISTED, "extensions": extensions}
    response = await gateway.post("/graphql", json=body, headers=bearer(token))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.fixture
def allowlist_file(tmp_path: Path) -> Path:
    path = tmp_path / "persisted.json"
    path.write_text(json.dumps({sha(LISTED): LISTED}))
    return path


async def test_allowlist_confines_partners_and_spares_agents(
    start_gateway: Callable[..., Any], token: Callable[..., str], allowlist_file: Path
) -> None:
    partner = bearer(token, partner="acme")
    agent = bearer(token)
    async with start_gateway(
        ORDER360_PERSISTED_QUERIES="allowlist",
        ORDER360_PERSISTED_QUERIES_FILE=str(allowlist_file),
    ) as client:
        by_hash = await client.post("/graphql", json={"extensions": apq(LISTED)}, headers=partner)
        assert by_hash.status_code == 200
        assert {e["node"]["channel"] for e in by_hash.json()["data"]["orders"]["edges"]} == {
            "partner:acme"
        }
        by_text = await client.post("/graphql", json={"query": LISTED}, headers=partner)
        assert by_text.status_code == 200

        free = await client.post("/graphql", json={"query": UNLISTED}, headers=partner)
        assert free.status_code == 403
        assert free.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        registering = await client.post(
            "/graphql", json={"query": UNLISTED, "extensions": apq(UNLISTED)}, headers=partner
        )
        assert registering.status_code == 403
        unknown = await client.post("/graphql", json={"extensions": apq(UNLISTED)}, headers=partner)
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

        # Agents run anything and may register documents; partners still may not use them.
        assert (await client.post("/graphql", json={"query": UNLISTED}, headers=agent)).is_success
        stored = await client.post(
            "/graphql", json={"query": UNLISTED, "extensions": apq(UNLISTED)}, headers=agent
        )
        assert stored.status_code == 200
        assert (
            await client.post("/graphql", json={"extensions": apq(UNLISTED)}, headers=agent)
        ).status_code == 200
        borrowed = await client.post(
            "/graphql", json={"extensions": apq(UNLISTED)}, headers=partner
        )
        assert borrowed.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_lru_store_is_bounded() -> None:
    store = PersistedQueries(PersistedQuerySettings(cache_size=2))
    agent = Principal(subject="a", client_id="c", scopes=frozenset(), partner_id=None)
    documents = [f"{{ q{i}: __typename }}" for i in range(3)]
    for document in documents:
        resolution = store.resolve(document, apq(document), agent)
        assert resolution.register == sha(document)
        store.store(resolution.register, document)
    oldest = store.resolve(None, apq(documents[0]), agent)
    assert oldest.refusal is not None
    assert oldest.refusal.code == "PERSISTED_QUERY_NOT_FOUND"
    assert store.resolve(None, apq(documents[2]), agent).query == documents[2]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        json.dumps({"abc": LISTED}),
        json.dumps({sha(LISTED): 42}),
        json.dumps({sha(UNLISTED): LISTED}),
    ],
)
def test_bad_allowlist_files_are_refused(content: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_allowlist(content)


def test_allowlist_settings_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ORDER360_PERSISTED_QUERIES_FILE"):
        load_settings({"ORDER360_PERSISTED_QUERIES": "allowlist"}, env_file=None)
    missing = {"ORDER360_PERSISTED_QUERIES_FILE": str(tmp_path / "nope.json")}
    with pytest.raises(SettingsError, match="ORDER360_PERSISTED_QUERIES_FILE"):
        load_settings(missing, env_file=None)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({sha(UNLISTED): LISTED}))
    with pytest.raises(SettingsError, match="ORDER360_PERSISTED_QUERIES_FILE"):
        load_settings({"ORDER360_PERSISTED_QUERIES_FILE": str(broken)}, env_file=None)
    with pytest.raises(SettingsError, match="ORDER360_PERSISTED_QUERIES"):
        load_settings({"ORDER360_PERSISTED_QUERIES": "sometimes"}, env_file=None)
