"""Per-host politeness: at most N fetches at once and a minimum interval between fetches per
host, across every worker on every machine, and patience with a host that asks us to wait.

``polite_fetch`` is the one door for fetching other people's pages: robots.txt first (refusal
or Crawl-delay), then a slot for the host, then the guarded ``http.fetch``. A 429 or 503 with
``Retry-After`` holds the whole host (every worker) until then; a worker waits in place for at
most ``INGEST_HOST_MAX_WAIT_SECONDS``, and beyond that gives the fetch back to be retried
later (``HostBusy``) rather than hold a worker.

The limits live in Redis, changed atomically by two Lua scripts (the server's clock, so the
machines' clocks need not agree): a sorted set of leases per host (a lease expires by itself
if its worker dies) and a "not before" time per host (the interval, Crawl-delay or Retry-After).
Without Redis the same rules hold within the one process.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings

from pledges.ingest.errors import FetchError, HostBusy
from pledges.ingest.http import FetchResult, fetch
from pledges.ingest.robots import check_robots
from pledges.ingest.shared_state import KEY_PREFIX, redis_client

if TYPE_CHECKING:
    from pledges.models import Source

# KEYS: leases, not-before. ARGV: max concurrent, interval ms, lease ms, token.
# Returns 0 when the slot is taken, else how many ms to wait before asking again.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local not_before = tonumber(redis.call('GET', KEYS[2]) or '0')
if not_before > now then return not_before - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 50 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
local interval = tonumber(ARGV[2])
if interval > 0 then
  redis.call('SET', KEYS[2], now + interval, 'PX', interval + 1000)
end
return 0
"""

# KEYS: not-before. ARGV: hold ms. Pushes "not before" later, never earlier.
_HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local not_before = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > not_before then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms
"""


@dataclass(frozen=True)
class HostLimits:
    max_concurrent: int
    min_interval: float  # seconds between the starts of two fetches

    @classmethod
    def for_source(cls, source: Source | None) -> HostLimits:
        concurrent = getattr(source, "max_concurrent_fetches", None)
        interval = getattr(source, "min_fetch_interval_seconds", None)
        return cls(
            max_concurrent=max(1, concurrent or settings.INGEST_HOST_MAX_CONCURRENT),
            min_interval=max(
                0.0, interval if interval is not None else settings.INGEST_HOST_MIN_INTERVAL
            ),
        )


def host_key(url: str) -> str:
    """Politeness is per host and port (the server we load), not per source."""
    return urlsplit(url).netloc.lower()


class _LocalHosts:
    """The same rules within one process, for development without Redis."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.leases: dict[str, dict[str, float]] = {}
        self.not_before: dict[str, float] = {}

    def acquire(self, host: str, limits: HostLimits, lease: float, token: str) -> float:
        with self.lock:
            now = time.monotonic()
            leases = {t: end for t, end in self.leases.get(host, {}).items() if end > now}
            self.leases[host] = leases
            if self.not_before.get(host, 0.0) > now:
                return self.not_before[host] - now
            if len(leases) >= limits.max_concurrent:
                return 0.05
            leases[token] = now + lease
            if limits.min_interval > 0:
                self.not_before[host] = now + limits.min_interval
            return 0.0

    def release(self, host: str, token: str) -> None:
        with self.lock:
            self.leases.get(host, {}).pop(token, None)

    def hold(self, host: str, seconds: float) -> None:
        with self.lock:
            until = time.monotonic() + seconds
            self.not_before[host] = max(self.not_before.get(host, 0.0), until)


_local_hosts = _LocalHosts()


def forget_local_state() -> None:
    global _local_hosts
    _local_hosts = _LocalHosts()


def _keys(host: str) -> tuple[str, str]:
    return f"{KEY_PREFIX}host:{host}:leases", f"{KEY_PREFIX}host:{host}:not-before"


def _lease_seconds() -> float:
    # Longer than any fetch may take, so a lease outlives its fetch but not a dead worker.
    return 3 * settings.INGEST_TIMEOUT_SECONDS + 5


def _try_acquire(host: str, limits: HostLimits, token: str) -> float:
    """0 when the slot is ours, else seconds to wait before asking again."""
    client = redis_client()
    if client is None:
        return _local_hosts.acquire(host, limits, _lease_seconds(), token)
    wait_ms = client.eval(
        _ACQUIRE,
        2,
        *_keys(host),
        limits.max_concurrent,
        int(limits.min_interval * 1000),
        int(_lease_seconds() * 1000),
        token,
    )
    return int(wait_ms) / 1000


def _release(host: str, token: str) -> None:
    client = redis_client()
    if client is None:
        _local_hosts.release(host, token)
    else:
        client.zrem(_keys(host)[0], token)


def hold_host(host: str, seconds: float) -> None:
    """No fetch from ``host`` by any worker for ``seconds`` (the host asked: Retry-After)."""
    seconds = min(max(seconds, 0.0), settings.INGEST_RETRY_AFTER_MAX_SECONDS)
    client = redis_client()
    if client is None:
        _local_hosts.hold(host, seconds)
    else:
        client.eval(_HOLD, 1, _keys(host)[1], int(seconds * 1000))


@contextmanager
def host_slot(
    host: str, limits: HostLimits, *, url: str = "", max_wait: float | None = None
) -> Iterator[None]:
    """Hold one of the host's fetch slots, waiting (at most ``max_wait``) for the interval
    and for a free slot. Raises HostBusy if the wait would be longer."""
    max_wait = settings.INGEST_HOST_MAX_WAIT_SECONDS if max_wait is None else max_wait
    token = uuid.uuid4().hex
    deadline = time.monotonic() + max_wait
    while True:
        wait = _try_acquire(host, limits, token)
        if wait <= 0:
            break
        if time.monotonic() + wait > deadline:
            raise HostBusy(
                f"{host} is busy: next fetch allowed in {wait:.1f} s", url=url, retry_after=wait
            )
        time.sleep(min(wait, 1.0))
    try:
        yield
    finally:
        _release(host, token)


def polite_fetch(url: str, *, source: Source | None = None, **fetch_options: Any) -> FetchResult:
    """Fetch ``url`` as a guest: robots.txt obeyed on every hop, the host's slot and interval
    (the longer of the source's setting and Crawl-delay) kept, Retry-After waited for once.

    Raises what ``fetch`` raises, RobotsDisallowed, or HostBusy.
    """
    limits = HostLimits.for_source(source)
    host = host_key(url)
    waited_for_host = False
    while True:
        crawl_delay = check_robots(url)
        if crawl_delay:
            limits = HostLimits(limits.max_concurrent, max(limits.min_interval, crawl_delay))
        with host_slot(host, limits, url=url):
            try:
                return fetch(url, before_request=check_robots, **fetch_options)
            except FetchError as error:
                if error.status not in (429, 503) or error.retry_after is None:
                    raise
                hold_host(host, error.retry_after)
                if waited_for_host or error.retry_after > settings.INGEST_HOST_MAX_WAIT_SECONDS:
                    raise
                waited_for_host = True  # the next slot waits out the hold
