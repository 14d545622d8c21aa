"""A web process warmed up at start (pledges/site/warm_up.py, called by tracker/gunicorn.conf.py):
code loaded without the database, front pages' scoreboards rendered with every connection closed
after, and gunicorn's master doing it before it forks."""

from __future__ import annotations

import json
import logging
import runpy
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connections
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.urls import clear_url_caches, get_resolver
from django.utils.translation import trans_real

from pledges.site import warm_up
from pledges.site.fragments import fragments
from pledges.tests.factories import PledgeFactory, PromiserFactory

GUNICORN_CONF = settings.BASE_DIR / "tracker" / "gunicorn.conf.py"


def cached_loader() -> CachedLoader:
    loaders = [
        loader
        for loader in engines["django"].engine.template_loaders
        if isinstance(loader, CachedLoader)
    ]
    assert loaders, "the cached template loader is on (Django's default since 4.1)"
    return loaders[0]


def test_loading_the_code_reads_no_database_and_fills_what_requests_read(
    django_db_blocker, monkeypatch
):
    loader = cached_loader()
    loader.reset()
    clear_url_caches()
    monkeypatch.setattr(trans_real, "_translations", {})
    with django_db_blocker.block():  # any query would raise here
        loaded = warm_up.load_code()
    templates = warm_up.public_template_names()
    assert {"base.html", "pledges/home.html", "pledges/partials/overview.html"} <= set(templates)
    assert loaded == len(templates)
    kept = set(loader.get_template_cache)
    assert set(templates) <= kept
    assert not any(name.startswith("admin/") for name in kept)  # editors' pages: on first use
    assert {"ko", "en"} <= set(trans_real._translations)
    resolver = get_resolver()
    assert resolver._populated
    assert {"ko", "en"} <= set(resolver._reverse_dict)


# The connection tests need PostgreSQL: Django never closes SQLite's in-memory test database
# (closing it would drop the data), so there is nothing to see closed on the embedded default.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_front_pages_scoreboards_are_rendered_then_the_connections_closed(
    require_postgres, client
):
    for slug in ("warm-one", "warm-two"):
        PledgeFactory(promiser=PromiserFactory(slug=slug, name=slug), is_published=True)
    connections["default"].ensure_connection()
    rendered = warm_up.render_front_pages()
    # Two promisers on two pages (with and without their pledges) in two languages.
    assert rendered == 2 * 2 * 2
    assert all(connection.connection is None for connection in connections.all())
    before = fragments.renders
    for path in ("/", "/en/", "/pledges/", "/en/pledges/"):
        assert client.get(path).status_code == 200
    assert fragments.renders == before  # every scoreboard came from the warm-up


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_render_still_closes_the_connection(require_postgres, monkeypatch):
    def broken(request):
        connections["default"].ensure_connection()
        raise RuntimeError("the database went away")

    monkeypatch.setitem(warm_up.FRONT_PAGES, "pledges:home", broken)
    with pytest.raises(RuntimeError):
        warm_up.render_front_pages()
    assert connections["default"].connection is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_table_makes_the_render_give_up_instead_of_holding_the_start_back(
    require_postgres, monkeypatch
):
    """A migration holding a lock at start must not keep the server from serving."""
    import psycopg
    from django.db import OperationalError

    from pledges.models import Evidence
    from pledges.tests.prod_server import database_url_of_tests

    PledgeFactory(is_published=True)
    monkeypatch.setattr(warm_up, "RENDER_LOCK_TIMEOUT_MS", 100)
    with psycopg.connect(database_url_of_tests(), autocommit=True) as holder:
        # Should the render wait after all, the lock goes in 30 s and the render then succeeds:
        # a failure, not a hung test.
        holder.execute("SET idle_in_transaction_session_timeout = '30s'")
        with holder.transaction():
            holder.execute(f'LOCK TABLE "{Evidence._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
            with pytest.raises(OperationalError, match="lock timeout"):
                warm_up.render_front_pages()
    assert connections["default"].connection is None


def test_a_failing_step_is_logged_and_the_next_still_runs(monkeypatch, caplog):
    ran = []

    def no_database():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(warm_up, "load_code", lambda: ran.append("code") or 3)
    monkeypatch.setattr(warm_up, "render_front_pages", no_database)
    with caplog.at_level(logging.INFO, logger="pledges.site.warm_up"):
        warm_up.warm_up_web_process()
    assert ran == ["code"]
    assert "could not render the front pages at start" in caplog.text
    assert "3 templates, 0 scoreboards" in caplog.text


def test_the_warm_up_can_be_turned_off(monkeypatch, settings):
    settings.WARM_WEB_PROCESS_ON_START = False
    monkeypatch.setattr(warm_up, "load_code", lambda: pytest.fail("loaded the code"))
    monkeypatch.setattr(warm_up, "render_front_pages", lambda: pytest.fail("rendered"))
    warm_up.warm_up_web_process()


@pytest.mark.parametrize("preload", [True, False])
def test_gunicorn_warms_up_the_master_before_forking_or_else_each_worker(monkeypatch, preload):
    import gc

    calls = []
    monkeypatch.setattr(warm_up, "warm_up_web_process", lambda: calls.append("warm-up"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["preload_app"] is True  # production's setting
    process = SimpleNamespace(cfg=SimpleNamespace(preload_app=preload))
    conf["on_starting"](process)  # the master, the app loaded, no worker forked yet
    assert calls == (["warm-up", "freeze"] if preload else [])
    conf["post_worker_init"](process)  # each worker, after loading the app
    assert calls == (["warm-up", "freeze"] if preload else ["warm-up"])


@pytest.mark.postgres
def test_gunicorn_serves_with_the_front_pages_warmed_up(
    require_postgres, transactional_db, collected_static, tmp_path
):
    from pledges.demo_data import load_gwangju_demo
    from pledges.models import Promiser
    from pledges.tests.prod_server import ProductionServer

    load_gwangju_demo()
    promisers = Promiser.objects.filter(pledges__is_published=True).distinct().count()
    with ProductionServer(collected_static, tmp_path / "gunicorn.log") as server:
        warmed = [
            json.loads(line)
            for line in server.log().splitlines()
            if line.startswith("{") and "warmed up" in line
        ]
        assert len(warmed) == 1, server.log()[-3000:]  # once, in the master
        assert f"{promisers * 2 * 2} scoreboards" in warmed[0]["message"]
        assert server.get("/").status_code == 200
        assert server.get("/en/").status_code == 200
