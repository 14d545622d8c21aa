"""Real Celery workers (prefork, separate processes) on real Redis and PostgreSQL.

Each test starts ``celery -A tracker worker -Q fetch,match`` against the test database (data is
committed: transactional_db) and a dedicated Redis database (/15, flushed), fed by a local HTTP
server. Workers are always killed in ``finally``. Skipped without PostgreSQL/Redis on a laptop,
failed in CI.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from pledges import review
from pledges.matching import suggest_evidence_for_article
from pledges.models import Article, Evidence, Pledge, ReviewState, Source
from pledges.tests.factories import ArticleFactory
from pledges.tests.http_fixture import (
    LocalServer,
    Response,
    atom_feed,
    html_page,
    rss_feed,
    synthetic_article,
)
from pledges.tests.ingest_samples import AI_CENTER, SEED_PAGE, SHORT_PAGE, WEATHER
from tracker.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]

CELERY = Path(sys.executable).with_name("celery")
# Another Redis database per concurrent test run (TEST_REDIS_DB), so parallel runs never meet.
TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))


def redis_url_for(db: int) -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def database_url() -> str:
    """The test database (not the development one) as a URL for the worker processes."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _use_broker(url: str) -> None:
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(require_postgres, require_redis, transactional_db):
    """Redis db 15, empty; tasks sent from this process go there too."""
    url = redis_url_for(TEST_REDIS_DB)
    client = redis.Redis.from_url(url)
    client.flushdb()
    previous = app.conf.broker_url
    _use_broker(url)
    try:
        yield client
    finally:
        _use_broker(previous)
        client.flushdb()


class Worker:
    """One ``celery worker`` process group; killed (never left behind) on exit."""

    def __init__(
        self,
        broker_url: str,
        log_dir: Path,
        name: str,
        concurrency: int = 2,
        env: dict[str, str] | None = None,
    ):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pledges.tests.worker_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "DEBUG": "1",
            "INGEST_ALLOW_PRIVATE_ADDRESSES": "1",
            "INGEST_TIMEOUT_SECONDS": "1",
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "LOG_LEVEL": "WARNING",
            # One loopback host serves every page: no interval unless a test asks for one.
            "INGEST_HOST_MIN_INTERVAL": "0",
            **(env or {}),
        }
        self.command = [
            str(CELERY),
            "-A",
            "tracker",
            "worker",
            "-Q",
            "fetch,match",
            "--pool",
            "prefork",
            "-c",
            str(concurrency),
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL to the whole process group: the main process and its pool children."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        elif self.process is not None:
            try:  # the main process is gone; its children may not be
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._log.close()

    def __exit__(self, *exc) -> None:
        self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


# These tests check what the workers do, not how fast: on a loaded 2-core machine four workers
# loading the Korean model take far longer than on a quiet one, so every wait is stretched (a
# passing test returns as soon as its condition holds; only a failing one waits the whole time).
WAIT_SCALE = float(os.environ.get("WORKER_TEST_WAIT_SCALE", "4"))


def wait_for(predicate, *, timeout: float, what: str, workers=(), status=None) -> None:
    timeout *= WAIT_SCALE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    logs = "\n".join(f"--- {w.name}\n{w.log()}" for w in workers)
    state = f"state: {status()}\n" if status else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n{state}{logs}")


def queues_idle(client: redis.Redis) -> bool:
    return client.llen("fetch") == 0 and client.llen("match") == 0 and client.hlen("unacked") == 0


def _html(title: str, lines: list[str], charset: str = "utf-8") -> Response:
    return Response(
        html_page(title, lines, charset=charset),
        headers={"Content-Type": f"text/html; charset={charset}"},
    )


def _wire_copy(lines: list[str]) -> list[str]:
    return ["[시험통신 제공]", *lines, "시험통신 기자 · 무단 전재 금지"]


# 똠 햏 뷁 쀍 exist only in CP949, the superset that "EUC-KR" servers really send.
HANGUL = "주말 나들이객은 똠방각하 햏 뷁 쀍 같은 옛말을 떠올렸다."
BAD_PATHS = ["/a/slow", "/a/500", "/a/loop", "/a/huge", "/a/binary"]


def test_feeds_through_a_real_worker(broker, demo_data, tmp_path):
    routes = {
        "/a/1": _html("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER),
        "/a/2": _html("내일 날씨 " + HANGUL[-5:], [*WEATHER, HANGUL], charset="euc-kr"),
        "/a/slow": Response(b"late", delay=3.0, headers={"Content-Type": "text/html"}),
        "/a/500": Response(b"error", 500),
        "/a/loop": Response(status=302, headers={"Location": "/a/loop2"}),
        "/a/loop2": Response(status=302, headers={"Location": "/a/loop"}),
        "/a/huge": Response(headers={"Content-Type": "text/html"}, chunked_size=50 * 2**20),
        "/a/binary": Response(
            b"\x89PNG\r\n\x1a\n" + bytes(2000), headers={"Content-Type": "image/png"}
        ),
        "/b/1": _html("국가AI컴퓨팅센터 유치 나선 광주", _wire_copy(AI_CENTER)),
        "/b/2": _html(*synthetic_article(7, mention_pledge=False)),
        "/broken": Response(
            b"<rss><channel><item><title>x</title", headers={"Content-Type": "application/rss+xml"}
        ),
    }
    with LocalServer(routes) as server:
        titles = {"/a/2": "내일 날씨 " + HANGUL[-5:]}
        rss_items = [
            {"title": titles.get(p, p), "link": server.url(p)} for p in ["/a/1", "/a/2", *BAD_PATHS]
        ]
        atom_items = [{"title": p, "link": server.url(p)} for p in ["/b/1", "/b/2"]]
        server.routes["/rss"] = Response(rss_feed("가일보", rss_items))
        server.routes["/atom"] = Response(atom_feed("나일보", atom_items))
        rss = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/rss"))
        atom = Source.objects.create(name="나일보", kind="feed", feed_url=server.url("/atom"))
        broken = Source.objects.create(name="깨진일보", kind="feed", feed_url=server.url("/broken"))
        from pledges.tasks import poll_source_task

        good = {server.url(p) for p in ["/a/1", "/a/2", "/b/1", "/b/2"]}

        def done() -> bool:
            rss.refresh_from_db()
            stored = set(Article.objects.values_list("canonical_url", flat=True))
            unmatched = Article.objects.filter(
                matched_at__isnull=True, duplicate_of__isnull=True
            ).exclude(pk=demo_data.article.pk)
            return (
                stored >= good
                and not unmatched.exists()
                and all(p in rss.last_error for p in BAD_PATHS)
                and queues_idle(broker)
            )

        with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "w1") as worker:
            for source in (rss, atom, broken):
                poll_source_task.delay(source.pk)
            wait_for(
                done,
                timeout=50,
                what="the feeds to be ingested",
                workers=[worker],
                status=lambda: (
                    list(Article.objects.values_list("canonical_url", "matched_at")),
                    rss.last_error,
                    broker.llen("fetch"),
                    broker.llen("match"),
                    broker.hlen("unacked"),
                ),
            )
            # Polling again (as beat would) stores nothing twice.
            for source in (rss, atom):
                poll_source_task.delay(source.pk, force=True)
            time.sleep(1)
            wait_for(lambda: queues_idle(broker), timeout=20, what="idle queues", workers=[worker])

    articles = Article.objects.exclude(pk=demo_data.article.pk)
    assert sorted(articles.values_list("canonical_url", flat=True)) == sorted(good)
    euc = articles.get(canonical_url=server.url("/a/2"))
    assert HANGUL in euc.body and euc.title.endswith(HANGUL[-5:])
    assert WEATHER[0] in euc.body
    first, copy = (
        articles.get(canonical_url=server.url("/a/1")),
        articles.get(canonical_url=server.url("/b/1")),
    )
    original, duplicate = (first, copy) if copy.duplicate_of_id == first.pk else (copy, first)
    assert duplicate.duplicate_of_id == original.pk  # the wire copy, whichever came second
    assert Evidence.objects.filter(
        article=original, pledge__slug="national-ai-computing-center", state=ReviewState.SUGGESTED
    ).exists()
    assert not Evidence.objects.filter(article=duplicate).exists()
    assert not Evidence.objects.filter(article=euc).exists()
    for path in BAD_PATHS:
        assert not Article.objects.filter(url__startswith=server.url(path)).exists()
    rss.refresh_from_db()
    assert rss.consecutive_failures == 0 and rss.last_success_at is not None
    broken.refresh_from_db()
    assert broken.consecutive_failures >= 1 and "malformed" in broken.last_error
    assert broken.next_poll_at is not None


def _backlog_routes(count: int, delay: float) -> tuple[dict, list[str], dict]:
    routes, paths, titles = {}, [], {}
    for number in range(count):
        path = f"/n/{number}"
        title, lines = synthetic_article(number, mention_pledge=number % 5 == 0)
        response = _html(title, lines)
        response.delay = delay
        routes[path] = response
        paths.append(path)
        titles[path] = title
    return routes, paths, titles


def test_killed_worker_loses_nothing_and_duplicates_nothing(broker, demo_data, tmp_path):
    count = 30
    routes, paths, titles = _backlog_routes(count, delay=0.4)
    with LocalServer(routes) as server:
        items = [{"title": titles[p], "link": server.url(p)} for p in paths]
        server.routes["/feed"] = Response(rss_feed("가일보", items))
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        from pledges.tasks import poll_source_task

        articles = Article.objects.filter(source=source)
        url = redis_url_for(TEST_REDIS_DB)
        with Worker(url, tmp_path, "victim") as victim:
            poll_source_task.delay(source.pk)
            wait_for(
                lambda: articles.count() >= 5,
                timeout=40,
                what="a first few articles",
                workers=[victim],
            )
            victim.kill()
        stored_at_kill = articles.count()
        assert stored_at_kill < count, "the batch finished before the kill; slow the pages down"

        def all_done() -> bool:
            return (
                articles.count() == count
                and not articles.filter(matched_at__isnull=True, duplicate_of__isnull=True).exists()
                and queues_idle(broker)
            )

        with Worker(url, tmp_path, "rescuer") as rescuer:
            wait_for(
                all_done, timeout=60, what="every article after the restart", workers=[rescuer]
            )

    stored = list(articles.values_list("canonical_url", flat=True))
    assert len(stored) == len(set(stored)) == count
    assert set(stored) == {server.url(p) for p in paths}
    mentions = articles.filter(title__startswith="광주 국가AI컴퓨팅센터")
    assert mentions.count() == count // 5
    for article in mentions:
        assert (
            Evidence.objects.filter(
                article=article, pledge__slug="national-ai-computing-center"
            ).count()
            == 1
        )


def test_same_feed_ingested_twice_concurrently_stores_each_article_once(broker, tmp_path):
    count = 20
    routes, paths, titles = _backlog_routes(count, delay=0.1)
    with LocalServer(routes) as server:
        items = [{"title": titles[p], "link": server.url(p)} for p in paths]
        server.routes["/feed"] = Response(rss_feed("가일보", items))
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        from pledges.tasks import ingest_url_task, poll_source_task

        articles = Article.objects.filter(source=source)
        with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "twice", concurrency=4) as worker:
            poll_source_task.delay(source.pk, force=True)
            poll_source_task.delay(source.pk, force=True)
            for path in paths[:5]:
                ingest_url_task.delay(server.url(path), source_id=source.pk)
                ingest_url_task.delay(server.url(path + "?utm_source=twice"), source_id=source.pk)
            wait_for(
                lambda: (
                    articles.count() == count
                    and not articles.filter(
                        matched_at__isnull=True, duplicate_of__isnull=True
                    ).exists()
                    and queues_idle(broker)
                ),
                timeout=50,
                what="the backlog",
                workers=[worker],
            )
    assert articles.count() == count
    assert articles.values("canonical_url").distinct().count() == count


def test_pages_through_the_worker(broker, demo_data, tmp_path):
    """ingest_page stores in this process and queues the matching on the worker. The seed page's
    first article is the demo article (same text): it is reused, and its confirmed evidence is
    left alone; with the demo article removed, the worker suggests it for the Gwangju pledges."""
    short = tmp_path / "short.txt"
    short.write_text(SHORT_PAGE, encoding="utf-8")
    seed = demo_data.article
    confirmed = set(Evidence.objects.filter(article=seed).values_list("pk", "state"))
    with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "pages") as worker:

        def matched(outlet: str, n: int) -> bool:
            rows = Article.objects.filter(outlet=outlet)
            return (
                rows.count() == n
                and not rows.filter(matched_at__isnull=True, duplicate_of__isnull=True).exists()
                and queues_idle(broker)
            )

        call_command(
            "ingest_page",
            str(short),
            "--outlet",
            "시험일보",
            "--published",
            "2025-06-10",
            "--enqueue",
        )
        wait_for(
            lambda: matched("시험일보", 2), timeout=40, what="the short page", workers=[worker]
        )
        ax = Article.objects.get(outlet="시험일보", title__startswith="광주시 AI 실증밸리")
        assert Evidence.objects.filter(article=ax, pledge__slug="ax-demonstration-valley").exists()
        tourism = Article.objects.get(outlet="시험일보", title__startswith="전남 해안")
        assert not Evidence.objects.filter(article=tourism).exists()

        call_command(
            "ingest_page",
            str(SEED_PAGE),
            "--outlet",
            "광주일보",
            "--published",
            "2025-06-10",
            "--enqueue",
        )
        wait_for(lambda: matched("광주일보", 3), timeout=40, what="the seed page", workers=[worker])
        assert set(Evidence.objects.filter(article=seed).values_list("pk", "state")) == confirmed
        others = Article.objects.filter(outlet="광주일보").exclude(pk=seed.pk)
        assert not Evidence.objects.filter(article__in=others).exists()

        Article.objects.filter(outlet="광주일보").delete()
        call_command(
            "ingest_page",
            str(SEED_PAGE),
            "--outlet",
            "광주일보",
            "--published",
            "2025-06-10",
            "--enqueue",
        )
        wait_for(
            lambda: matched("광주일보", 3), timeout=40, what="the seed page again", workers=[worker]
        )
    fresh = Article.objects.get(outlet="광주일보", byline="정병호")
    suggested = set(
        Evidence.objects.filter(article=fresh, state=ReviewState.SUGGESTED).values_list(
            "pledge__slug", flat=True
        )
    )
    assert {"national-ai-computing-center", "ax-demonstration-valley"} <= suggested


def test_editor_submits_a_url_in_the_admin_with_a_real_worker(broker, admin_client, tmp_path):
    """With REDIS_URL set (not eager) the admin queues the URL and says so; the worker stores
    and matches it. Eager mode once hid an HTTP 500 here (result.ready() without a backend)."""
    assert not app.conf.task_always_eager  # REDIS_URL is set: the admin must queue
    with LocalServer({"/a/1": _html("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER)}) as server:
        with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "submit") as worker:
            response = admin_client.post(
                "/admin/pledges/source/submit-url/", {"url": server.url("/a/1")}, follow=True
            )
            assert response.status_code == 200
            assert "대기열에 넣었습니다" in response.content.decode()
            wait_for(
                lambda: Article.objects.filter(canonical_url=server.url("/a/1")).exists(),
                timeout=60,
                what="the worker to store the submitted article",
                workers=[worker],
            )


def test_editors_decisions_refit_the_calibrator_on_a_real_worker(
    broker, demo_data, tmp_path, settings
):
    """Every CALIBRATOR_REFIT_EVERY reviews of machine suggestions queue one refit on the match
    queue once committed; the worker fits on the editors' decisions and stores the calibrator,
    which the next match uses."""
    settings.CALIBRATOR_REFIT_EVERY = 20
    editor = get_user_model().objects.create_superuser("refit", "refit@example.org", "pw-r-1")
    text = "광주시가 추진하는 AX 실증밸리 조성사업이 예비타당성조사 면제를 받았다."
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "refit") as worker:
        for n in range(20):
            outlet = "믿을일보" if n % 2 else "홍보일보"
            body = f"{text} {outlet} {n}호."
            article = ArticleFactory(
                title="광주 AX실증밸리 예타 면제", body=body, normalized_body=body, outlet=outlet
            )
            [evidence] = suggest_evidence_for_article(article=article)
            if n % 2:
                review.confirm_evidence(evidence=evidence, reviewer=editor)
            else:
                review.reject_evidence(evidence=evidence, reviewer=editor, reason="홍보 기사")

        def refitted() -> bool:
            pledge.refresh_from_db()
            return bool(pledge.match_calibrator.get("fitted"))

        wait_for(refitted, timeout=60, what="the worker to refit the calibrator", workers=[worker])
    assert (pledge.match_calibrator["decisions"], pledge.match_calibrator["positives"]) == (20, 10)
    assert pledge.reviews_since_refit == 0
    body = f"{text} 홍보일보 99호."
    again = ArticleFactory(title="광주 AX실증밸리 예타 면제", body=body, normalized_body=body)
    for evidence in suggest_evidence_for_article(article=again):
        assert evidence.score != evidence.match_features["rule_score"]


DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every send is refused


def test_articles_stored_while_the_broker_is_down_are_matched_by_the_sweep(
    broker, demo_data, tmp_path
):
    """The broker refuses the on-commit `match` message: the import still succeeds (the rows
    are stored; a lost message is no failed ingest). Once the broker is back, the sweep on the
    worker finds the unmatched articles and the worker matches them."""
    from pledges.ingest.pipeline import requeue_unmatched_articles
    from pledges.tasks import requeue_unmatched_articles_task

    data = tmp_path / "articles.jsonl"
    rows = [
        {"url": "https://a.kr/ai", "title": "광주 국가AI컴퓨팅센터 유치 총력", "text": AI_CENTER},
        {"url": "https://a.kr/weather", "title": "내일 날씨", "text": WEATHER},
    ]
    data.write_text(
        "".join(json.dumps({**r, "text": "\n".join(r["text"])}) + "\n" for r in rows),
        encoding="utf-8",
    )
    with Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "sweeper") as worker:
        _use_broker(DEAD_BROKER)
        try:
            call_command("import_articles", str(data), "--enqueue")  # no CommandError: stored
        finally:
            _use_broker(redis_url_for(TEST_REDIS_DB))
        stored = Article.objects.filter(canonical_url__startswith="https://a.kr/")
        assert stored.count() == 2
        assert not stored.filter(matched_at__isnull=False).exists()
        assert broker.llen("match") == 0  # no message reached Redis: nothing would match them

        # Not yet old enough for the sweep (it leaves messages on their way alone) …
        assert requeue_unmatched_articles() == []
        # … an hour later it is.
        Article.objects.filter(pk__in=stored.values("pk")).update(
            fetched_at=timezone.now() - dt.timedelta(hours=1)
        )
        requeue_unmatched_articles_task.delay()  # what beat sends every UNMATCHED_SWEEP_SECONDS
        wait_for(
            lambda: not stored.filter(matched_at__isnull=True).exists() and queues_idle(broker),
            timeout=60,
            what="the sweep to get the articles matched",
            workers=[worker],
        )
    ai = stored.get(canonical_url="https://a.kr/ai")
    assert Evidence.objects.filter(
        article=ai, pledge__slug="national-ai-computing-center", state=ReviewState.SUGGESTED
    ).exists()
    assert requeue_unmatched_articles() == []  # swept once, not again


def test_two_workers_obey_robots_crawl_delay_and_the_per_host_limit(broker, tmp_path):
    """Two worker machines (processes), four fetch slots, one polite host: robots.txt's
    disallowed paths are never requested, fetches start at least Crawl-delay apart and at
    most the source's limit run at once."""
    from pledges.models import FailureKind, IngestFailure
    from pledges.tasks import poll_source_task

    # Pages answer in 2.5 s, so without the limit of 2 a third fetch would start after 2 s.
    crawl_delay = 1.0
    routes, paths, _titles = _backlog_routes(8, delay=2.5)
    routes["/robots.txt"] = Response(
        f"User-agent: *\nDisallow: /private/\nCrawl-delay: {crawl_delay}\n".encode(),
        headers={"Content-Type": "text/plain"},
    )
    private = ["/private/1", "/private/2"]
    for path in private:
        routes[path] = _html("비공개", AI_CENTER)
    with LocalServer(routes) as server:
        items = [{"title": p, "link": server.url(p)} for p in [*paths, *private]]
        server.routes["/rss"] = Response(rss_feed("가일보", items))
        source = Source.objects.create(
            name="가일보", kind="feed", feed_url=server.url("/rss"), max_concurrent_fetches=2
        )

        def done() -> bool:
            return (
                Article.objects.count() == len(paths)
                and IngestFailure.objects.count() == len(private)
                and queues_idle(broker)
            )

        env = {"WARM_KIWI_ON_WORKER_START": "0", "INGEST_TIMEOUT_SECONDS": "5"}
        with (
            Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "w1", env=env) as first,
            Worker(redis_url_for(TEST_REDIS_DB), tmp_path, "w2", env=env) as second,
        ):
            poll_source_task.delay(source.pk)
            wait_for(
                done,
                timeout=90,
                what="the feed to be ingested politely",
                workers=[first, second],
                status=lambda: (Article.objects.count(), server.hits),
            )
    assert not any(hit.startswith("/private/") for hit in server.hits)
    assert server.max_in_flight("/n/") == 2
    starts = server.start_times("/n/") + server.start_times("/rss")
    starts.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # Slots are granted Crawl-delay apart by Redis's clock; the server sees each request a
    # little later, by however long the worker took to connect and send on a loaded machine.
    assert min(gaps) >= crawl_delay - 0.15, gaps
    assert set(IngestFailure.objects.values_list("kind", flat=True)) == {FailureKind.ROBOTS}
