"""Guarded fetching: canonical URLs, the SSRF guard and ``fetch`` with its caps.

Every request goes through ``fetch``: timeouts, a size cap enforced while streaming, redirects
followed by hand so that each hop is checked, and an SSRF guard that refuses loopback, private,
link-local (cloud metadata) and other non-public addresses both before connecting and on the
connected socket (so DNS rebinding cannot slip past the check).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from pledges.ingest.errors import (
    FetchDeadlineExceeded,
    FetchError,
    FetchTimeout,
    PermanentFetchError,
    ResponseTooLarge,
    TransientFetchError,
    UnsafeURLError,
)

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


# --- Canonical URLs -------------------------------------------------------------------------

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gbraid",
        "wbraid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def canonicalize_url(url: str) -> str:
    """One spelling per article URL: the key of ``Article.canonical_url``.

    Lower-case scheme and host (IDNA for non-ASCII hosts), no default port, no user info, no
    fragment, no tracking parameters (utm_*, fbclid, gclid, …), remaining parameters sorted,
    percent-escapes upper-case and non-ASCII percent-encoded. Raises ValueError if not http(s).
    """
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL without a host: {url!r}")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        host = host.lower()
    port = parts.port  # ValueError for a bad port
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _PERCENT.sub(lambda m: m.group().upper(), quote(parts.path or "/", safe=_PATH_SAFE))
    params = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, path, query, ""))


# --- SSRF guard -----------------------------------------------------------------------------


_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # ::a.b.c.d (deprecated, still routed)
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT)
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (and reaches through a translator or tunnel).

    A gateway turns ``::ffff:10.0.0.1``, ``64:ff9b::10.0.0.1`` or ``2002:0a00:0001::`` into a
    connection to 10.0.0.1, so such an address is judged by its IPv4 address, not by the
    IPv6 range it is written in.
    """
    packed = ip.packed
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _IPV4_COMPATIBLE or ip in _IPV4_TRANSLATED or ip in _NAT64_WELL_KNOWN:
        return [ipaddress.IPv4Address(packed[12:])]
    if ip in _NAT64_LOCAL_USE:
        # RFC 6052 lets the local-use prefix be /48 (IPv4 in bytes 6-7 and 9-10, byte 8 the
        # reserved "u" octet) or longer, up to /96 (IPv4 in the last four bytes).
        if any(packed[6:12]):
            return [ipaddress.IPv4Address(packed[6:8] + packed[9:11])]
        return [ipaddress.IPv4Address(packed[12:])]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [server, client]
    return []


def _address_is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6:
        carried = embedded_ipv4(ip)
        if carried:
            return all(v4.is_global and not v4.is_multicast for v4 in carried)
    return ip.is_global and not ip.is_multicast


def _private_allowed() -> bool:
    return bool(getattr(settings, "INGEST_ALLOW_PRIVATE_ADDRESSES", False))


def check_url_allowed(url: str) -> None:
    """Refuse non-http(s) URLs and hosts resolving to non-public addresses (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise UnsafeURLError(f"refused: not an http(s) URL: {url}", url=url)
    if _private_allowed():
        return
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except ValueError as error:
        raise UnsafeURLError(f"refused: bad URL {url}: {error}", url=url) from error
    except OSError as error:
        raise TransientFetchError(f"cannot resolve {parts.hostname}: {error}", url=url) from error
    for info in infos:
        address = info[4][0]
        if not _address_is_public(address):
            raise UnsafeURLError(
                f"refused: {parts.hostname} resolves to a non-public address ({address})", url=url
            )


class _Deadline:
    """The whole-fetch deadline, enforced while a read blocks.

    Socket timeouts bound each read, not the fetch: a server sending one byte a second never
    trips them. At the deadline a timer shuts down the sockets this fetch uses (new and pooled
    connections register here), so the blocked read returns at once and ``fetch`` reports it.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if not any(known is sock for known in self._sockets):
                self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> _Deadline:
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _local.deadline = None

    def error(self, url: str) -> FetchDeadlineExceeded:
        return FetchDeadlineExceeded(
            f"gave up after {self.seconds:g} s: the whole fetch took too long", url=url
        )


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for an SSLSocket: the TLS object stays in place for
    # the thread blocked reading it, which then sees the connection end.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _watch_socket(sock: socket.socket | None) -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _GuardedConnectionMixin:
    """Checks the address actually connected to, closing the DNS-rebinding gap, and puts the
    connection's socket under the current fetch's deadline."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not _private_allowed():
            try:
                address = sock.getpeername()[0]
            except OSError:
                address = ""
            if not _address_is_public(address):
                sock.close()
                raise UnsafeURLError(f"refused: connected to a non-public address ({address})")
        _watch_socket(sock)
        return sock

    def getresponse(self, *args, **kwargs):
        _watch_socket(self.sock)  # a kept-alive connection reused from the pool
        return super().getresponse(*args, **kwargs)


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (and per worker process: created after the fork)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False  # no proxies or .netrc from the environment
        adapter = _GuardedAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


# --- Fetching -------------------------------------------------------------------------------

_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass
class FetchResult:
    url: str  # the final URL, after redirects
    status: int
    headers: Mapping[str, str]
    content: bytes = b""
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", self.headers.get("Content-Type", ""))
        return match.group(1) if match else None


def fetch(
    url: str,
    *,
    accept: str = HTML_ACCEPT,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    timeout: float | None = None,
    before_request: Callable[[str], None] | None = None,
) -> FetchResult:
    """GET ``url`` safely. Raises TransientFetchError or PermanentFetchError (or a subclass).

    ``timeout`` bounds the connection and each read, and (twice over) the whole fetch, also
    while a read blocks, so a server trickling bytes cannot hold a worker: overrunning that
    deadline is a permanent FetchDeadlineExceeded (a server that slow is not retried). Redirects
    are followed by hand, at most ``INGEST_MAX_REDIRECTS``, each hop checked by the SSRF guard; a loop is a permanent error.
    ``before_request(url)`` runs before every hop, after the SSRF guard (the robots.txt check of
    ``ingest.politeness.polite_fetch``); it raises to refuse the hop.
    """
    timeout = timeout if timeout is not None else settings.INGEST_TIMEOUT_SECONDS
    max_bytes = max_bytes if max_bytes is not None else settings.INGEST_MAX_BYTES
    with _Deadline(2 * timeout) as deadline:
        try:
            result = _fetch(url, accept, etag, last_modified, max_bytes, timeout, before_request)
        except Exception as error:  # whatever the shut socket made the read raise
            if deadline.expired:
                raise deadline.error(getattr(error, "url", "") or url) from error
            raise
        if deadline.expired:  # the body ended early because its socket was shut down
            raise deadline.error(result.url)
        return result


def _fetch(
    url: str,
    accept: str,
    etag: str,
    last_modified: str,
    max_bytes: int,
    timeout: float,
    before_request: Callable[[str], None] | None,
) -> FetchResult:
    headers = {"User-Agent": settings.INGEST_USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    seen = {url}
    for _hop in range(settings.INGEST_MAX_REDIRECTS + 1):
        check_url_allowed(current)
        if before_request is not None:
            before_request(current)
        try:
            response = _session().get(
                current,
                headers=headers,
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
            )
        except FetchError as error:
            error.url = error.url or current
            raise
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as error:
            raise PermanentFetchError(f"invalid URL: {error}", url=current) from error
        except requests.Timeout as error:
            raise FetchTimeout(f"timed out: {error}", url=current) from error
        except requests.RequestException as error:
            raise TransientFetchError(f"network error: {error}", url=current) from error
        with response:
            status = response.status_code
            if status in _REDIRECTS and response.headers.get("Location"):
                target = urljoin(current, response.headers["Location"])
                if target in seen:
                    raise PermanentFetchError(f"redirect loop at {target}", url=url, status=status)
                seen.add(target)
                current = target
                continue
            if status == 304:
                return FetchResult(current, status, dict(response.headers), not_modified=True)
            if status >= 400:
                raise FetchError.for_status(status, current, response.headers.get("Retry-After"))
            if status >= 300:
                raise PermanentFetchError(f"HTTP {status} without a target", url=current)
            content = _read_capped(response, current, max_bytes)
            return FetchResult(current, status, dict(response.headers), content)
    raise PermanentFetchError(
        f"more than {settings.INGEST_MAX_REDIRECTS} redirects", url=url, status=None
    )


def _read_capped(response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"body of {int(declared):,} bytes exceeds {max_bytes:,}", url=url)
    buffer = bytearray()
    try:
        for chunk in response.iter_content(64 * 1024):
            buffer += chunk
            if len(buffer) > max_bytes:
                raise ResponseTooLarge(f"body exceeds {max_bytes:,} bytes", url=url)
    except requests.RequestException as error:
        raise TransientFetchError(f"download failed: {error}", url=url) from error
    return bytes(buffer)
