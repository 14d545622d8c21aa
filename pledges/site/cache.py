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
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from pledges import publishing

logger = logging.getLogger(__name__)

HIT_HEADER = "X-Public-Cache"
# Part of every key: entries of an older layout are never read after an upgrade.
ENTRY_FORMAT = 3
# Longest time a reader's render of a page keeps others on the previous version.
RENDER_LOCK_SECONDS = 10
# Pages each process keeps in its own memory (a compressed page is 3–15 KB).
LOCAL_PAGES = 1000


class LocalPages:
    """The most recently served entries of this process, least recently used out first. An
    entry is valid only for the public version it was rendered at, like those of the cache."""

    def __init__(self, size: int):
        self.size = size
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
            self.entries[key] = (time.monotonic() + settings.PUBLIC_CACHE_SECONDS, entry)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


local_pages = LocalPages(LOCAL_PAGES)


def cache_key(request: HttpRequest) -> str:
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(f"{language} {where}".encode()).hexdigest()
    return f"public-page:{ENTRY_FORMAT}:{digest}"


def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.accessed)
        and "CSRF_COOKIE" not in request.META  # the page holds a token for one reader
        and not response.has_header("Cache-Control")  # the view decided itself (never_cache)
    )


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


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

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = cache_key(request)
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
        try:
            if _cacheable(request, response):
                headers = list(response.items())
                # Compressed once here rather than for every reader (the pages hold no secret,
                # so compression leaks nothing: BREACH needs one).
                compressed = gzip.compress(response.content, compresslevel=6, mtime=0)
                kept = (version, response.status_code, headers, compressed)
                cache.set(key, kept, settings.PUBLIC_CACHE_SECONDS)
                local_pages.put(key, kept)
                response = _from_entry(request, kept, "miss")
            if entry is not None:
                cache.delete(rendering)
        except Exception:
            logger.exception("public cache unavailable; %s not kept", request.path)
        return response

    return cached_view
