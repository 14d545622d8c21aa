"""Cached public responses: what every reader sees alike, kept until an editor publishes.

``public_page`` wraps a public view (pages, Atom feeds, public API lists). A response is kept in
Django's cache (Redis when REDIS_URL is set, each process's memory otherwise) under its scheme,
host, language and full path with query string, together with the public version it was rendered
at (pledges/publishing.py); an entry of an older version is rendered again. Each process also
keeps its most recently served pages in memory (LOCAL_PAGES of them), so a page served before
needs only the small version read from the shared cache, not the whole page again.

Only what is the same for everyone is kept: successful GET/HEAD answers (gzip-compressed: served
so to browsers that accept it, unpacked for others), never one that read the session, asked for
a CSRF token or set a cookie.

After a publication, the first reader of a page renders it again; readers arriving while that
render runs (at most RENDER_LOCK_SECONDS) get the previous version instead of rendering it too,
so a busy page is rendered once, not once per waiting reader (no stampede).

If the cache does not answer, the page is served uncached (and the failure logged): the cache
makes the site fast, never unavailable.

``public_download`` does the same for the open-data files (pledges/exports), which are streamed.
The first download of a file streams as ever, and its bytes are kept on the way out (compressed
as they pass) as long as they stay within EXPORT_CACHE_MAX_BYTES; a file that grows past it is
let go and streams on, so memory never holds more than that bound of one file. Downloads that
follow until the next publication get the kept bytes with the same headers. Its key holds the
day too, since a file's name carries the date it was made. A request the view calls private
(an editor's download with suggestions) never reads nor feeds the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from pledges import publishing

logger = logging.getLogger(__name__)

HIT_HEADER = "X-Public-Cache"
# Part of every key: entries of an older layout are never read after an upgrade.
ENTRY_FORMAT = 3
# Longest time a reader's render of a page keeps others on the previous version.
RENDER_LOCK_SECONDS = 10
# Pages each process keeps in its own memory (a compressed page is 3–15 KB), and the most
# bytes they may take together (a kept download may be a few hundred KB compressed).
LOCAL_PAGES = 1000
LOCAL_BYTES = 32 * 1024 * 1024
# Headers a kept entry does not carry: the length is that of the body served from it.
UNKEPT_HEADERS = {"content-length"}


class LocalPages:
    """The most recently served entries of this process, least recently used out first, at most
    ``size`` of them and ``max_bytes`` of bodies together. An entry is valid only for the public
    version it was rendered at, like those of the cache."""

    def __init__(self, size: int, max_bytes: int = LOCAL_BYTES):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: int) -> tuple | None:
        with self.lock:
            expires, entry = self.entries.get(key, (0.0, None))
            if entry is None or entry[0] != version or expires < time.monotonic():
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: tuple) -> None:
        with self.lock:
            self._drop(key)
            self.entries[key] = (time.monotonic() + settings.PUBLIC_CACHE_SECONDS, entry)
            self.bytes += len(entry[3])
            while len(self.entries) > self.size or self.bytes > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        _, entry = self.entries.pop(key, (0.0, None))
        if entry is not None:
            self.bytes -= len(entry[3])


local_pages = LocalPages(LOCAL_PAGES)


def cache_key(request: HttpRequest, *, dated: bool = False) -> str:
    """The entry of this address in this language (and, ``dated``, on this day in TIME_ZONE)."""
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    day = f" {timezone.localdate().isoformat()}" if dated else ""
    digest = hashlib.sha256(f"{language} {where}{day}".encode()).hexdigest()
    return f"public-page:{ENTRY_FORMAT}:{digest}"


def _cacheable(request: HttpRequest, response: HttpResponse, *, streamed: bool = False) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and response.streaming == streamed
        and not response.cookies
        and not (session is not None and session.accessed)
        and "CSRF_COOKIE" not in request.META  # the page holds a token for one reader
        and not response.has_header("Cache-Control")  # the view decided itself (never_cache)
    )


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _kept_headers(response: HttpResponse) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.items() if name.lower() not in UNKEPT_HEADERS]


def _from_entry(request: HttpRequest, entry, how: str) -> HttpResponse:
    _, status, headers, compressed = entry
    if _accepts_gzip(request):
        response = HttpResponse(compressed, status=status)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(compressed), status=status)
    for name, value in headers:
        response[name] = value
    patch_vary_headers(response, ["Accept-Encoding"])
    response[HIT_HEADER] = how
    return response


def public_page(view):
    """Serve ``view`` from the cache while nothing public changed since it was rendered."""
    return _served_from_cache(view, private=None)


def public_download(view, *, private: Callable[[HttpRequest], bool]):
    """Serve the files of ``view`` from the cache while nothing public changed since they were
    made, those of at most EXPORT_CACHE_MAX_BYTES; never for a request ``private`` says is one
    reader's own (an editor's variant), nor at all when the setting is 0."""
    return _served_from_cache(view, private=private)


def _served_from_cache(view, *, private: Callable[[HttpRequest], bool] | None):
    downloads = private is not None  # files: streamed, bounded, dated, maybe private

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if downloads and (settings.EXPORT_CACHE_MAX_BYTES <= 0 or private(request)):
            return view(request, *args, **kwargs)
        key = cache_key(request, dated=downloads)
        rendering = f"{key}:rendering"
        try:
            version = publishing.public_version()
            entry = local_pages.get(key, version)
            if entry is not None:
                return _from_entry(request, entry, "hit")
            entry = cache.get(key)
            if entry is not None and entry[0] == version:
                local_pages.put(key, entry)
                return _from_entry(request, entry, "hit")
            if entry is not None and not cache.add(rendering, 1, RENDER_LOCK_SECONDS):
                return _from_entry(request, entry, "stale")  # another reader is rendering it
        except Exception:  # the cache is down: serve the page without it
            logger.exception("public cache unavailable; serving %s uncached", request.path)
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()  # a TemplateResponse: keep what the reader gets
        release = rendering if entry is not None else None
        if downloads and _cacheable(request, response, streamed=True):
            return _kept_while_streamed(response, key, version, release)
        try:
            if _cacheable(request, response) and not (
                downloads and len(response.content) > settings.EXPORT_CACHE_MAX_BYTES
            ):
                # Compressed once here rather than for every reader (the pages hold no secret,
                # so compression leaks nothing: BREACH needs one).
                compressed = gzip.compress(response.content, compresslevel=6, mtime=0)
                kept = (version, response.status_code, _kept_headers(response), compressed)
                _keep(key, kept)
                response = _from_entry(request, kept, "miss")
            if release:
                cache.delete(release)
        except Exception:
            logger.exception("public cache unavailable; %s not kept", request.path)
        return response

    return cached_view


def _keep(key: str, kept: tuple) -> None:
    cache.set(key, kept, settings.PUBLIC_CACHE_SECONDS)
    local_pages.put(key, kept)


def _kept_while_streamed(
    response: StreamingHttpResponse, key: str, version: int, release: str | None
) -> StreamingHttpResponse:
    """``response`` streaming as before, its bytes kept (compressed) on the way out if the whole
    file fits in EXPORT_CACHE_MAX_BYTES; only a file streamed to its end is kept (not one the
    reader gave up on, nor one that failed)."""
    status, headers = response.status_code, _kept_headers(response)
    chunks = response.streaming_content
    limit = settings.EXPORT_CACHE_MAX_BYTES

    def streamed_and_kept() -> Iterator[bytes]:
        # wbits 31: a gzip stream (header and trailer), as gzip.compress writes for the pages.
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        compressed: list[bytes] = []
        size = 0
        finished = False
        try:
            for chunk in chunks:
                if compressor is not None:
                    size += len(chunk)
                    if size > limit:  # too large to keep: let go of it, stream the rest
                        compressor, compressed = None, []
                    else:
                        compressed.append(compressor.compress(chunk))
                yield chunk
            finished = True
        finally:
            try:
                if finished and compressor is not None:
                    compressed.append(compressor.flush())
                    _keep(key, (version, status, headers, b"".join(compressed)))
                if release:
                    cache.delete(release)
            except Exception:
                logger.exception("public cache unavailable; %s not kept", key)

    response.streaming_content = streamed_and_kept()
    response[HIT_HEADER] = "miss"
    return response
