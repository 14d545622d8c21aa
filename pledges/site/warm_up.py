"""Warming a web process up before it serves: the one-time costs of a first request, paid at start.

Profiled at national size (bench/scale_db.py; cProfile of a fresh process's first ``/``), the
first front page of a fresh process took ~600 ms against ~200 ms for the next render of it:

- most of the difference: the 243 promisers' scoreboards, which a process renders once and then
  reuses while their data is unchanged (pledges/site/fragments.py);
- ~170 ms importing the URL configuration (the API, admin and export views it names) and ~60 ms
  filling its resolvers;
- a few ms each: compiling the templates, reading the static files' manifest and the
  translation catalogs.

gunicorn (tracker/gunicorn.conf.py, ``preload_app``) calls ``warm_up_web_process`` in its master
process once the app is loaded and before it forks a worker, so every worker starts with all of
it in memory shared with the others (copy-on-write), and so does each worker forked later to
replace one (``max_requests``). WARM_WEB_PROCESS_ON_START=0 turns it off.

Two steps:

- ``load_code``: the URL configuration and its resolvers in each language, the translation
  catalogs, every public page's template, compiled into the cached loader, and the static files'
  manifest. No database, no cache.
- ``render_front_pages``: the front page and the list rendered once in each language by their
  views, called directly (not through the public page cache: nothing is stored or sent), which
  keeps their scoreboards. This reads the database, so every connection is closed before it
  returns: a connection inherited by forked workers would be one socket shared by all of them.
  Its reads give up soon on a busy database (a lock held by a migration): a server that waits
  for its warm-up does not serve at all.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection, connections, transaction
from django.http import HttpRequest
from django.template import engines
from django.urls import get_resolver, reverse
from django.utils import translation
from django.utils.translation import trans_real

from pledges.site import views
from pledges.site.fragments import fragments

logger = logging.getLogger(__name__)

# Templates of the public pages: the site's own folder of them and the base they extend. (The
# admin's are loaded by an editor's first visit.)
PUBLIC_TEMPLATE_FOLDERS = ("pledges",)
PUBLIC_TEMPLATES = ("base.html",)
# Pages rendered at start for their scoreboards: URL name -> view (without the page cache).
FRONT_PAGES = {"pledges:home": views.home, "pledges:list": views.pledge_list}
# On PostgreSQL, the longest the render waits for a lock and for one query (ms), after which it
# gives up (logged) and the first requests render the scoreboards instead.
RENDER_LOCK_TIMEOUT_MS = 2_000
RENDER_STATEMENT_TIMEOUT_MS = 20_000


def warm_up_web_process() -> None:
    """Load the code and render the front pages, unless WARM_WEB_PROCESS_ON_START is off. A
    step that fails only costs time: it is logged, and the first request does the work."""
    if not settings.WARM_WEB_PROCESS_ON_START:
        return
    started = time.perf_counter()
    try:
        templates = load_code()
    except Exception:
        logger.exception("could not load the web code at start")
        templates = 0
    try:
        scoreboards = render_front_pages()
    except Exception:  # no database yet: the first front page renders its scoreboards
        logger.exception("could not render the front pages at start")
        scoreboards = 0
    logger.info(
        "web process warmed up in %.0f ms: %d templates, %d scoreboards",
        (time.perf_counter() - started) * 1000,
        templates,
        scoreboards,
    )


def load_code() -> int:
    """Import and fill what every request reads and nothing changes while the process lives.
    Reads no database and no cache. Returns the number of templates loaded."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  imports ROOT_URLCONF and every view module it names
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)  # LocaleMiddleware asks each time
    for language, _name in settings.LANGUAGES:
        trans_real.translation(language)  # the catalogs of every app, merged
        with translation.override(language):
            for name in FRONT_PAGES:
                reverse(name)  # fills the resolvers' reverse tables of this language
            resolver.resolve(reverse("pledges:home"))
    staticfiles_storage.base_url  # noqa: B018  reads the manifest of hashed names, if any
    names = public_template_names()
    engine = engines["django"]
    for name in names:
        engine.get_template(name)  # compiled and kept by the cached loader
    return len(names)


def public_template_names() -> list[str]:
    """The templates of the public pages, by the names views load them by."""
    names = list(PUBLIC_TEMPLATES)
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for subfolder in PUBLIC_TEMPLATE_FOLDERS:
            root = Path(folder)
            names += sorted(
                path.relative_to(root).as_posix() for path in (root / subfolder).rglob("*.html")
            )
    return names


def render_front_pages() -> int:
    """Render FRONT_PAGES in every language by their views, outside the page cache: their
    scoreboards are then kept in this process (fragments.py). Closes every database connection
    before returning. Returns the number of scoreboards rendered."""
    rendered = fragments.renders
    try:
        with transaction.atomic():  # reads only; the time limits below last until its end
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('lock_timeout', %s, true),"
                        " set_config('statement_timeout', %s, true)",
                        [f"{RENDER_LOCK_TIMEOUT_MS}ms", f"{RENDER_STATEMENT_TIMEOUT_MS}ms"],
                    )
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    for name, view in FRONT_PAGES.items():
                        response = view(_anonymous_request(reverse(name), language))
                        if response.status_code != 200:
                            raise RuntimeError(f"{name} answered {response.status_code}")
    finally:
        connections.close_all()
    return fragments.renders - rendered


def _anonymous_request(path: str, language: str) -> HttpRequest:
    """A GET of ``path`` by a reader with no session, as the middleware would hand it over."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {"HTTP_HOST": _a_served_host(), "SERVER_PORT": "443"}
    request.LANGUAGE_CODE = language
    request.user = AnonymousUser()
    return request


def _a_served_host() -> str:
    """A host name ALLOWED_HOSTS accepts (pages write absolute links with it)."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*":
            return host.lstrip(".")
    return "localhost"
