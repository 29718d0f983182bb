"""The call discipline every upstream request goes through.

One ``Upstream`` per system wraps its long-lived ``httpx.AsyncClient`` and owns:

- input at the boundary (``sources.outgoing``): the URL, headers and JSON body are
  encoded once, before any network I/O; a value that cannot be encoded (a lone UTF-16
  surrogate, ``NaN`` in a body, a control character in a URL) or a URL over
  ``policy.max_url_bytes`` is ``BadRequestInput``, never sent, retried, or counted
  against the upstream;
- the per-request ceiling: each attempt that goes out takes one call from
  ``call.upstream_calls``; with none left, ``TooManyUpstreamCalls`` is raised instead;
- the deadline: each attempt gets ``min(policy.timeout_s, time left in the request)``,
  enforced over the *whole* exchange (httpx's read timeout is per chunk, so a body
  that drips slowly would otherwise never time out). Only a timeout at the per-source
  timeout counts as a breaker failure: an attempt cut short by its request's own
  deadline says as little about the upstream as one that waited for a bulkhead slot;
- retries of safe calls only: capped full-jitter backoff, ``Retry-After`` honoured in
  both RFC 9110 forms but never past the deadline, and every retry, throttled or not,
  spends from the retry budget, so a storm adds at most ~20 % to the upstream's load;
- a circuit breaker: while open, calls fail at once without touching the network;
- the bulkhead: at most ``policy.concurrency`` calls in flight;
- the response size cap;
- correlation: ``X-Request-ID`` on every call;
- observation (``sources.observe``): every attempt, retry, throttle, breaker move and
  bulkhead wait is told to an ``UpstreamObserver`` under the call's route template;
- OAuth2 client-credentials tokens, fetched on first use and renewed by authlib;
- error translation (``sources.failures``): transport failures, HTTP statuses and
  undecodable bodies become the ``SourceError`` tree (see ``sources.errors``), with
  details logged, not returned; a refused, reset or dropped connection is
  ``SourceUnavailable`` even where the transport calls it a timeout.

The health window (``sources { errorRate }``) counts a failure only when it is the
upstream's (``SourceError.upstream_fault``): not a missing key, a refused request
(4xx) or a request out of its own time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .call import CallContext
from .config import SourcePolicy
from .errors import (
    CircuitOpen,
    SourceBadResponse,
    SourceError,
    SourceName,
    SourceThrottled,
    SourceTimeout,
    SourceUnavailable,
    TooManyUpstreamCalls,
)
from .failures import parse_retry_after, status_error, transport_error
from .health import HealthWindow
from .json_body import decode_json
from .oauth import AsyncOAuth2Client, OAuthError
from .observe import RetryReason, UpstreamObserver, route_template
from .outgoing import Outgoing, QueryParams, prepare
from .resilience import BreakerState, CircuitBreaker, RetryBudget, backoff_s

__all__ = ["Answer", "Upstream", "parse_retry_after"]

log = logging.getLogger("order360.sources")

VendorErrorReader = Callable[[bytes], str | None]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Answer:
    """A 2xx response and its decoded JSON body (``None`` for an empty body)."""

    response: httpx.Response
    payload: Any


class Upstream:
    """One upstream system behind the call discipline.

    ``clock`` times attempts (breaker slow calls, health latency) and ``sleep`` waits
    between attempts; tests replace them to observe both without timing the machine.
    ``observer`` hears every attempt (``sources.observe``; the gateway's counts them).
    """

    def __init__(
        self,
        name: SourceName,
        client: httpx.AsyncClient,
        policy: SourcePolicy,
        *,
        read_vendor_error: VendorErrorReader | None = None,
        health: HealthWindow | None = None,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Sleep = asyncio.sleep,
        observer: UpstreamObserver | None = None,
    ) -> None:
        self.name: SourceName = name
        self._observer = observer or UpstreamObserver()
        # Without an observer the route template is never looked at: skip building it.
        self._observed = observer is not None
        self.policy = policy
        self.health = health or HealthWindow()
        self._client = client
        base = str(client.base_url)
        # httpx joins relative paths onto the base path as a directory.
        self._base = base if not base or base.endswith("/") else f"{base}/"
        # Routes are labelled without it, so they read the same in every deployment.
        self._base_path = client.base_url.path.rstrip("/")
        self._bulkhead = asyncio.Semaphore(policy.concurrency)
        self.breaker = CircuitBreaker(
            policy.breaker,
            on_change=lambda old, new: self._observer.breaker_changed(name, old, new),
        )
        self.retry_budget = RetryBudget()
        self._rng = random.Random()
        self._read_vendor_error = read_vendor_error
        self._token_lock = asyncio.Lock()
        self._clock = clock
        self._sleep = sleep

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
        content: bytes | None = None,
        raw: bool = False,
    ) -> Answer:
        """One logical call: attempts under the deadline, retried only when ``safe``.

        Statuses in ``accept`` come back as answers instead of errors (with no decoded
        payload), for protocols that branch on them (SAP's CSRF ``403 Required``).

        ``safe`` defaults to true for GET and HEAD; set it for read-only POSTs
        (FedEx Track) and for writes the upstream deduplicates by our idempotency key.

        ``content`` sends a body the caller encoded (with its own ``Content-Type``
        header), and ``raw`` leaves the answer's body undecoded (``payload`` is
        ``None``): both for multipart exchanges such as OData ``$batch``.
        """
        retry_safe = method in ("GET", "HEAD") if safe is None else safe
        outgoing = prepare(
            self.name,
            method,
            url,
            base=self._base,
            params=params,
            json_body=json_body,
            content=content,
            headers={
                "X-Request-ID": call.request_id,
                "Accept": "application/json",
                **(headers or {}),
            },
            max_url_bytes=self.policy.max_url_bytes,
        )
        self.retry_budget.record_request()
        route = self._route(outgoing) if self._observed else ""
        attempt = 0
        while True:
            try:
                return await self._attempt(outgoing, call, accept, raw, route)
            except SourceError as error:
                throttled = isinstance(error, SourceThrottled)
                if throttled:
                    self._observer.throttled(self.name, route)
                delay = self._retry_delay(error, attempt, retry_safe, call)
                if delay is None:
                    raise
                scheduled = throttled and error.retry_after is not None
                reason: RetryReason = "throttled" if scheduled else "error"
                self._observer.retrying(self.name, route, reason, delay)
                log.info(
                    "retrying upstream call",
                    extra={"source": self.name, "request_id": call.request_id, "error": str(error)},
                )
                await self._sleep(delay)
                attempt += 1

    def _route(self, outgoing: Outgoing) -> str:
        """The call's route template, relative to the upstream's base path."""
        path = outgoing.url.path
        base = self._base_path
        return route_template(path[len(base) :] if base and path.startswith(base) else path)

    def _retry_delay(
        self, error: SourceError, attempt: int, safe: bool, call: CallContext
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up."""
        policy = self.policy.retry
        if not safe or not error.transient or not call.upstream_calls.has_room():
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
        # Every retry spends from the budget, a server-scheduled one too: a storm of
        # 429s with "Retry-After: 0" must not multiply the load it complains about.
        if not self.retry_budget.try_spend():
            return None
        return delay

    async def _attempt(
        self,
        outgoing: Outgoing,
        call: CallContext,
        accept: frozenset[int],
        raw: bool = False,
        route: str = "",
    ) -> Answer:
        if not call.upstream_calls.has_room():
            raise self._too_many(call)
        budget, cut_by_request = self._budget(call)
        if self.breaker.state is BreakerState.OPEN:
            self._observer.attempted(self.name, route, outgoing.method, "circuit_open", None, None)
            raise self._circuit_open()  # at once, not after queueing for the bulkhead
        started: float | None = None
        failure: SourceError | None = None
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(budget):
                queued = self._bulkhead.locked()
                arrived = self._clock()
                async with self._bulkhead:
                    self._observer.bulkhead_entered(self.name, self._clock() - arrived, queued)
                    try:
                        self._admit(call)
                        started = self._clock()
                        await self._ensure_token()
                        response = await self._exchange(outgoing, call)
                    finally:
                        self._observer.bulkhead_left(self.name)
            if response.status_code in accept:
                return Answer(response, None)
            self._raise_for_status(response, outgoing, call)
            undecoded = raw or response.status_code == 204
            payload = None if undecoded else self.decode(response.content)
            return Answer(response, payload)
        except SourceError as error:
            failure = error
            raise
        except TimeoutError as exc:
            failure = self._timed_out(budget, cut_by_request, queued=started is None)
            raise failure from exc
        except httpx.TransportError as exc:
            failure = transport_error(self.name, exc)
            log.warning(
                "upstream transport error",
                extra={"source": self.name, "request_id": call.request_id, "error": repr(exc)},
            )
            raise failure from exc
        except OAuthError as exc:
            failure = SourceUnavailable(self.name, f"token request refused: {exc.error}")
            raise failure from exc
        finally:
            # A call that never left the bulkhead (or was refused by the breaker or the
            # ceiling inside it) tells the breaker and the health window nothing.
            duration: float | None = None
            if started is not None:
                duration = self._clock() - started
                self.breaker.record(
                    failed=failure is not None and failure.trips_breaker, duration_s=duration
                )
                self.health.record(duration, failure is None or not failure.upstream_fault)
            if not isinstance(failure, TooManyUpstreamCalls):  # the request's doing: no attempt
                self._observer.attempted(
                    self.name,
                    route,
                    outgoing.method,
                    _status_class(response, failure, sent=started is not None),
                    duration,
                    None if response is None else len(response.content),
                )

    def _budget(self, call: CallContext) -> tuple[float, bool]:
        """Seconds this attempt may take, and whether the request's deadline set them."""
        remaining = call.remaining()
        if remaining is None or remaining >= self.policy.timeout_s:
            return self.policy.timeout_s, False
        if remaining <= 0:
            raise SourceTimeout(
                self.name,
                "request deadline already passed",
                trips_breaker=False,
                upstream_fault=False,
            )
        return remaining, True

    def _admit(self, call: CallContext) -> None:
        """Count the call against the request's ceiling, then ask the breaker."""
        if not call.upstream_calls.take():
            raise self._too_many(call)
        if not self.breaker.try_acquire():
            call.upstream_calls.give_back()  # it never went out
            raise self._circuit_open()

    def _too_many(self, call: CallContext) -> TooManyUpstreamCalls:
        ceiling = call.upstream_calls.ceiling
        return TooManyUpstreamCalls(self.name, f"ceiling of {ceiling} upstream calls reached")

    def _circuit_open(self) -> SourceUnavailable:
        return CircuitOpen(self.name, "circuit open", retry_after=self.breaker.retry_after())

    def _timed_out(self, budget: float, cut_by_request: bool, *, queued: bool) -> SourceTimeout:
        if queued:
            # Every connection slot stayed busy: our congestion, not the upstream's.
            return SourceTimeout(
                self.name,
                f"no free connection within {budget:.3f}s",
                trips_breaker=False,
                upstream_fault=False,
            )
        if cut_by_request:
            # The request ran out of its own time before the per-source timeout: a
            # greedy or late request must not open a breaker other clients depend on.
            return SourceTimeout(
                self.name,
                f"request deadline reached after {budget:.3f}s",
                trips_breaker=False,
                upstream_fault=False,
            )
        return SourceTimeout(self.name, f"no answer within {budget:.3f}s")

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

    async def _exchange(self, outgoing: Outgoing, call: CallContext) -> httpx.Response:
        limit = self.policy.max_response_bytes
        async with self._client.stream(
            outgoing.method, outgoing.url, content=outgoing.content, headers=outgoing.headers
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

    def _raise_for_status(
        self, response: httpx.Response, outgoing: Outgoing, call: CallContext
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
                "method": outgoing.method,
                "path": outgoing.url.path,
                "status": status,
                "vendor_error": vendor,
            },
        )
        raise status_error(self.name, status, response.headers.get("retry-after"), vendor)


def _status_class(
    response: httpx.Response | None, failure: SourceError | None, *, sent: bool
) -> str:
    """The ``status`` label of one attempt (``sources.observe.UpstreamObserver.attempted``)."""
    if response is not None:
        return f"{response.status_code // 100}xx"
    if failure is None:
        return "cancelled"  # the request gave up (its client left, or a sibling failed it)
    if isinstance(failure, CircuitOpen):
        return "circuit_open"
    if not sent:
        return "no_slot"  # timed out waiting for a connection slot
    if isinstance(failure, SourceTimeout):
        return "timeout"
    if isinstance(failure, SourceBadResponse):
        return "bad_response"
    return "connection"
