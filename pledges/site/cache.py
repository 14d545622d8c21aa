"""Cached public responses: what every reader sees alike, kept until an editor publishes.

``public_page`` wraps a public view (pages, Atom feeds, public API lists). A response is kept in
Django's cache (Redis when REDIS_URL is set, each process's memory otherwise) under its scheme,
host, language and full path with query string, together with the public version it was rendered
at (pledges/publishing.py). One round trip reads both the current version and the entry; an entry
of an older version is rendered again. Only what is the same for everyone is kept: successful
GET/HEAD answers, never one that read the session, asked for a CSRF token or set a cookie.

If the cache does not answer, the page is served uncached (and the failure logged): the cache
makes the site fast, never unavailable.
"""

from __future__ import annotations

import hashlib
import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from pledges import publishing

logger = logging.getLogger(__name__)

HIT_HEADER = "X-Public-Cache"


def cache_key(request: HttpRequest) -> str:
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(f"{language} {where}".encode()).hexdigest()
    return f"public-page:{digest}"


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


def public_page(view):
    """Serve ``view`` from the cache while nothing public changed since it was rendered."""

    @wraps(view)
    def cached_view(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = cache_key(request)
        try:
            found = cache.get_many([publishing.VERSION_KEY, key])
        except Exception:  # the cache is down: serve the page without it
            logger.exception("public cache unavailable; serving %s uncached", request.path)
            return view(request, *args, **kwargs)
        version = found.get(publishing.VERSION_KEY)
        if version is None:
            version = publishing.public_version()
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            _, status, headers, content = entry
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response[HIT_HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()  # a TemplateResponse: keep what the reader gets
        if _cacheable(request, response):
            entry = (version, response.status_code, list(response.items()), response.content)
            try:
                cache.set(key, entry, settings.PUBLIC_CACHE_SECONDS)
            except Exception:
                logger.exception("public cache unavailable; %s not kept", request.path)
            response[HIT_HEADER] = "miss"
        return response

    return cached_view
