"""Per-host politeness within one process: interval, Crawl-delay, concurrency, Retry-After.
(The same limits across two real workers: test_worker_integration.)"""

from __future__ import annotations

import itertools
import threading

import pytest

from pledges.ingest.errors import HostBusy, TransientFetchError, parse_retry_after
from pledges.ingest.politeness import HostLimits, host_key, host_slot, polite_fetch
from pledges.models import Source
from pledges.tests.http_fixture import LocalServer, Response

pytestmark = pytest.mark.django_db


def _ok(delay: float = 0.0) -> Response:
    return Response(b"<html>ok</html>", headers={"Content-Type": "text/html"}, delay=delay)


def _gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_429_with_retry_after_is_waited_for_then_fetched(allow_private):
    answers = iter([Response(b"slow down", 429, {"Retry-After": "1"}), _ok()])
    with LocalServer({"/1": lambda _handler: next(answers)}) as server:
        result = polite_fetch(server.url("/1"))
    assert result.status == 200
    first, second = server.start_times("/1")
    assert second - first >= 0.9  # waited as asked (1 s), not hammered


def test_503_retry_after_longer_than_a_worker_may_wait_is_given_back(allow_private):
    allow_private.INGEST_HOST_MAX_WAIT_SECONDS = 2
    routes = {"/1": Response(b"maintenance", 503, {"Retry-After": "120"}), "/2": _ok()}
    with LocalServer(routes) as server:
        with pytest.raises(TransientFetchError) as busy:
            polite_fetch(server.url("/1"))
        assert busy.value.retry_after == 120
        # The whole host is held now: another URL on it is not requested either.
        with pytest.raises(HostBusy) as held:
            polite_fetch(server.url("/2"))
    assert 100 < held.value.retry_after <= 120
    assert server.page_hits == ["/1"]


def test_minimum_interval_of_the_source_is_kept(allow_private):
    with LocalServer({"/a": _ok(), "/b": _ok(), "/c": _ok()}) as server:
        source = Source.objects.create(name="가일보", min_fetch_interval_seconds=0.5)
        for path in ("/a", "/b", "/c"):
            polite_fetch(server.url(path), source=source)
        times = sorted(
            server.start_times("/a") + server.start_times("/b") + server.start_times("/c")
        )
    # Slots are granted 0.5 s apart; the server sees each request a little later, by however
    # long the client took to connect and send on a loaded machine.
    assert min(_gaps(times)) >= 0.4


def test_crawl_delay_longer_than_the_interval_wins(allow_private):
    routes = {
        "/robots.txt": Response(b"User-agent: *\nCrawl-delay: 0.6\n"),
        "/a": _ok(),
        "/b": _ok(),
    }
    with LocalServer(routes) as server:
        polite_fetch(server.url("/a"))
        polite_fetch(server.url("/b"))
        first, second = sorted(server.start_times("/a") + server.start_times("/b"))
    assert second - first >= 0.5  # 0.6 s apart, less the client's jitter


def test_at_most_n_fetches_at_once_per_host(allow_private):
    routes = {f"/p/{n}": _ok(delay=0.4) for n in range(6)}
    with LocalServer(routes) as server:
        source = Source.objects.create(name="가일보", max_concurrent_fetches=2)
        threads = [
            threading.Thread(
                target=polite_fetch, args=(server.url(f"/p/{n}"),), kwargs={"source": source}
            )
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(server.page_hits) == 6
        assert server.max_in_flight("/p/") == 2


def test_a_busy_host_is_given_back_when_the_wait_is_too_long(allow_private):
    allow_private.INGEST_HOST_MAX_WAIT_SECONDS = 0.2
    limits = HostLimits(max_concurrent=1, min_interval=5.0)
    with host_slot("example.kr", limits):
        pass
    with pytest.raises(HostBusy) as busy:
        with host_slot("example.kr", limits):
            pass
    assert 4 < busy.value.retry_after <= 5


def test_limits_default_to_the_settings_and_source_overrides(settings):
    settings.INGEST_HOST_MAX_CONCURRENT = 3
    settings.INGEST_HOST_MIN_INTERVAL = 1.5
    assert HostLimits.for_source(None) == HostLimits(3, 1.5)
    source = Source(name="x", max_concurrent_fetches=1, min_fetch_interval_seconds=0)
    assert HostLimits.for_source(source) == HostLimits(1, 0.0)
    assert host_key("https://WWW.Example.kr:8443/a") == "www.example.kr:8443"


def test_retry_after_as_seconds_or_http_date():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past: now
    assert parse_retry_after("soon") is None
