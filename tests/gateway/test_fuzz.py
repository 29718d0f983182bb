"""Property tests: whatever bytes arrive, the gateway answers coded errors and never a 5xx.

Raw requests (bodies, media types, methods, GraphQL-over-HTTP parameters of any JSON
shape) come from plain Hypothesis strategies and go through the shared gateway over
ASGI. Generated GraphQL operations, with real ids and three kinds of token, are fuzzed
in ``tests/processes/test_fuzz_operations.py``. Runs are derandomized with a fixed
example budget, so CI sees the same cases every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gateway.errors import KNOWN_CODES

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
