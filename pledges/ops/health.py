"""What /healthz reports: the database, Redis (the Celery broker) and the workers and beat.

Workers write a heartbeat to Redis every HEALTH_HEARTBEAT_SECONDS from their main process (a
worker bootstep in tracker/celery.py): one key per worker, naming the queues it consumes, that
expires after three missed beats, and is deleted when the worker stops cleanly. Beat writes its
own when it starts and then through a scheduled task (``record_beat_heartbeat_task``) that a
worker runs, so a fresh beat heartbeat shows that beat schedules and a worker executes.

The report names each check and whether it is up; errors are given by kind (the exception's
class), never with their message, which could hold a host name or a password.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterable

import redis
from django.conf import settings
from django.db import DatabaseError, connection

KEY_PREFIX = "tracker:health:"
WORKER_KEY_PREFIX = KEY_PREFIX + "worker:"
BEAT_KEY = KEY_PREFIX + "beat"
MISSED_BEATS_ALLOWED = 3
CHECKS = ("database", "redis", "workers", "beat")

UP = "ok"
DOWN = "down"
NOT_CONFIGURED = "not_configured"  # no REDIS_URL: tasks run in the web process, no worker needed
UNKNOWN = "unknown"  # cannot be told while Redis is down


def heartbeat_interval() -> int:
    return max(1, int(getattr(settings, "HEALTH_HEARTBEAT_SECONDS", 30)))


def stale_after() -> int:
    return MISSED_BEATS_ALLOWED * heartbeat_interval()


def expected_queues() -> list[str]:
    """Every queue a task is routed to: each needs at least one live worker."""
    queues = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    queues.add(settings.CELERY_TASK_DEFAULT_QUEUE)
    return sorted(queues)


def redis_client(url: str | None = None) -> redis.Redis:
    """A short-timeout client: a health check must answer even when Redis does not."""
    return redis.Redis.from_url(
        url or settings.REDIS_URL, socket_connect_timeout=1.0, socket_timeout=1.0
    )


# --- writing heartbeats ------------------------------------------------------------------------


def record_worker_heartbeat(
    client: redis.Redis, *, hostname: str, queues: Iterable[str], now: float | None = None
) -> None:
    beat = {"hostname": hostname, "queues": sorted(queues), "at": now or time.time()}
    client.set(WORKER_KEY_PREFIX + hostname, json.dumps(beat), ex=stale_after())


def forget_worker(client: redis.Redis, *, hostname: str) -> None:
    client.delete(WORKER_KEY_PREFIX + hostname)


def record_beat_heartbeat(client: redis.Redis, now: float | None = None) -> None:
    client.set(BEAT_KEY, json.dumps({"at": now or time.time(), "host": socket.gethostname()}))


# --- checks ------------------------------------------------------------------------------------


def _failure(exc: BaseException) -> dict:
    return {"status": DOWN, "error": type(exc).__name__}


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        if not connection.in_atomic_block:
            connection.close()  # the next request reconnects instead of reusing a dead connection
        return _failure(exc)
    return {"status": UP, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def check_redis(client: redis.Redis) -> dict:
    started = time.monotonic()
    try:
        client.ping()
    except redis.RedisError as exc:
        return _failure(exc)
    return {"status": UP, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def check_workers(client: redis.Redis, now: float | None = None) -> dict:
    now = now or time.time()
    per_queue = {queue: 0 for queue in expected_queues()}
    live = 0
    try:
        keys = list(client.scan_iter(match=WORKER_KEY_PREFIX + "*", count=100))
        values = client.mget(keys) if keys else []
    except redis.RedisError as exc:
        return {"status": UNKNOWN, "error": type(exc).__name__}
    for raw in values:
        if raw is None:  # expired between SCAN and MGET
            continue
        beat = json.loads(raw)
        if now - beat["at"] > stale_after():
            continue
        live += 1
        for queue in beat["queues"]:
            per_queue[queue] = per_queue.get(queue, 0) + 1
    missing = [queue for queue in expected_queues() if per_queue[queue] == 0]
    report = {"status": DOWN if missing else UP, "live": live, "queues": per_queue}
    if missing:
        report["error"] = "no live worker for queue " + ", ".join(missing)
    return report


def check_beat(client: redis.Redis, now: float | None = None) -> dict:
    now = now or time.time()
    try:
        raw = client.get(BEAT_KEY)
    except redis.RedisError as exc:
        return {"status": UNKNOWN, "error": type(exc).__name__}
    if raw is None:
        return {"status": DOWN, "error": "no beat heartbeat yet"}
    age = round(now - json.loads(raw)["at"], 1)
    if age > stale_after():
        return {"status": DOWN, "age_seconds": age, "error": "beat heartbeat is stale"}
    return {"status": UP, "age_seconds": age}


def health_report(only: Iterable[str] | None = None) -> dict:
    """All checks (or the ones named): ``{"status": "ok"|"down", "checks": {name: {...}}}``."""
    wanted = [name for name in CHECKS if only is None or name in set(only)]
    checks: dict[str, dict] = {}
    if "database" in wanted:
        checks["database"] = check_database()
    needs_redis = [name for name in ("redis", "workers", "beat") if name in wanted]
    if needs_redis and not settings.REDIS_URL:
        checks.update({name: {"status": NOT_CONFIGURED} for name in needs_redis})
    elif needs_redis:
        client = redis_client()
        try:
            redis_state = check_redis(client)
            if "redis" in wanted:
                checks["redis"] = redis_state
            reachable = redis_state["status"] == UP
            if "workers" in wanted:
                checks["workers"] = check_workers(client) if reachable else {"status": UNKNOWN}
            if "beat" in wanted:
                checks["beat"] = check_beat(client) if reachable else {"status": UNKNOWN}
        finally:
            client.close()
    healthy = all(check["status"] in (UP, NOT_CONFIGURED) for check in checks.values())
    return {"status": UP if healthy else DOWN, "checks": checks}
