"""GraphQL over HTTP: media types, status codes, methods, content types and body limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

QUERY = "{ orders(first: 1) { edges { node { number } } } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"
NESTED = "{ __typename }"


def bearer(token: Callable[..., str], **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(**kw)}"}


async def reads(sandbox_stats: Callable[..., Any]) -> int:
    stats = await sandbox_stats()
    return sum(system["reads"] + system["writes"] for system in stats.values())


def assert_coded_error(response: httpx.Response, code: str = "BAD_USER_INPUT") -> None:
    body = response.json()
    assert "data" not in body, body
    assert body["errors"][0]["extensions"]["code"] == code, body


@pytest.mark.parametrize("accept", [None, "*/*", "application/*", GRAPHQL_RESPONSE])
async def test_graphql_response_json_is_the_default(
    gateway: httpx.AsyncClient, token: Callable[..., str], accept: str | None
) -> None:
    request = gateway.build_request(
        "POST", "/graphql", json={"query": QUERY}, headers=bearer(token)
    )
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    response = await gateway.send(request)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["data"]["orders"]["edges"]


async def test_legacy_json_is_served_when_asked_for(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    headers = bearer(token) | {"Accept": "application/json"}
    response = await gateway.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    preferred = bearer(token) | {"Accept": f"application/json, {GRAPHQL_RESPONSE};q=0.5"}
    response = await gateway.post("/graphql", json={"query": QUERY}, headers=preferred)
    assert response.headers["content-type"].startswith("application/json")


REQUEST_ERRORS = {
    "parse": {"query": "{ orders(first: 1) { edges "},
    "validation": {"query": "{ orders(first: 1) { edges { node { nope } } } }"},
    "unknown operation": {"query": QUERY, "operationName": "Missing"},
    "ambiguous operation": {"query": "query A { __typename } query B { __typename }"},
    "variable coercion": {
        "query": "query($n: Int!) { orders(first: $n) { edges { node { number } } } }",
        "variables": {"n": "twenty"},
    },
    "missing variable": {
        "query": "query($n: Int!) { orders(first: $n) { edges { node { number } } } }"
    },
}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
async def test_request_errors_are_400_or_legacy_200(
    gateway: httpx.AsyncClient,
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
    case: str,
) -> None:
    before = await reads(sandbox_stats)
    modern = await gateway.post("/graphql", json=REQUEST_ERRORS[case], headers=bearer(token))
    assert modern.status_code == 400, modern.text
    assert modern.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert_coded_error(modern)
    legacy_headers = bearer(token) | {"Accept": "application/json"}
    legacy = await gateway.post("/graphql", json=REQUEST_ERRORS[case], headers=legacy_headers)
    assert legacy.status_code == 200, legacy.text
    assert_coded_error(legacy)
    assert await reads(sandbox_stats) == before


MALFORMED: dict[str, bytes] = {
    "not json": b'{"query":',
    "json array": b'[{"query": "{ __typename }"}]',
    "json string": b'"{ __typename }"',
    "no query": b'{"variables": {}}',
    "empty query": b'{"query": ""}',
    "number query": b'{"query": 42}',
    "object query": b'{"query": {"a": 1}}',
    "array variables": b'{"query": "{ __typename }", "variables": [7]}',
    "number operationName": b'{"query": "{ __typename }", "operationName": 1}',
    "deep json": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_malformed_requests_are_400_for_both_media_types(
    gateway: httpx.AsyncClient, token: Callable[..., str], case: str, accept: str
) -> None:
    headers = bearer(token) | {"Content-Type": "application/json", "Accept": accept}
    response = await gateway.post("/graphql", content=MALFORMED[case], headers=headers)
    assert response.status_code == 400, response.text
    assert_coded_error(response)


async def test_get_runs_queries(gateway: httpx.AsyncClient, token: Callable[..., str]) -> None:
    response = await gateway.get("/graphql", params={"query": QUERY}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["data"]["orders"]["edges"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_get_mutation_is_405_with_allow_post(
    gateway: httpx.AsyncClient,
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
    accept: str,
) -> None:
    before = await reads(sandbox_stats)
    response = await gateway.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers=bearer(token) | {"Accept": accept},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert_coded_error(response)
    assert await reads(sandbox_stats) == before


async def test_other_methods_are_405(gateway: httpx.AsyncClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = await gateway.request(method, "/graphql", json={"query": NESTED})
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"
        assert_coded_error(response)


@pytest.mark.parametrize("accept", ["text/plain", "application/xml", "text/html", "*/*;q=0"])
async def test_unacceptable_accept_is_406(
    gateway: httpx.AsyncClient, token: Callable[..., str], accept: str
) -> None:
    response = await gateway.post(
        "/graphql", json={"query": QUERY}, headers=bearer(token) | {"Accept": accept}
    )
    assert response.status_code == 406
    assert_coded_error(response)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", json.dumps({"query": QUERY}).encode()),
        ("application/x-www-form-urlencoded", b"query=%7B__typename%7D"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="q"'),
        ("application/json; charset=latin-1", json.dumps({"query": QUERY}).encode()),
        ("application/graphql", QUERY.encode()),
        (None, json.dumps({"query": QUERY}).encode()),
    ],
)
async def test_post_without_json_content_type_is_refused(
    gateway: httpx.AsyncClient,
    token: Callable[..., str],
    sandbox_stats: Callable[..., Any],
    content_type: str | None,
    body: bytes,
) -> None:
    before = await reads(sandbox_stats)
    request = gateway.build_request("POST", "/graphql", content=body, headers=bearer(token))
    if content_type is None:
        request.headers.pop("content-type", None)
    else:
        request.headers["content-type"] = content_type
    response = await gateway.send(request)
    assert response.status_code == 415
    assert_coded_error(response)
    assert await reads(sandbox_stats) == before


async def test_json_with_utf8_charset_is_accepted(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    headers = bearer(token) | {"Content-Type": "application/json; charset=UTF-8"}
    response = await gateway.post("/graphql", content=json.dumps({"query": QUERY}), headers=headers)
    assert response.status_code == 200


def _two_megabytes() -> bytes:
    padding = " " * (2 * 1024 * 1024)
    return json.dumps({"query": "{ __typename }" + padding}).encode()


async def test_declared_oversized_body_is_413_before_reading(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    headers = bearer(token) | {"Content-Type": "application/json"}
    response = await gateway.post("/graphql", content=_two_megabytes(), headers=headers)
    assert response.status_code == 413
    assert_coded_error(response)


async def test_streamed_oversized_body_is_413_while_reading(
    gateway: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        body = _two_megabytes()
        for start in range(0, len(body), 64 * 1024):
            sent += 1
            yield body[start : start + 64 * 1024]

    headers = bearer(token) | {"Content-Type": "application/json"}
    response = await gateway.post("/graphql", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert_coded_error(response)


async def test_small_body_cap_is_configurable(
    start_gateway: Callable[..., Any], token: Callable[..., str]
) -> None:
    async with start_gateway(ORDER360_MAX_BODY_BYTES="64") as client:
        small = await client.post("/graphql", json={"query": NESTED}, headers=bearer(token))
        assert small.status_code == 200
        big = await client.post("/graphql", json={"query": QUERY * 3}, headers=bearer(token))
        assert big.status_code == 413
        long_get = await client.get("/graphql", params={"query": QUERY * 3}, headers=bearer(token))
        assert long_get.status_code == 414


async def test_authentication_comes_before_execution(
    gateway: httpx.AsyncClient, sandbox_stats: Callable[..., Any]
) -> None:
    before = await reads(sandbox_stats)
    response = await gateway.post("/graphql", json={"query": QUERY})
    assert response.status_code == 401
    assert_coded_error(response, "UNAUTHENTICATED")
    response = await gateway.get("/graphql", params={"query": QUERY})
    assert response.status_code == 401
    assert await reads(sandbox_stats) == before


async def test_field_errors_keep_200_with_partial_data(
    gateway: httpx.AsyncClient, sandbox: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    await sandbox.put("/faults/crm", json={"error_rate": 1.0, "error_status": 503})
    query = "{ orders(first: 2) { edges { node { number customer { name } } } } }"
    response = await gateway.post("/graphql", json={"query": query}, headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert [e["node"]["number"] for e in body["data"]["orders"]["edges"]]
    assert {e["extensions"]["code"] for e in body["errors"]} <= {
        "SOURCE_UNAVAILABLE",
        "SOURCE_BAD_RESPONSE",
    }


async def test_graphiql_is_served_in_development_without_a_token(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
