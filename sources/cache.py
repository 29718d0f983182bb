"""Cross-request cache of upstream reads, under the per-request dataloaders.

Keys are ``(partition, source, kind, key)``: the partition is an opaque string the
gateway derives from the caller's tenancy, so an entry read for one partner is never
served to another. Entries outlive their TTL by ``max_stale_s`` so that, when the
source fails, the last value can be served marked stale with its age
(stale-if-error, RFC 5861). Concurrent misses of one key share one upstream call
(single flight). ``invalidate`` drops a record in every partition; mutations call it.
A ``CacheObserver`` (``sources.observe``) hears hits, misses, joins and stale values.

``ReadCache`` is the interface; ``MemoryReadCache`` keeps entries in process
(cachetools LRU). A shared store (Redis) can implement the same four methods.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from cachetools import LRUCache

from .errors import NotFound, SourceError, SourceName
from .observe import CacheEvent, CacheObserver

__all__ = [
    "CacheKey",
    "CachePolicy",
    "CachedRead",
    "Entry",
    "MemoryReadCache",
    "ReadCache",
    "Served",
]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Where one upstream record lives in the cache."""

    partition: str
    source: SourceName
    kind: str
    key: Hashable


@dataclass(frozen=True, slots=True)
class Entry:
    """A cached value and when it was read."""

    value: Any
    stored_at: float


@dataclass(frozen=True, slots=True)
class Served(Generic[V]):
    """A value as served: fresh from the source or the cache, or stale after a failure."""

    value: V
    age_s: float = 0.0
    stale: bool = False


class ReadCache(Protocol):
    """Storage behind ``CachedRead``."""

    def get(self, key: CacheKey) -> Entry | None:
        """The entry, fresh or not, if still kept."""
        ...

    def put(self, key: CacheKey, value: Any, now: float) -> None:
        """Store ``value`` read at ``now``."""
        ...

    def invalidate(self, source: SourceName, kind: str, key: Hashable) -> int:
        """Drop the record in every partition; returns how many entries went."""
        ...

    def clear(self) -> None:
        """Drop everything."""
        ...


class MemoryReadCache:
    """In-process LRU storage (cachetools), with an index for cross-partition invalidation."""

    def __init__(self, maxsize: int = 50_000) -> None:
        self._entries: LRUCache[CacheKey, Entry] = LRUCache(maxsize=maxsize)
        self._partitions: dict[tuple[SourceName, str, Hashable], set[str]] = defaultdict(set)

    def get(self, key: CacheKey) -> Entry | None:
        """The entry if kept."""
        return self._entries.get(key)

    def put(self, key: CacheKey, value: Any, now: float) -> None:
        """Store and index."""
        self._entries[key] = Entry(value, now)
        self._partitions[(key.source, key.kind, key.key)].add(key.partition)

    def invalidate(self, source: SourceName, kind: str, key: Hashable) -> int:
        """Drop the record everywhere."""
        dropped = 0
        for partition in self._partitions.pop((source, kind, key), set()):
            if self._entries.pop(CacheKey(partition, source, kind, key), None) is not None:
                dropped += 1
        return dropped

    def clear(self) -> None:
        """Drop everything."""
        self._entries.clear()
        self._partitions.clear()


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """Freshness of one kind of record."""

    ttl_s: float
    max_stale_s: float


def _belongs_to_its_request(error: Exception) -> bool:
    """A failure of the request that led a shared read, not an answer about the record.

    Its upstream-call ceiling, its deadline, its input or its cancellation say nothing
    about the upstream; handing them to the requests that joined its read would fail
    them for another client's reasons. A missing key or an upstream's failure is the
    same answer for everyone.
    """
    return (
        isinstance(error, SourceError)
        and not isinstance(error, NotFound)
        and not error.upstream_fault
        and not error.trips_breaker
    )


def _is_stale(value: object) -> bool:
    return isinstance(value, Served) and value.stale


class CachedRead:
    """Batch reads through the cache: fresh hits, single-flight misses, stale-if-error."""

    def __init__(
        self,
        store: ReadCache,
        policies: Mapping[SourceName, CachePolicy],
        clock: Callable[[], float] = time.monotonic,
        observer: CacheObserver | None = None,
    ) -> None:
        self._store = store
        self._policies = policies
        self._clock = clock
        self._observer = observer or CacheObserver()
        self._inflight: dict[CacheKey, asyncio.Future[Any]] = {}

    def invalidate(self, source: SourceName, kind: str, key: Hashable) -> int:
        """Forget one record in every partition (the hook mutations call)."""
        return self._store.invalidate(source, kind, key)

    async def load_many(
        self,
        partition: str,
        source: SourceName,
        kind: str,
        keys: Sequence[K],
        fetch: Callable[[list[K]], Awaitable[Mapping[K, V | Exception]]],
    ) -> dict[K, Served[V] | Exception]:
        """One slot per key: a served value, or the exception for that key."""
        policy = self._policies[source]
        now = self._clock()
        result: dict[K, Served[V] | Exception] = {}
        waiting: dict[K, asyncio.Future[Any]] = {}
        missing: list[K] = []
        for key in keys:
            cache_key = CacheKey(partition, source, kind, key)
            entry = self._store.get(cache_key)
            if entry is not None and now - entry.stored_at < policy.ttl_s:
                result[key] = Served(entry.value, now - entry.stored_at)
            elif cache_key in self._inflight:
                waiting[key] = self._inflight[cache_key]
            else:
                missing.append(key)
        self._count(source, kind, "hit", len(keys) - len(waiting) - len(missing))
        self._count(source, kind, "joined", len(waiting))
        self._count(source, kind, "miss", len(missing))
        if missing:
            await self._fetch_missing(partition, source, kind, missing, fetch, policy, result)
        own: list[K] = []
        for key, future in waiting.items():
            try:
                result[key] = Served(await asyncio.shield(future))
            except Exception as error:
                if _belongs_to_its_request(error):
                    own.append(key)  # the leader's limits are not ours: read it ourselves
                else:
                    result[key] = self._stale_or(partition, source, kind, key, error, policy)
        if own:
            await self._fetch_missing(partition, source, kind, own, fetch, policy, result)
        self._count(source, kind, "stale", sum(1 for v in result.values() if _is_stale(v)))
        return {key: result[key] for key in keys}

    def _count(self, source: SourceName, kind: str, event: CacheEvent, count: int) -> None:
        if count:
            self._observer.served(source, kind, event, count)

    async def _fetch_missing(
        self,
        partition: str,
        source: SourceName,
        kind: str,
        missing: list[K],
        fetch: Callable[[list[K]], Awaitable[Mapping[K, V | Exception]]],
        policy: CachePolicy,
        result: dict[K, Served[V] | Exception],
    ) -> None:
        loop = asyncio.get_running_loop()
        keys = {key: CacheKey(partition, source, kind, key) for key in missing}
        futures = {key: loop.create_future() for key in missing}
        for key, future in futures.items():
            self._inflight[keys[key]] = future
        outcomes: dict[K, Any] = {}
        try:
            found = await fetch(missing)
            now = self._clock()
            for key in missing:
                value = found.get(key, NotFound(source, "no such record"))
                if not isinstance(value, Exception):
                    self._store.put(keys[key], value, now)
                outcomes[key] = value
        except SourceError as error:
            outcomes = dict.fromkeys(missing, error)
        except BaseException:
            cancelled = SourceError(
                source, "the read that others waited for was cancelled", upstream_fault=False
            )
            outcomes = dict.fromkeys(missing, cancelled)
            raise
        finally:
            for key, future in futures.items():
                self._inflight.pop(keys[key], None)
                outcome = outcomes.get(key)
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                    future.exception()  # retrieved here, so an unwaited future stays quiet
                else:
                    future.set_result(outcome)
        for key in missing:
            outcome = outcomes[key]
            result[key] = (
                self._stale_or(partition, source, kind, key, outcome, policy)
                if isinstance(outcome, Exception)
                else Served(outcome)
            )

    def _stale_or(
        self,
        partition: str,
        source: SourceName,
        kind: str,
        key: K,
        error: Exception,
        policy: CachePolicy,
    ) -> Served[V] | Exception:
        if isinstance(error, NotFound) or not isinstance(error, SourceError):
            return error
        entry = self._store.get(CacheKey(partition, source, kind, key))
        if entry is None:
            return error
        age = self._clock() - entry.stored_at
        if age > policy.ttl_s + policy.max_stale_s:
            return error
        return Served(entry.value, age, stale=True)
