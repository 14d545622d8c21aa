"""With CELERY_DB_REUSE_MAX set (the default), a worker keeps its database connection from task to task (as
web requests do), instead of a new PostgreSQL session for every task: two per ingested article, each a backend the one
postmaster forks, with cold caches, which every worker waited on."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from pledges.models import Article, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page, rss_feed, synthetic_article
from pledges.tests.test_worker_integration import (  # noqa: F401  (broker: a fixture)
    TEST_REDIS_DB,
    Worker,
    broker,
    queues_idle,
    redis_url_for,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]

ARTICLES = 12


def sessions_opened() -> int:
    """Sessions opened on the test database so far (PostgreSQL's own count)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_worker_reuses_its_database_connection_across_tasks(broker, tmp_path):  # noqa: F811
    from pledges.tasks import poll_source_task

    routes = {}
    for number in range(ARTICLES):
        title, lines = synthetic_article(number, mention_pledge=False)
        routes[f"/news/{number}"] = Response(
            html_page(title, lines), headers={"Content-Type": "text/html"}
        )
    with LocalServer(routes) as server:
        items = [{"title": f"기사 {n}", "link": server.url(f"/news/{n}")} for n in range(ARTICLES)]
        server.routes["/feed"] = Response(
            rss_feed("가일보", items), headers={"Content-Type": "application/rss+xml"}
        )
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "w1", concurrency=1) as worker:

            def done() -> bool:
                stored = Article.objects.filter(source=source)
                return (
                    stored.count() == ARTICLES
                    and not stored.filter(matched_at__isnull=True).exists()
                    and queues_idle(broker)
                )

            time.sleep(1)  # the worker's start is not counted below
            before = sessions_opened()
            poll_source_task.delay(source.pk)
            wait_for(done, timeout=60, what="the feed to be ingested", workers=[worker])
            time.sleep(1.5)  # PostgreSQL counts a session at once, but publishes it within 1 s
            opened = sessions_opened() - before
    # 1 poll + 12 ingest + 12 match tasks: one new session per task before; now the pool
    # process's one connection (and this process's, if it reconnected).
    assert opened <= 3, f"{opened} database sessions for {2 * ARTICLES + 1} tasks"


def _feed(server: LocalServer, name: str, numbers: range) -> Source:
    items = []
    for number in numbers:
        title, lines = synthetic_article(number, mention_pledge=False)
        server.routes[f"/news/{number}"] = Response(
            html_page(title, lines), headers={"Content-Type": "text/html"}
        )
        items.append({"title": title, "link": server.url(f"/news/{number}")})
    path = f"/feed/{numbers.start}"
    server.routes[path] = Response(
        rss_feed(name, items), headers={"Content-Type": "application/rss+xml"}
    )
    return Source.objects.create(name=name, kind="feed", feed_url=server.url(path))


def test_a_kept_connection_that_broke_is_not_handed_to_the_next_task(broker, tmp_path):  # noqa: F811
    """The database ended the worker's kept session between two tasks (a restart, an idle
    timeout, an operator): the next task opens a new one instead of failing on the dead one.
    The feed poll task is not retried, so a broken connection handed to it would lose the feed."""
    from pledges.tasks import poll_source_task

    with LocalServer() as server:
        first = _feed(server, "가일보", range(3))
        second = _feed(server, "나일보", range(3, 6))
        with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "w1", concurrency=1) as worker:

            def ingested(source: Source):
                def done() -> bool:
                    stored = Article.objects.filter(source=source)
                    return (
                        stored.count() == 3
                        and not stored.filter(matched_at__isnull=True).exists()
                        and queues_idle(broker)
                    )

                return done

            poll_source_task.delay(first.pk)
            wait_for(ingested(first), timeout=60, what="the first feed", workers=[worker])
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                )
                assert cursor.fetchall(), "the worker kept no session to end"
            poll_source_task.delay(second.pk)
            wait_for(ingested(second), timeout=60, what="the second feed", workers=[worker])
            log = worker.log()
    assert "OperationalError" not in log and "InterfaceError" not in log
