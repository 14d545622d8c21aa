"""Ingestion throughput and latency through real Celery workers (make bench-ingest).

A backlog of BENCH_ARTICLES (default 2,000) synthetic Korean articles, listed in 10 RSS feeds and
served by a local HTTP server, goes through one worker process, then two: fetch, decode,
extract, store, match. Prints articles/s for each and the scaling ratio (with the load average:
on a machine shared with other work the ratio means little), the CPU time per article of the
workers, of PostgreSQL and of the feed server, then the latency from an
article appearing in a feed to its suggestion being in the review queue (Evidence row), with the
feed polled at once (beat adds up to FEED_POLL_SECONDS on top of it).

The workers run bench/ingest_trace.py (the project's app with timers around an article's steps),
and each pair of runs prints where the pool processes' wall time per article went, phase by
phase (wall / CPU ms; --detail: every phase; --no-breakdown: the plain app). BENCH_ROUNDS=n runs
1 and 2 workers n times, alternately first; --pg-waits samples PostgreSQL's wait events (its own
session then counts in the PostgreSQL CPU figure). The tables are vacuumed between runs.

Uses the PostgreSQL database tracker_bench_ingest (BENCH_INGEST_DB; created, migrated, flushed)
and Redis db 14 (BENCH_REDIS_URL; flushed).
Prints figures; never fails on slowness.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# Its own database, flushed on every run: BENCH_INGEST_DB names another one (helpers running
# benchmarks side by side must not share it).
DB_NAME = os.environ.get("BENCH_INGEST_DB", "tracker_bench_ingest")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "2000"))
FEEDS = 10
LATENCY_ARTICLES = 20
DEADLINE_SECONDS = float(os.environ.get("BENCH_DEADLINE_SECONDS", "1800"))
# 1 then 2 worker processes, this many times, alternately (wall-clock ratios are noisy).
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
# Where each article's time goes in the workers (bench/ingest_trace.py); --no-breakdown runs
# the plain project app instead, to check what the timers cost.
BREAKDOWN = "--no-breakdown" not in sys.argv[1:]
# Sample what PostgreSQL's sessions of the bench database are doing (wait events), every 10 ms.
PG_WAITS = "--pg-waits" in sys.argv[1:]
TRACE_KEY = "bench:trace"

os.environ.update(
    {
        "DATABASE_URL": f"{PG_BASE}/{DB_NAME}",
        "REDIS_URL": REDIS,
        "DEBUG": "1",
        "INGEST_ALLOW_PRIVATE_ADDRESSES": "1",
        # Every feed and page is on the one loopback server: the bench measures the pipeline,
        # so the per-host politeness limits (production: 2 at once, 1 s apart) are lifted.
        "INGEST_HOST_MIN_INTERVAL": "0",
        "INGEST_HOST_MAX_CONCURRENT": "64",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "LOG_LEVEL": "WARNING",
    }
)


def create_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


create_database()

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
import redis  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from pledges.demo_data import load_gwangju_demo  # noqa: E402
from pledges.models import Article, Evidence, SimilarityKey, Source  # noqa: E402
from pledges.tests.http_fixture import (  # noqa: E402
    LocalServer,
    Response,
    html_page,
    rss_feed,
    synthetic_article,
)
from tracker.celery import app  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import ingest_breakdown  # noqa: E402

CELERY = Path(sys.executable).with_name("celery")


def article_route(number: int, *, mention: bool) -> tuple[str, Response]:
    title, lines = synthetic_article(number, mention_pledge=mention)
    return title, Response(html_page(title, lines), headers={"Content-Type": "text/html"})


class Backlog:
    def __init__(self, server: LocalServer):
        self.server = server
        self.items: dict[int, list[dict]] = {f: [] for f in range(FEEDS)}
        self.appeared: dict[str, float] = {}

    def add(self, number: int, *, mention: bool, feed: int) -> str:
        path = f"/news/{number}"
        title, response = article_route(number, mention=mention)
        self.server.routes[path] = response
        self.items[feed].insert(0, {"title": title, "link": self.server.url(path)})
        self.publish(feed)
        self.appeared[self.server.url(path)] = time.time()
        return path

    def publish(self, feed: int) -> None:
        body = rss_feed(f"벤치일보 {feed}", self.items[feed])
        self.server.routes[f"/feed/{feed}"] = Response(
            body, headers={"Content-Type": "application/rss+xml"}
        )


def start_workers(count: int, log_dir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "CELERY_VISIBILITY_TIMEOUT": "600"}
    workers = []
    for n in range(count):
        log = open(log_dir / f"bench-worker-{n}.log", "ab")
        workers.append(
            subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    # The project's app with timers around an article's steps (breakdown).
                    "bench.ingest_trace" if BREAKDOWN else "tracker",
                    "worker",
                    "-Q",
                    "fetch,match",
                    "--pool",
                    "prefork",
                    "-c",
                    "1",
                    "-n",
                    f"bench{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0)
        if len(replies) >= count:
            break
    time.sleep(2)  # pool processes load the Kiwi model at start
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


class CpuMeter:
    """CPU seconds spent during a run by the worker processes (and their pool children), by
    this process (the feed and page server, the progress polling) and by the PostgreSQL
    backends serving the bench database: where the machine's cores went, per article."""

    def __init__(self, workers: list[subprocess.Popen]):
        self.workers = [psutil.Process(w.pid) for w in workers]
        self.backends: dict[int, tuple[float, float]] = {}  # pid -> (first seen, last seen)
        self.own = self._cpu(psutil.Process())
        self.worker_start = self._workers()
        # Redis serves every helper on the machine too: its figure is an upper bound.
        self.redis = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "redis-server"]
        self.redis_start = sum(self._cpu(p) for p in self.redis)
        self.sample(first=True)

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system

    def _workers(self) -> float:
        total = 0.0
        for worker in self.workers:
            try:
                processes = [worker, *worker.children(recursive=True)]
            except psutil.Error:
                continue
            total += sum(self._cpu(process) for process in processes)
        return total

    def sample(self, first: bool = False) -> None:
        """Read the CPU time of the bench database's backends (called while the run goes on:
        a backend that closes keeps the last figure read)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [DB_NAME],
            )
            pids = [row[0] for row in cursor.fetchall()]
        for pid in pids:
            try:
                seconds = self._cpu(psutil.Process(pid))
            except psutil.Error:  # gone meanwhile
                continue
            if not seconds:
                continue
            seen = self.backends.get(pid)
            # A backend first seen after the start did all its work in the run.
            self.backends[pid] = (seen[0] if seen else (seconds if first else 0.0), seconds)

    def report(self, articles: int) -> str:
        self.sample()
        workers = self._workers() - self.worker_start
        own = self._cpu(psutil.Process()) - self.own
        database = sum(last - first for first, last in self.backends.values())
        redis_cpu = sum(self._cpu(p) for p in self.redis) - self.redis_start
        per = 1000 / max(articles, 1)
        total = (workers + database + own + redis_cpu) * per
        return (
            f"CPU per article: workers {workers * per:.1f} ms, PostgreSQL {database * per:.1f} ms, "
            f"Redis {redis_cpu * per:.1f} ms, feed server and bench {own * per:.1f} ms; "
            f"all {total:.1f} ms: at most {1000 * (os.cpu_count() or 1) / max(total, 0.001):.0f} "
            f"articles/s on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}"
        )


def wait_until(predicate, label: str, deadline_seconds: float, meter=None) -> bool:
    start = time.monotonic()
    last = 0.0
    while time.monotonic() - start < deadline_seconds:
        close_old_connections()
        if meter is not None:
            meter.sample()
        done, progress = predicate()
        if done:
            return True
        if time.monotonic() - last > 10:
            print(f"  … {label}: {progress}", flush=True)
            last = time.monotonic()
        time.sleep(0.5)
    print(f"  gave up waiting for {label} after {deadline_seconds:.0f}s")
    return False


def reset(broker: redis.Redis, sources: list[Source]) -> None:
    Article.objects.filter(source__in=sources).delete()
    Source.objects.filter(pk__in=[s.pk for s in sources]).update(
        etag="", last_modified="", next_poll_at=None, consecutive_failures=0, last_error=""
    )
    broker.flushdb()
    # The deleted rows of the previous run are dead index entries until a vacuum: without one,
    # the second run of a pair would search through them and the first would not.
    with connection.cursor() as cursor:
        for model in (SimilarityKey, Evidence, Article):
            cursor.execute(f"VACUUM {model._meta.db_table}")


def backlog_run(workers: int, sources, broker, log_dir, server):
    """One backlog through ``workers`` worker processes: (articles/s or None, breakdown)."""
    from pledges.tasks import poll_source_task

    reset(broker, sources)
    ingest_breakdown.clear(broker, TRACE_KEY)
    load_before = os.getloadavg()[0]
    procs = start_workers(workers, log_dir)
    sampler = None
    try:
        articles = Article.objects.filter(source__in=sources)
        meter = CpuMeter(procs)
        visits_before = len(server.visits)
        if PG_WAITS:
            sampler = ingest_breakdown.WaitSampler(f"{PG_BASE}/{DB_NAME}", DB_NAME).__enter__()
        started = time.monotonic()
        for source in sources:
            poll_source_task.delay(source.pk)

        def done():
            stored = articles.count()
            unmatched = articles.filter(matched_at__isnull=True, duplicate_of__isnull=True).count()
            return stored >= ARTICLES and unmatched == 0, f"{stored} stored, {unmatched} unmatched"

        finished = wait_until(done, f"{workers} worker(s)", DEADLINE_SECONDS, meter)
        elapsed = time.monotonic() - started
        if sampler is not None:
            sampler.__exit__()
        stored = articles.count()
        rate = stored / elapsed if elapsed else 0.0
        status = "" if finished else " (incomplete)"
        print(
            f"{workers} worker process(es): {stored} articles in {elapsed:.1f} s = "
            f"{rate:.1f} articles/s{status}; load average {load_before:.1f} → "
            f"{os.getloadavg()[0]:.1f}",
            flush=True,
        )
        print(f"  {meter.report(stored)}", flush=True)
        visits = server.visits[visits_before:]
        if visits:
            handling = sum(answered - begun for _path, begun, answered in visits)
            print(
                f"  feed server: {len(visits)} requests, {1000 * handling / len(visits):.2f} ms "
                "each from request line to the answer going out",
                flush=True,
            )
        if sampler is not None:
            print(sampler.report(), flush=True)
    finally:
        stop_workers(procs)
    breakdown = None
    if BREAKDOWN:
        breakdown = ingest_breakdown.read(broker, TRACE_KEY, workers=workers, articles=stored)
        print(
            f"  tasks run: {dict(breakdown.tasks)}; pool processes' wall time accounted: "
            f"{breakdown.total_wall:.1f} ms per article",
            flush=True,
        )
    return (rate if finished else None), breakdown


def latency_run(backlog: Backlog, sources, broker, log_dir) -> None:
    from pledges.tasks import poll_source_task

    procs = start_workers(2, log_dir)
    try:
        urls = []
        for n in range(LATENCY_ARTICLES):
            path = backlog.add(ARTICLES + n, mention=True, feed=0)
            urls.append(backlog.server.url(path))
        poll_source_task.delay(sources[0].pk)  # what beat does at its next tick

        def done():
            with_evidence = Evidence.objects.filter(article__canonical_url__in=urls).values(
                "article__canonical_url"
            )
            found = {row["article__canonical_url"] for row in with_evidence}
            return len(found) == len(urls), f"{len(found)}/{len(urls)} suggested"

        wait_until(done, "latency articles", 120)
        first_suggestion: dict[str, float] = {}
        for evidence in Evidence.objects.filter(article__canonical_url__in=urls).select_related(
            "article"
        ):
            url = evidence.article.canonical_url
            created = evidence.created_at.timestamp()
            first_suggestion[url] = min(created, first_suggestion.get(url, created))
        latencies = [created - backlog.appeared[url] for url, created in first_suggestion.items()]
        if latencies:
            latencies.sort()
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            print(
                f"latency feed → suggestion (feed polled at once, 2 workers, "
                f"{len(latencies)} articles): median {statistics.median(latencies):.2f} s, "
                f"p95 {p95:.2f} s, max {latencies[-1]:.2f} s "
                f"(+ up to FEED_POLL_SECONDS until beat polls the feed)"
            )
    finally:
        stop_workers(procs)


def main() -> None:
    print(
        f"bench-ingest: {ARTICLES} articles in {FEEDS} feeds; DB {DB_NAME}, Redis {REDIS}; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    load_gwangju_demo()
    broker = redis.Redis.from_url(REDIS)
    log_dir = Path(tempfile.gettempdir()) / "bench_ingest_logs"
    log_dir.mkdir(exist_ok=True)
    print(f"worker logs in {log_dir}")
    with LocalServer() as server:
        backlog = Backlog(server)
        for number in range(ARTICLES):
            path = f"/news/{number}"
            title, response = article_route(number, mention=number % 5 == 0)
            server.routes[path] = response
            backlog.items[number % FEEDS].append({"title": title, "link": server.url(path)})
        for feed in range(FEEDS):
            backlog.publish(feed)
        sources = [
            Source.objects.create(
                name=f"벤치일보 {feed}", kind=Source.Kind.FEED, feed_url=server.url(f"/feed/{feed}")
            )
            for feed in range(FEEDS)
        ]
        print(f"serving at {server.base}; started {timezone.now():%H:%M:%S}", flush=True)
        ratios = []
        for round_number in range(ROUNDS):
            # Alternate which goes first: the second run of a round meets a warmer machine.
            order = (1, 2) if round_number % 2 == 0 else (2, 1)
            rates, breakdowns = {}, {}
            for workers in order:
                rates[workers], breakdowns[workers] = backlog_run(
                    workers, sources, broker, log_dir, server
                )
            if rates[1] and rates[2]:
                ratios.append(rates[2] / rates[1])
                print(
                    f"scaling 1 → 2 worker processes: ×{ratios[-1]:.2f} "
                    f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)",
                    flush=True,
                )
            if breakdowns[1] and breakdowns[2]:
                print(
                    ingest_breakdown.table(
                        [breakdowns[1], breakdowns[2]], detail="--detail" in sys.argv[1:]
                    ),
                    flush=True,
                )
        if len(ratios) > 1:
            print(
                f"scaling over {len(ratios)} rounds: median ×{statistics.median(ratios):.2f} "
                f"({', '.join(f'×{r:.2f}' for r in ratios)})",
                flush=True,
            )
        latency_run(backlog, sources, broker, log_dir)
    suggested = Evidence.objects.filter(article__source__in=sources).count()
    print(f"suggestions in the queue: {suggested}")
    broker.flushdb()


if __name__ == "__main__":
    main()
