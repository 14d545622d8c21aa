"""Ingestion HTTP: canonical URLs, the SSRF guard, and guarded fetching with its caps."""

from __future__ import annotations

import time

import pytest

from pledges.ingest.errors import (
    FetchDeadlineExceeded,
    FetchError,
    PermanentFetchError,
    ResponseTooLarge,
    TransientFetchError,
    UnsafeURLError,
)
from pledges.ingest.http import canonicalize_url, check_url_allowed, fetch
from pledges.tests.http_fixture import LocalServer, Response

# --- canonical URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM:443/a?b=2&a=1#top", "https://news.example.com/a?a=1&b=2"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        (
            "https://e.kr/n?id=7&utm_source=fb&utm_medium=s&fbclid=AB&gclid=C&ref=home",
            "https://e.kr/n?id=7&ref=home",
        ),
        ("https://user:pw@e.kr/a", "https://e.kr/a"),
        ("https://e.kr/기사/1?q=한글", "https://e.kr/%EA%B8%B0%EC%82%AC/1?q=%ED%95%9C%EA%B8%80"),
        ("https://e.kr/%ea%b8%b0", "https://e.kr/%EA%B8%B0"),
    ],
)
def test_canonical_url_has_one_spelling(url, expected):
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://e.kr/a", "javascript:alert(1)", "file:///etc/passwd", ""])
def test_canonical_url_refuses_other_schemes(url):
    with pytest.raises(ValueError):
        canonicalize_url(url)


# --- SSRF guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/admin/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
    ],
)
def test_ssrf_guard_refuses_non_public_addresses(settings, url):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(UnsafeURLError):
        check_url_allowed(url)


# Every IPv6 form that carries an IPv4 address is judged by that IPv4 address: a NAT64 gateway
# or a 6to4/Teredo relay would connect to it.
EMBEDDED_IPV4 = [
    ("::127.0.0.1", "::8.8.8.8"),  # IPv4-compatible
    ("::ffff:127.0.0.1", "::ffff:8.8.8.8"),  # IPv4-mapped
    ("::ffff:10.0.0.1", "::ffff:1.1.1.1"),
    ("::ffff:0:127.0.0.1", "::ffff:0:8.8.8.8"),  # IPv4-translated (SIIT)
    ("::ffff:0:169.254.169.254", "::ffff:0:1.1.1.1"),
    ("64:ff9b::127.0.0.1", "64:ff9b::8.8.8.8"),  # NAT64, well-known prefix
    ("64:ff9b::a9fe:a9fe", "64:ff9b::101:101"),  # 169.254.169.254 / 1.1.1.1 in hex
    ("64:ff9b:1::192.168.1.1", "64:ff9b:1::8.8.8.8"),  # NAT64 local-use, /96 layout
    ("64:ff9b:1:7f00:0:1::", "64:ff9b:1:808:8:800::"),  # local-use, /48 layout (u octet)
    ("2002:7f00:1::", "2002:808:808::1"),  # 6to4: 127.0.0.1 / 8.8.8.8
    ("2002:a9fe:a9fe::1", "2002:101:101::"),  # 6to4: 169.254.169.254 / 1.1.1.1
    (
        "2001:0:808:808::80ff:fffe",
        "2001:0:808:808::f7f7:f7f7",
    ),  # Teredo: client 127.0.0.1 / 8.8.8.8
    ("2001:0:a00:1::f7f7:f7f7", "2001:0:4136:e378::f7f7:f7f7"),  # Teredo: server 10.0.0.1
]


@pytest.mark.parametrize(("private", "public"), EMBEDDED_IPV4)
def test_ipv6_with_an_embedded_ipv4_is_judged_by_the_ipv4(settings, private, public):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(UnsafeURLError, match="non-public"):
        check_url_allowed(f"http://[{private}]/")
    check_url_allowed(f"http://[{public}]/")  # a public IPv4 behind it: allowed


def test_the_connected_socket_check_sees_embedded_ipv4_too():
    from pledges.ingest.http import _address_is_public

    assert not _address_is_public("64:ff9b::7f00:1")
    assert not _address_is_public("2002:7f00:1::%eth0")
    assert _address_is_public("2606:4700:4700::1111")  # plain global IPv6 stays allowed


def test_fetch_refuses_loopback_without_connecting(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    with LocalServer({"/": Response(b"secret")}) as server:
        with pytest.raises(UnsafeURLError) as error:
            fetch(server.url("/"))
        assert error.value.permanent
        assert server.hits == []


def test_redirect_hop_to_private_address_is_refused(settings, monkeypatch):
    """Each hop is checked: a public page may not bounce the fetcher to an internal address."""
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(
        "pledges.ingest.http._address_is_public", lambda address: address == "127.0.0.1"
    )
    with LocalServer() as server:
        port = server.server_address[1]
        server.routes["/"] = Response(
            status=302, headers={"Location": f"http://127.0.0.2:{port}/internal"}
        )
        server.routes["/internal"] = Response(b"internal")
        with pytest.raises(UnsafeURLError):
            fetch(server.url("/"))
        assert server.hits == ["/"]


def test_connected_address_is_checked_too(settings, monkeypatch):
    """DNS rebinding: the address checked before connecting is checked again on the socket."""
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr("pledges.ingest.http.check_url_allowed", lambda url: None)
    with LocalServer({"/": Response(b"secret")}) as server:
        with pytest.raises(UnsafeURLError):
            fetch(server.url("/"))
        assert server.hits == []


def test_non_http_url_is_refused():
    with pytest.raises(UnsafeURLError):
        fetch("file:///etc/passwd")


# --- fetching ---------------------------------------------------------------------------------


def test_fetch_sends_user_agent_and_follows_redirects(allow_private):
    seen = {}

    def page(handler):
        seen["ua"] = handler.headers["User-Agent"]
        return Response(b"<html>ok</html>", headers={"Content-Type": "text/html"})

    with LocalServer({"/a": Response(status=301, headers={"Location": "/b"}), "/b": page}) as s:
        result = fetch(s.url("/a"))
    assert result.url.endswith("/b")
    assert result.content == b"<html>ok</html>"
    assert seen["ua"] == allow_private.INGEST_USER_AGENT


def test_redirect_loop_is_a_permanent_error(allow_private):
    routes = {
        "/x": Response(status=302, headers={"Location": "/y"}),
        "/y": Response(status=302, headers={"Location": "/x"}),
    }
    with LocalServer(routes) as server:
        with pytest.raises(PermanentFetchError, match="redirect loop"):
            fetch(server.url("/x"))


def test_too_many_redirects_is_a_permanent_error(allow_private):
    allow_private.INGEST_MAX_REDIRECTS = 2
    routes = {f"/{i}": Response(status=302, headers={"Location": f"/{i + 1}"}) for i in range(5)}
    with LocalServer(routes) as server:
        with pytest.raises(PermanentFetchError, match="redirects"):
            fetch(server.url("/0"))


def test_declared_size_over_cap_is_refused_before_reading(allow_private):
    allow_private.INGEST_MAX_BYTES = 1000
    with LocalServer({"/big": Response(b"x" * 5000, headers={"Content-Type": "text/html"})}) as s:
        with pytest.raises(ResponseTooLarge):
            fetch(s.url("/big"))


def test_streamed_body_over_cap_is_cut_off(allow_private):
    allow_private.INGEST_MAX_BYTES = 1024 * 1024
    big = Response(headers={"Content-Type": "text/html"}, chunked_size=50 * 1024 * 1024)
    with LocalServer({"/stream": big}) as server:
        with pytest.raises(ResponseTooLarge):
            fetch(server.url("/stream"))


def test_client_errors_are_permanent_server_errors_transient(allow_private):
    routes = {
        "/gone": Response(b"", 404),
        "/busy": Response(b"", 503),
        "/slow-down": Response(b"", 429),
    }
    with LocalServer(routes) as server:
        with pytest.raises(FetchError) as gone:
            fetch(server.url("/gone"))
        with pytest.raises(FetchError) as busy:
            fetch(server.url("/busy"))
        with pytest.raises(FetchError) as slow:
            fetch(server.url("/slow-down"))
    assert gone.value.permanent and gone.value.status == 404
    assert not busy.value.permanent
    assert not slow.value.permanent


def test_timeout_is_transient(allow_private):
    allow_private.INGEST_TIMEOUT_SECONDS = 0.3
    with LocalServer({"/slow": Response(b"late", delay=1.5)}) as server:
        with pytest.raises(TransientFetchError):
            fetch(server.url("/slow"))


def test_connection_refused_is_transient(allow_private):
    with LocalServer() as server:
        url = server.url("/")
    with pytest.raises(TransientFetchError):
        fetch(url)


# --- the whole-fetch deadline, while a read blocks ------------------------------------------
# A server trickling one byte at a time never trips a per-read socket timeout; the deadline
# (twice INGEST_TIMEOUT_SECONDS for the whole fetch) must still stop it, and for good.

TRICKLING_PAGE = b"<html><body>" + "천천히 오는 기사 ".encode() * 40 + b"</body></html>"


@pytest.mark.parametrize("trickle_headers", [False, True], ids=["body", "headers"])
def test_a_trickling_server_is_cut_off_at_the_deadline(allow_private, trickle_headers):
    allow_private.INGEST_TIMEOUT_SECONDS = 0.5  # per read; the whole fetch: 1 s
    page = Response(
        TRICKLING_PAGE,
        headers={"Content-Type": "text/html"},
        trickle=0.05,  # 20 bytes a second: the whole page would take about 40 s
        trickle_headers=trickle_headers,
    )
    with LocalServer({"/drip": page}) as server:
        started = time.monotonic()
        with pytest.raises(FetchDeadlineExceeded) as error:
            fetch(server.url("/drip"))
        elapsed = time.monotonic() - started
    assert error.value.permanent  # not retried: it would hold a worker just as long again
    assert error.value.url == server.url("/drip")
    assert elapsed < 10, f"the fetch was held {elapsed:.1f} s"


def test_a_pooled_connection_is_under_the_deadline_too(allow_private):
    """The first fetch leaves a kept-alive connection in the pool; the second reuses it."""
    allow_private.INGEST_TIMEOUT_SECONDS = 0.5
    routes = {
        "/fast": Response(b"<html>ok</html>", headers={"Content-Type": "text/html"}),
        "/drip": Response(TRICKLING_PAGE, headers={"Content-Type": "text/html"}, trickle=0.05),
    }
    with LocalServer(routes) as server:
        assert fetch(server.url("/fast")).content == b"<html>ok</html>"
        with pytest.raises(FetchDeadlineExceeded):
            fetch(server.url("/drip"))
        assert fetch(server.url("/fast")).content == b"<html>ok</html>"  # the pool recovers


@pytest.mark.django_db
def test_a_deadline_overrun_is_recorded_once_not_retried(allow_private):
    from pledges import tasks
    from pledges.models import Source

    allow_private.INGEST_TIMEOUT_SECONDS = 0.5
    page = Response(TRICKLING_PAGE, headers={"Content-Type": "text/html"}, trickle=0.05)
    with LocalServer({"/drip": page}) as server:
        source = Source.objects.create(name="느린일보", kind="feed")
        result = tasks.ingest_url_task.delay(server.url("/drip"), source_id=source.pk).get()
        assert server.page_hits == ["/drip"]
    source.refresh_from_db()
    assert result["status"] == "failed"
    assert "/drip" in source.last_error and "too long" in source.last_error
