"""Property tests: whatever arrives, the gateway answers coded errors and never a 5xx.

Operations come from hypothesis-graphql over the real schema (valid ones and ones with
one schema violation each); raw requests from plain Hypothesis strategies. Both go
through the shared gateway over ASGI, against the sandbox. Runs are derandomized with a
fixed example budget, so CI sees the same cases every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from gateway.errors import KNOWN_CODES
from resolvers import build_schema

SCHEMA = build_schema()._schema
SCALARS = {
    "DateTime": st.datetimes().map(lambda d: graphql.StringValueNode(value=d.isoformat())),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(
        lambda d: graphql.StringValueNode(value=str(d))
    ),
}
OPERATIONS = st.one_of(
    queries(SCHEMA, custom_scalars=SCALARS),
    queries(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
)
LEAKS = ("Traceback", 'File "', "sandbox.test", "http://", "https://")
FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_well_formed(response: httpx.Response) -> None:
    """No 5xx, a JSON GraphQL response, and every error coded from the contract list."""
    assert response.status_code < 500, response.text
    event(f"HTTP {response.status_code}")  # shown by --hypothesis-show-statistics
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code == 200 and "data" not in body:
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in KNOWN_CODES, error
        assert not any(leak in error["message"] for leak in LEAKS), error


@pytest.fixture(scope="module")
def agent(token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token('orders:read pii:read cases:read')}"}


@FUZZ
@given(query=OPERATIONS)
async def test_generated_operations_never_fail_the_server(
    gateway: httpx.AsyncClient,
    agent: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    query: str,
) -> None:
    caplog.clear()
    response = await gateway.post("/graphql", json={"query": query}, headers=agent)
    assert_well_formed(response)
    assert response.status_code in (200, 400)
    assert ("data" in response.json()) == (response.status_code == 200)
    # A traceback in the log only for an INTERNAL answer, never for an expected refusal.
    codes = {e["extensions"]["code"] for e in response.json().get("errors", [])}
    if "INTERNAL" not in codes:
        assert not [r for r in caplog.records if r.exc_info], codes


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "query": st.text(max_size=60) | JSON_VALUES,
        "variables": JSON_VALUES,
        "operationName": st.text(max_size=10) | JSON_VALUES,
        "extensions": JSON_VALUES
        | st.fixed_dictionaries(
            {"persistedQuery": st.fixed_dictionaries({"version": JSON_VALUES})}
        ),
    },
)


@FUZZ
@given(
    body=st.one_of(st.binary(max_size=200), PARAMS.map(lambda p: json.dumps(p).encode())),
    content_type=st.sampled_from(["application/json", "text/plain", "application/json; x=1"]),
    method=st.sampled_from(["POST", "GET"]),
)
async def test_raw_requests_never_fail_the_server(
    gateway: httpx.AsyncClient,
    agent: dict[str, str],
    body: bytes,
    content_type: str,
    method: str,
) -> None:
    if method == "GET":
        try:
            params = {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()
            }
        except (ValueError, AttributeError):
            params = {"query": body.decode("utf-8", "replace")}
        response = await gateway.get("/graphql", params=params, headers=agent)
    else:
        headers = agent | {"Content-Type": content_type}
        response = await gateway.post("/graphql", content=body, headers=headers)
    assert_well_formed(response)
