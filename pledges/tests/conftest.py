"""Shared fixtures. Real services where users run real services.

Tests that need PostgreSQL, Redis or Chromium skip with a reason on a laptop without them and
fail in CI (CI=true), where a missing service is a broken set-up, not a reason to pass.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, what: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available.")
    pytest.skip(f"{what} is not available on this machine; see README (Running the full suite).")


def redis_available() -> bool:
    url = settings.REDIS_URL
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@pytest.fixture
def require_postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def require_redis():
    require(redis_available(), "Redis (REDIS_URL=redis://…)")


@pytest.fixture(autouse=True)
def eager_celery_for_unit_tests(request):
    """Unit tests run tasks in-process; tests marked `worker` talk to a real worker instead."""
    from tracker.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def fresh_crawler_state(settings):
    """Each test meets hosts for the first time: no robots.txt rules or host limits left from
    another test (local servers reuse ports), and no interval between fetches from the one
    loopback host unless the test sets one (tests of politeness do)."""
    from pledges.ingest import politeness, robots
    from pledges.ingest.shared_state import KEY_PREFIX, redis_client

    settings.INGEST_HOST_MIN_INTERVAL = 0.0
    robots.forget_cached_rules()
    politeness.forget_local_state()
    client = redis_client() if redis_available() else None
    if client is not None:
        keys = list(client.scan_iter(f"{KEY_PREFIX}*"))
        if keys:
            client.delete(*keys)
    yield


@pytest.fixture
def redis_cache(settings, require_redis):
    """Django's cache on the real Redis of REDIS_URL, as production runs it (shared by every
    process), under a key prefix of this test's own: (the raw Redis client, the prefix). Its
    keys are deleted afterwards."""
    import uuid

    import redis

    prefix = f"test-cache-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    raw = redis.Redis.from_url(settings.REDIS_URL)
    yield raw, prefix
    keys = raw.keys(f"{prefix}:*")
    if keys:
        raw.delete(*keys)


@pytest.fixture(autouse=True)
def empty_public_cache():
    """No page cached by another test (whose rows were rolled back) is served to this one, nor
    a piece of one rendered under its settings."""
    from django.core.cache import cache

    from pledges.site.fragments import fragments

    cache.clear()
    fragments.clear()
    yield


@pytest.fixture
def demo_data(db):
    from pledges.demo_data import load_gwangju_demo

    return load_gwangju_demo()


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "editor@example.org", "pw-editor-1")


# Editors of the review desk, as create_editor makes them (staff in the editors group, never
# superusers): minji at the desk (``desk``: her logged-in client), junho the other editor.
@pytest.fixture
def desk_editor(db):
    from pledges.people import create_editor

    return create_editor(username="minji", email="minji@example.org", password="pw-minji-1").user


@pytest.fixture
def other_editor(db):
    from pledges.people import create_editor

    return create_editor(username="junho", email="junho@example.org", password="pw-junho-1").user


@pytest.fixture
def desk(client, desk_editor):
    client.force_login(desk_editor)
    return client


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    require(path is not None, "Chromium (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of live_server
    # fixtures are still synchronous, so Django's async guard must stand aside for these tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """STATIC_ROOT with collectstatic's output, for servers run with DEBUG=0."""
    from pledges.tests.prod_server import collect_static

    root = tmp_path_factory.mktemp("staticfiles")
    collect_static(root)
    return root
