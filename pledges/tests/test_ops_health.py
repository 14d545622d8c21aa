"""/healthz with the real services: PostgreSQL, Redis, a real worker and beat; and dead ones.

Also the logs: gunicorn with LOG_FORMAT=json writes one JSON object per line, with the request id
the response carries.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest
import redis

from pledges.ops import health
from pledges.tests.prod_server import ProductionServer, free_port
from pledges.tests.test_worker_integration import CELERY, TEST_REDIS_DB, Worker, redis_url_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def redis_db(require_postgres, require_redis, transactional_db):
    """The test run's own Redis database, empty before and after."""
    url = redis_url_for(TEST_REDIS_DB)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def wait_for_health(server, predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    response = None
    while time.monotonic() < deadline:
        response = server.get("/healthz")
        if predicate(response):
            return response
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {response and response.text}")


class Beat:
    """``celery beat`` with the test settings; always killed."""

    def __init__(self, env: dict[str, str], tmp_path):
        self.env = env
        self.tmp_path = tmp_path

    def __enter__(self):
        self._log = open(self.tmp_path / "beat.log", "ab")
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "tracker",
                "beat",
                "-s",
                str(self.tmp_path / "beat-schedule"),
                "--loglevel",
                "WARNING",
            ],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait(timeout=10)
        self._log.close()


@pytest.mark.worker
def test_healthz_follows_the_workers_and_beat(redis_db, collected_static, tmp_path):
    with ProductionServer(
        collected_static, tmp_path / "web.log", REDIS_URL=redis_db, HEALTH_HEARTBEAT_SECONDS="1"
    ) as server:
        response = server.get("/healthz")
        assert response.status_code == 503
        report = response.json()
        assert report["status"] == "down"
        assert report["checks"]["database"]["status"] == "ok"
        assert report["checks"]["redis"]["status"] == "ok"
        assert report["checks"]["workers"]["status"] == "down"
        assert "fetch" in report["checks"]["workers"]["error"]
        assert report["checks"]["beat"]["status"] == "down"
        assert response.headers["Cache-Control"].startswith("max-age=0")

        worker = Worker(redis_db, tmp_path, "health")
        worker.env["HEALTH_HEARTBEAT_SECONDS"] = "1"
        with worker, Beat(worker.env, tmp_path):
            response = wait_for_health(
                server, lambda r: r.status_code == 200, timeout=90, what="all up"
            )
            checks = response.json()["checks"]
            assert checks["workers"]["queues"] == {"fetch": 1, "match": 1}
            assert checks["beat"]["age_seconds"] < 3
            # The scheduled heartbeat task runs on a worker, again and again.
            beats = redis.Redis.from_url(redis_db)
            first = json.loads(beats.get(health.BEAT_KEY))["at"]
            deadline = time.monotonic() + 15
            while json.loads(beats.get(health.BEAT_KEY))["at"] == first:
                assert time.monotonic() < deadline, (
                    tmp_path / "beat.log"
                ).read_text() + worker.log()
                time.sleep(0.5)

            worker.kill()  # SIGKILL: no goodbye, the heartbeat just stops
            response = wait_for_health(
                server,
                lambda r: (
                    r.status_code == 503 and r.json()["checks"]["workers"]["status"] == "down"
                ),
                timeout=30,
                what="the killed worker to count as down",
            )
            assert response.json()["checks"]["database"]["status"] == "ok"

        # Only what a load balancer asks about this web process.
        only = server.get("/healthz?only=database,redis")
        assert only.status_code == 200
        assert set(only.json()["checks"]) == {"database", "redis"}
        assert server.get("/healthz?only=disk").status_code == 400

        log_lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
        requests_logged = [e for e in log_lines if e["logger"] == "pledges.request"]
        assert requests_logged, server.log()[-2000:]
        last = requests_logged[-1]
        assert last["path"] == "/healthz" and last["status"] == 400
        assert last["request_id"] and last["request_id"] != "-"
        assert {"method", "duration_ms", "client", "time", "level"} <= set(last)


def test_healthz_says_which_service_is_down_and_never_shows_secrets(
    redis_db, collected_static, tmp_path
):
    dead_redis = f"redis://:s3cret-redis@127.0.0.1:{free_port()}/3"
    with ProductionServer(collected_static, tmp_path / "web.log", REDIS_URL=dead_redis) as server:
        started = time.monotonic()
        response = server.get("/healthz", headers={"X-Request-ID": "probe-42"})
        assert time.monotonic() - started < 10
        assert response.status_code == 503
        assert response.headers["X-Request-ID"] == "probe-42"
        checks = response.json()["checks"]
        assert checks["database"]["status"] == "ok"
        assert checks["redis"] == {"status": "down", "error": "ConnectionError"}
        assert checks["workers"]["status"] == "unknown"
        assert "s3cret" not in response.text and "127.0.0.1" not in response.text
        assert '"request_id": "probe-42"' in server.log()

    dead_database = f"postgres://postgres:s3cret-db@127.0.0.1:{free_port()}/tracker"
    with ProductionServer(
        collected_static,
        tmp_path / "web2.log",
        REDIS_URL=redis_db,
        DATABASE_URL=dead_database,
    ) as server:
        response = server.get("/healthz?only=database,redis")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["database"] == {"status": "down", "error": "OperationalError"}
        assert checks["redis"]["status"] == "ok"
        assert "s3cret" not in response.text


def test_without_redis_the_eager_setup_is_healthy(db, settings, client):
    """`make run` (no REDIS_URL): tasks run in the web process, no worker to wait for."""
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["workers"] == {"status": "not_configured"}


def test_a_stale_worker_heartbeat_counts_as_down(redis_db, settings):
    client = redis.Redis.from_url(redis_db)
    now = time.time()
    health.record_worker_heartbeat(client, hostname="a@h", queues=["fetch", "match"], now=now)
    assert health.check_workers(client, now=now)["status"] == "ok"
    later = now + health.stale_after() + 1
    report = health.check_workers(client, now=later)
    assert report["status"] == "down" and report["live"] == 0
    health.record_worker_heartbeat(client, hostname="b@h", queues=["match"], now=later)
    report = health.check_workers(client, now=later)
    assert report == {
        "status": "down",
        "live": 1,
        "queues": {"fetch": 0, "match": 1},
        "error": "no live worker for queue fetch",
    }
