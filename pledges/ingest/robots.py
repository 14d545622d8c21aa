"""robots.txt: fetched once per host, cached with its own expiry, obeyed before every fetch.

Parsed with protego (the parser Scrapy uses: wildcards, ``$``, longest match, Crawl-delay).
The conventions for a robots.txt that cannot be read (RFC 9309 §2.3.1): a 4xx answer means no
rules (everything allowed); a 5xx answer, a timeout or a network error means "do not crawl
this host for now": we wait and try again later. Rules are cached per origin (scheme, host,
port) in Redis for ``INGEST_ROBOTS_CACHE_SECONDS`` so every worker reads the same rules; an
unreachable robots.txt is remembered for ``INGEST_ROBOTS_RETRY_SECONDS``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from protego import Protego

from pledges.ingest.errors import (
    FetchError,
    PermanentFetchError,
    ResponseTooLarge,
    RobotsDisallowed,
    RobotsUnavailable,
    UnsafeURLError,
)
from pledges.ingest.http import fetch
from pledges.ingest.shared_state import KEY_PREFIX, redis_client

logger = logging.getLogger(__name__)

ROBOTS_MAX_BYTES = 500 * 1024  # what Google reads of a robots.txt (RFC 9309 §2.5: ≥ 500 KiB)
LOCAL_CACHE_SECONDS = 60.0  # how long a process trusts its parsed copy before asking Redis

ALLOWED, RULES, UNREACHABLE = "allowed", "rules", "unreachable"


@dataclass
class RobotsRules:
    origin: str
    state: str  # ALLOWED (no usable robots.txt: 4xx), RULES, or UNREACHABLE (5xx, timeout)
    text: str = ""
    reason: str = ""
    expires_at: float = 0.0  # time.time()

    @cached_property
    def parser(self) -> Protego:
        return Protego.parse(self.text)

    def to_json(self) -> str:
        return json.dumps(
            {"state": self.state, "text": self.text, "reason": self.reason, "exp": self.expires_at}
        )

    @classmethod
    def from_json(cls, origin: str, raw: bytes | str) -> RobotsRules:
        data = json.loads(raw)
        return cls(origin, data["state"], data["text"], data["reason"], data["exp"])


def robots_token() -> str:
    """Our product token, which robots.txt groups name (``User-agent: PledgeTracker``)."""
    return settings.INGEST_USER_AGENT.split("/", 1)[0].split()[0]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


_local: dict[str, RobotsRules] = {}
_local_until: dict[str, float] = {}
_local_lock = threading.Lock()


def forget_cached_rules() -> None:
    """Drop this process's copies (tests; the Redis copies expire by themselves)."""
    with _local_lock:
        _local.clear()
        _local_until.clear()


def _cache_key(origin: str) -> str:
    return f"{KEY_PREFIX}robots:{origin}"


def _load(origin: str) -> RobotsRules:
    """Fetch and classify one origin's robots.txt (never raises for the site's failures)."""
    url = f"{origin}/robots.txt"
    now = time.time()
    try:
        result = fetch(url, accept="text/plain, */*;q=0.1", max_bytes=ROBOTS_MAX_BYTES)
    except UnsafeURLError:
        raise
    except ResponseTooLarge as error:
        return RobotsRules(
            origin, UNREACHABLE, reason=str(error), expires_at=now + _retry_seconds()
        )
    except PermanentFetchError as error:
        if error.status and 400 <= error.status < 500:
            return RobotsRules(
                origin,
                ALLOWED,
                reason=f"HTTP {error.status}",
                expires_at=now + settings.INGEST_ROBOTS_CACHE_SECONDS,
            )
        return RobotsRules(
            origin, UNREACHABLE, reason=str(error), expires_at=now + _retry_seconds()
        )
    except FetchError as error:  # 5xx, 429, timeout, network
        return RobotsRules(
            origin, UNREACHABLE, reason=str(error), expires_at=now + _retry_seconds()
        )
    text = result.content.decode("utf-8", errors="replace").lstrip("\ufeff")
    return RobotsRules(
        origin, RULES, text=text, expires_at=now + settings.INGEST_ROBOTS_CACHE_SECONDS
    )


def _retry_seconds() -> float:
    return float(settings.INGEST_ROBOTS_RETRY_SECONDS)


def rules_for(url: str) -> RobotsRules:
    """The robots.txt rules of ``url``'s origin: from this process, Redis, or the site."""
    origin = origin_of(url)
    now = time.time()
    with _local_lock:
        cached = _local.get(origin)
        if cached is not None and _local_until[origin] > time.monotonic():
            if cached.expires_at > now:
                return cached
    client = redis_client()
    rules = None
    if client is not None:
        raw = client.get(_cache_key(origin))
        if raw:
            rules = RobotsRules.from_json(origin, raw)
    if rules is None or rules.expires_at <= now:
        rules = _load(origin)
        logger.info("robots.txt of %s: %s %s", origin, rules.state, rules.reason)
        if client is not None:
            ttl_ms = max(1, int((rules.expires_at - now) * 1000))
            client.set(_cache_key(origin), rules.to_json(), px=ttl_ms)
    with _local_lock:
        _local[origin] = rules
        _local_until[origin] = time.monotonic() + LOCAL_CACHE_SECONDS
    return rules


def _matching_rule(rules: RobotsRules, url: str) -> str:
    """The Disallow line that refuses ``url``: the longest pattern that matches it.

    protego says whether a URL may be fetched, not why; the refusal should name the rule, so
    each Disallow value of the file is tried alone with protego's own matching."""
    path = urlsplit(url).path or "/"
    best = ""
    for line in rules.text.splitlines():
        field, _, value = line.split("#", 1)[0].partition(":")
        value = value.strip()
        if field.strip().lower() != "disallow" or not value:
            continue
        alone = Protego.parse(f"User-agent: *\nDisallow: {value}\n")
        if not alone.can_fetch(url, "x") and len(value) > len(best):
            best = value
    return f"Disallow: {best}" if best else f"a Disallow rule matching {path}"


def check_robots(url: str) -> float | None:
    """Refuse ``url`` if its robots.txt disallows it for us; return the Crawl-delay (seconds).

    Raises RobotsDisallowed (permanent: never retried) or RobotsUnavailable (robots.txt unreachable:
    try again once ``retry_after`` has passed).
    """
    if not settings.INGEST_OBEY_ROBOTS_TXT:
        return None
    rules = rules_for(url)
    if rules.state == ALLOWED:
        return None
    if rules.state == UNREACHABLE:
        wait = max(1.0, rules.expires_at - time.time())
        raise RobotsUnavailable(
            f"robots.txt of {rules.origin} could not be read ({rules.reason}); "
            f"not fetching from this host for {wait:.0f} s",
            url=url,
            retry_after=wait,
        )
    token = robots_token()
    if not rules.parser.can_fetch(url, token):
        rule = _matching_rule(rules, url)
        raise RobotsDisallowed(
            f"refused by robots.txt: {rules.origin}/robots.txt has '{rule}' for user agent {token}",
            url=url,
            rule=rule,
        )
    return rules.parser.crawl_delay(token)
