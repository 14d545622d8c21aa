"""State shared by every worker on every machine: one Redis client per process.

Robots.txt rules and per-host politeness must hold across all fetch workers, so they live in
Redis (``REDIS_URL``, the broker). Without Redis (development, tasks run in-process) there is
one process, and the callers keep their state in memory instead.
"""

from __future__ import annotations

import os
import threading

import redis
from django.conf import settings

KEY_PREFIX = "ingest:"

_lock = threading.Lock()
_clients: dict[tuple[int, str], redis.Redis] = {}


def redis_client() -> redis.Redis | None:
    """This process's client for the shared state, or None when there is no Redis."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    key = (os.getpid(), url)  # a forked worker process opens its own connections
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
                _clients[key] = client
    return client
