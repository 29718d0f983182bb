"""The call discipline every upstream request goes through.

One ``Upstream`` per system wraps its long-lived ``httpx.AsyncClient`` and owns:

- the deadline: each call gets ``min(policy.timeout_s, time left in the request)``,
  enforced over the *whole* exchange (httpx's read timeout is per chunk, so a body
  that drips slowly would otherwise never time out);
- retries of safe calls only: capped full-jitter backoff, ``Retry-After`` honoured in
  both RFC 9110 forms but never past the deadline, and a retry budget;
- a circuit breaker: while open, calls fail at once without touching the network;
- the bulkhead: at most ``policy.concurrency`` calls in flight;
- the response size cap;
- correlation: ``X-Request-ID`` on every call;
- OAuth2 client-credentials tokens, fetched on first use and renewed by authlib;
- error translation: transport failures, HTTP statuses and undecodable bodies become
  the ``SourceError`` tree (see ``sources.errors``), with details logged, not returned.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .call import CallContext
from .config import SourcePolicy
from .errors import (
    NotFound,
    SourceBadResponse,
    SourceError,
    SourceName,
    SourceThrottled,
    SourceTimeout,
    SourceUnavailable,
)
from .health import HealthWindow
from .json_body import decode_json
from .oauth import AsyncOAuth2Client, OAuthError
from .resilience import CircuitBreaker, RetryBudget, backoff_s

__all__ = ["Answer", "Upstream", "parse_retry_after"]

log = logging.getLogger("order360.sources")

VendorErrorReader = Callable[[bytes], str | None]
QueryParams = httpx.QueryParams | Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class Answer:
    """A 2xx response and its decoded JSON body (``None`` for an empty body)."""

    response: httpx.Response
    payload: Any


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header in either RFC 9110 form."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Upstream:
    """One upstream system behind the call discipline."""

    def __init__(
        self,
        name: SourceName,
        client: httpx.AsyncClient,
        policy: SourcePolicy,
        *,
        read_vendor_error: VendorErrorReader | None = None,
        health: HealthWindow | None = None,
    ) -> None:
        self.name: SourceName = name
        self.policy = policy
        self.health = health or HealthWindow()
        self._client = client
        base = str(client.base_url)
        # httpx joins relative paths onto the base path as a directory.
        self._base = base if not base or base.endswith("/") else f"{base}/"
        self._bulkhead = asyncio.Semaphore(policy.concurrency)
        self.breaker = CircuitBreaker(policy.breaker)
        self.retry_budget = RetryBudget()
        self._rng = random.Random()
        self._read_vendor_error = read_vendor_error
        self._token_lock = asyncio.Lock()

    async def get_json(
        self,
        url: str,
        call: CallContext,
        *,
        params: QueryParams | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET ``url`` and decode its JSON body (``sources.json_body``)."""
        answer = await self.request("GET", url, call, params=params, headers=headers)
        return answer.payload

    async def post_json(
        self,
        url: str,
        call: CallContext,
        *,
        body: Any,
        headers: Mapping[str, str] | None = None,
        safe: bool = False,
    ) -> Any:
        """POST a JSON body and decode the answer; ``safe`` marks a read-only POST."""
        answer = await self.request("POST", url, call, json_body=body, headers=headers, safe=safe)
        return answer.payload

    def decode(self, content: bytes) -> Any:
        """Parse a JSON body; a malformed one is this source's ``SourceBadResponse``."""
        return decode_json(self.name, content)

    async def request(
        self,
        method: str,
        url: str,
        call: CallContext,
        *,
        params: QueryParams | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> Answer:
        """One logical call: attempts under the deadline, retried only when ``safe``.

        Statuses in ``accept`` come back as answers instead of errors (with no decoded
        payload), for protocols that branch on them (SAP's CSRF ``403 Required``).

        ``safe`` defaults to true for GET and HEAD; set it for read-only POSTs
        (FedEx Track) and for writes the upstream deduplicates by our idempotency key.
        """
        retry_safe = method in ("GET", "HEAD") if safe is None else safe
        self.retry_budget.record_request()
        attempt = 0
        while True:
            try:
                return await self._attempt(method, url, call, params, json_body, headers, accept)
            except SourceError as error:
                delay = self._retry_delay(error, attempt, retry_safe, call)
                if delay is None:
                    raise
                log.info(
                    "retrying upstream call",
                    extra={"source": self.name, "request_id": call.request_id, "error": str(error)},
                )
                await asyncio.sleep(delay)
                attempt += 1

    def _retry_delay(
        self, error: SourceError, attempt: int, safe: bool, call: CallContext
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up."""
        policy = self.policy.retry
        if not safe or not error.transient:
            return None
        scheduled = isinstance(error, SourceThrottled) and error.retry_after is not None
        if attempt + 1 >= (policy.throttled_attempts if scheduled else policy.attempts):
            return None
        delay = backoff_s(attempt, policy, self._rng.random)
        if scheduled:
            assert error.retry_after is not None
            if error.retry_after > policy.max_retry_after_s:
                return None
            delay = error.retry_after
        remaining = call.remaining()
        # Never sleep into the deadline: the next attempt needs time to run too.
        if remaining is not None and delay + 0.05 >= remaining:
            return None
        if not scheduled and not self.retry_budget.try_spend():
            return None
        return delay

    async def _attempt(
        self,
        method: str,
        url: str,
        call: CallContext,
        params: QueryParams | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
        accept: frozenset[int] = frozenset(),
    ) -> Answer:
        budget = self._budget(call)
        if not self.breaker.try_acquire():
            raise SourceUnavailable(
                self.name,
                "circuit open",
                retry_after=self.breaker.retry_after(),
                transient=False,
                trips_breaker=False,
            )
        started = time.perf_counter()
        failure: SourceError | None = None
        try:
            async with asyncio.timeout(budget):
                async with self._bulkhead:
                    await self._ensure_token()
                    response = await self._exchange(method, url, call, params, json_body, headers)
            if response.status_code in accept:
                return Answer(response, None)
            self._raise_for_status(response, method, url, call)
            payload = None if response.status_code == 204 else self.decode(response.content)
            return Answer(response, payload)
        except SourceError as error:
            failure = error
            raise
        except TimeoutError as exc:
            failure = SourceTimeout(self.name, f"no answer within {budget:.3f}s")
            raise failure from exc
        except httpx.TimeoutException as exc:
            failure = SourceTimeout(self.name, f"transport timeout: {type(exc).__name__}")
            raise failure from exc
        except httpx.TransportError as exc:
            log.warning(
                "upstream transport error",
                extra={"source": self.name, "request_id": call.request_id, "error": repr(exc)},
            )
            failure = SourceUnavailable(self.name, f"transport error: {type(exc).__name__}")
            raise failure from exc
        except OAuthError as exc:
            failure = SourceUnavailable(self.name, f"token request refused: {exc.error}")
            raise failure from exc
        finally:
            duration = time.perf_counter() - started
            self.breaker.record(
                failed=failure is not None and failure.trips_breaker, duration_s=duration
            )
            # A clean "no such key" is a healthy answer; every other failure shows.
            self.health.record(duration, failure is None or isinstance(failure, NotFound))

    def _budget(self, call: CallContext) -> float:
        remaining = call.remaining()
        budget = (
            self.policy.timeout_s if remaining is None else min(self.policy.timeout_s, remaining)
        )
        if budget <= 0:
            raise SourceTimeout(self.name, "request deadline already passed")
        return budget

    async def _ensure_token(self) -> None:
        # authlib renews client-credentials tokens itself once it has a first one.
        client = self._client
        if isinstance(client, AsyncOAuth2Client) and not client.token:
            async with self._token_lock:
                if not client.token:
                    try:
                        await client.fetch_token()
                    except httpx.HTTPStatusError as exc:
                        status = exc.response.status_code
                        raise SourceUnavailable(
                            self.name, f"token endpoint status {status}"
                        ) from exc
                    except OAuthError:
                        raise
                    except ValueError as exc:
                        raise SourceBadResponse(self.name, "token answer is not JSON") from exc

    async def _exchange(
        self,
        method: str,
        url: str,
        call: CallContext,
        params: QueryParams | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        request_headers = {"X-Request-ID": call.request_id, "Accept": "application/json"}
        if headers:
            request_headers.update(headers)
        limit = self.policy.max_response_bytes
        target = self._target(url, params)
        if isinstance(target, httpx.URL):
            params = None  # already in the URL
        async with self._client.stream(
            method, target, params=params, json=json_body, headers=request_headers
        ) as response:
            declared = response.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise SourceBadResponse(
                    self.name, f"response of {declared} bytes exceeds cap", transient=False
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise SourceBadResponse(
                        self.name, f"response exceeds {limit} bytes", transient=False
                    )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=bytes(body),
            request=response.request,
        )

    def _target(self, url: str, params: QueryParams | None) -> httpx.URL | str:
        """The absolute URL, parsed once.

        Given a relative path and params, httpx parses the base URL, the path and the
        query separately and validates each character of each in Python: for a long
        SOQL or OData query that is most of the client's CPU per call. Joining the same
        way httpx does (base path + path, the query encoded by ``httpx.QueryParams``)
        and parsing once gives the same URL for less.
        """
        if params and "?" in url:
            return url  # a query merged into a query: httpx's rules, not ours
        if "://" not in url:
            if not self._base:
                return url
            url = self._base + url.lstrip("/")
        if params:
            url = f"{url}?{httpx.QueryParams(params)}"
        return httpx.URL(url)

    def _raise_for_status(
        self, response: httpx.Response, method: str, url: str, call: CallContext
    ) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        vendor = self._read_vendor_error(response.content) if self._read_vendor_error else None
        log.warning(
            "upstream refused call",
            extra={
                "source": self.name,
                "request_id": call.request_id,
                "method": method,
                "path": url.split("?", 1)[0],
                "status": status,
                "vendor_error": vendor,
            },
        )
        error: SourceError
        if status == 404:
            error = NotFound(self.name, "not found")
        elif status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            error = SourceThrottled(self.name, "throttled (429)", retry_after)
        elif status == 403 and vendor is not None and vendor.startswith("REQUEST_LIMIT_EXCEEDED"):
            error = SourceThrottled(self.name, "request quota exhausted (403)", None)
        elif status in (408, 504):
            error = SourceTimeout(self.name, f"upstream timeout ({status})")
        elif status >= 500 or status in (401, 403):
            error = SourceUnavailable(self.name, f"status {status}")
        else:
            error = SourceBadResponse(
                self.name,
                f"request rejected with status {status}",
                transient=False,
                trips_breaker=False,
            )
        raise error
