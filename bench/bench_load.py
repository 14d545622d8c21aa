"""Load benchmark: 60 s at 100 connections against gunicorn on loopback (make bench-load).

    make bench-load            # python bench/bench_load.py

Serves the app as production does (DEBUG=0, gunicorn, WhiteNoise, PostgreSQL) on 127.0.0.1 and
drives it with a bounded client in this process: BENCH_LOAD_CONNECTIONS threads (default 100),
each with one keep-alive connection that reconnects when the server closes it, for
BENCH_LOAD_SECONDS (default 60), with a mix of what readers fetch:

    the list page (plain, filtered, searched, English), pledge pages, /statuses/, the Atom
    feeds, the data dictionary, small exports (CSV and JSON, one pledge), the pledges table,
    and now and then the whole evidence table (CSV).

Prints throughput, latency p50/p95/p99 per kind and overall, status counts (5xx and connection
errors are errors), and the peak resident memory of the gunicorn workers (each, and all together;
sampled every 0.2 s). Exits 1 when there was any error; never fails on slowness.

Data: its own database (BENCH_LOAD_DATABASE_URL, else the server of DATABASE_URL with the
database `tracker_bench_load`), seeded once with the web benchmark's size: 300 published pledges
with a status history, budget figures and milestones, 50,000 articles and 20,000 evidence rows
(18,000 confirmed). Only loopback addresses are used.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "100"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "3"))
REQUEST_TIMEOUT = 60.0
PLEDGES, ARTICLES, EVIDENCE = 300, 50_000, 20_000
CODE_PREFIX = "LOAD-"
HOST = "127.0.0.1"  # loopback only


def bench_database_url(variable: str = "BENCH_LOAD_DATABASE_URL", name: str = "tracker_bench_load"):
    """The benchmark's own database: ``variable`` if set, else ``name`` on DATABASE_URL's server."""
    if os.environ.get(variable):
        return os.environ[variable]
    base = os.environ.get("DATABASE_URL", "").strip()
    if not base.startswith(("postgres://", "postgresql://")):
        return f"postgres://postgres@127.0.0.1:5432/{name}"
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> list[str]:
    """The bench pledges' slugs; creates the data set the first time."""
    from django.db import connection, transaction
    from django.utils import timezone

    from pledges.budget_totals import refresh_budget_totals
    from pledges.models import (
        Article,
        BudgetFigure,
        Category,
        Evidence,
        Jurisdiction,
        Milestone,
        Pledge,
        Promiser,
        Status,
    )
    from pledges.review import record_status_change

    pledges = Pledge.objects.filter(code__startswith=CODE_PREFIX)
    if pledges.count() == PLEDGES and Evidence.objects.filter(pledge__in=pledges).count() == (
        EVIDENCE
    ):
        print(f"bench data present: {PLEDGES} pledges, {EVIDENCE:,} evidence rows")
        return list(pledges.order_by("code").values_list("slug", flat=True))
    started = time.perf_counter()
    rng = random.Random(12)
    now = timezone.now()
    with transaction.atomic():
        Evidence.objects.filter(pledge__in=pledges).delete()
        pledges.delete()
        Article.objects.filter(canonical_url__startswith="https://load.example.org/").delete()
        promisers = [
            Promiser.objects.get_or_create(slug=s, defaults={"name": n, "role": r})[0]
            for s, n, r in [
                ("load-president", "이재명", "대통령"),
                ("load-mayor", "강기정", "시장"),
            ]
        ]
        regions = [
            Jurisdiction.objects.get_or_create(slug=s, defaults={"name": n})[0]
            for s, n in [("load-gwangju", "광주광역시"), ("load-jeonnam", "전라남도")]
        ]
        categories = [
            Category.objects.get_or_create(slug=f"load-cat-{i}", defaults={"name": n})[0]
            for i, n in enumerate(["AI·디지털", "교통", "복지", "환경", "문화"])
        ]
        created = Pledge.objects.bulk_create(
            Pledge(
                code=f"{CODE_PREFIX}{i:03d}",
                slug=f"load-pledge-{i}",
                title=f"부하 시험 공약 {i}: 광주 AI 집적단지 {i % 7}단계",
                original_text="부하 시험용 공약 원문. " * 20,
                summary="부하 시험용 공약 요약",
                promiser=promisers[i % 2],
                jurisdiction=regions[i % 2],
                category=categories[i % 5],
                is_published=True,
            )
            for i in range(PLEDGES)
        )
        articles = Article.objects.bulk_create(
            (
                Article(
                    outlet=["광주일보", "무등일보", "전남일보"][i % 3],
                    url=f"https://load.example.org/news/{i}",
                    canonical_url=f"https://load.example.org/news/{i}",
                    title=f"광주 AI 집적단지 {i % 7}단계 사업 기사 {i}",
                    published_at=now - dt.timedelta(minutes=37 * i),
                    body=f"광주시가 AI 집적단지 사업을 추진한다. 국비 {i % 900}억 원. 기사 {i}.",
                    normalized_body=f"광주시가 AI 집적단지 사업을 추진한다. 기사 {i}.",
                    content_hash=f"{i:064x}",
                    byline="부하 기자",
                )
                for i in range(ARTICLES)
            ),
            batch_size=2000,
        )
        pairs = set()
        while len(pairs) < EVIDENCE:
            pairs.add((rng.randrange(ARTICLES), rng.randrange(PLEDGES)))
        Evidence.objects.bulk_create(
            (
                Evidence(
                    article=articles[a],
                    pledge=created[p],
                    state="confirmed" if n % 10 else "suggested",
                    score=0.8,
                    snippet=f"광주 AI 집적단지 {p % 7}단계, 국비 {a % 900}억 원",
                    matched_terms=["AI 집적단지"],
                    reviewed_at=now if n % 10 else None,
                )
                for n, (a, p) in enumerate(sorted(pairs))
            ),
            batch_size=2000,
        )
        figures, milestones = [], []
        for i, pledge in enumerate(created):
            for stage, funder, amount in [
                ("planned", "total", 900_000_000_000 + i),
                ("planned", "national", 600_000_000_000),
                ("secured", "national", 95_700_000_000),
            ]:
                figures.append(
                    BudgetFigure(
                        pledge=pledge,
                        stage=stage,
                        funder=funder,
                        amount_krw=amount,
                        as_of=dt.date(2025, 6, 10),
                        state="confirmed",
                    )
                )
            milestones += [
                Milestone(pledge=pledge, kind="design", title="기본설계", planned_date=dt.date(2026, 3, 1)),
                Milestone(pledge=pledge, kind="groundbreaking", title="착공", planned_date=dt.date(2027, 1, 1)),
            ]  # fmt: skip
        BudgetFigure.objects.bulk_create(figures)
        Milestone.objects.bulk_create(milestones)
        refresh_budget_totals(pledge.pk for pledge in created)  # as the figure actions do
    for i, pledge in enumerate(created):
        record_status_change(
            pledge=pledge,
            to_status=[Status.IN_PROGRESS, Status.STALLED, Status.PARTIALLY_KEPT][i % 3],
            effective_date=dt.date(2025, 6, 10),
            rationale="부하 시험용 평가 근거",
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {PLEDGES} pledges, {ARTICLES:,} articles, {EVIDENCE:,} evidence rows in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    return [p.slug for p in created]


def request_mix(slugs: list[str]) -> list[tuple[str, float, callable]]:
    """(kind, weight, path maker): what readers of the site ask for, and how often."""
    one = lambda: random.choice(slugs)  # noqa: E731
    return [
        ("list /", 20, lambda: "/"),
        ("list filtered", 8, lambda: random.choice(["/?status=stalled", "/?category=load-cat-2"])),
        ("list search", 4, lambda: "/?q=" + quote("AI 집적단지 3단계")),
        ("list /en/", 4, lambda: "/en/"),
        ("pledge page", 30, lambda: f"/pledges/{one()}/"),
        ("statuses", 4, lambda: "/statuses/"),
        ("atom /feed/", 5, lambda: "/feed/"),
        ("atom pledge", 5, lambda: f"/pledges/{one()}/feed/"),
        ("export index", 2, lambda: "/export/"),
        ("export evidence 1 pledge csv", 6, lambda: f"/export/evidence.csv?pledge={one()}"),
        ("export evidence 1 pledge json", 4, lambda: f"/export/evidence.json?pledge={one()}"),
        ("export pledges csv", 3, lambda: "/export/pledges.csv"),
        ("export status_changes csv", 2, lambda: "/export/status_changes.csv"),
        ("export evidence all csv", 1, lambda: "/export/evidence.csv"),
    ]


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter] = defaultdict(Counter)
        self.bytes = 0

    def add(self, kind: str, status: str, seconds: float, size: int) -> None:
        with self.lock:
            self.status[kind][status] += 1
            self.latency[kind].append(seconds)
            self.bytes += size


def client(
    port: int, mix, stop_at: float, results: Results, seed: int, headers: dict | None = None
) -> None:
    headers = headers or {"Accept-Language": "ko"}
    rng = random.Random(seed)
    kinds = [k for k, _, _ in mix]
    weights = [w for _, w, _ in mix]
    makers = {k: m for k, _, m in mix}
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        path = makers[kind]()
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            size = 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
            status = str(response.status)
            if response.will_close:
                conn.close()  # reconnects on the next request
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            status, size = f"error: {type(error).__name__}", 0
        results.add(kind, status, time.perf_counter() - started, size)
    conn.close()


class PeakRss(threading.Thread):
    """Peak resident memory of the gunicorn workers: the largest one, and all together."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        import psutil

        self.root = psutil.Process(pid)
        self.peak_one = self.peak_all = 0
        self.running = True

    def run(self):
        import psutil

        while self.running:
            try:
                sizes = [c.memory_info().rss for c in self.root.children(recursive=True)]
            except psutil.Error:
                sizes = []
            if sizes:
                self.peak_one = max(self.peak_one, *sizes)
                self.peak_all = max(self.peak_all, sum(sizes))
            time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(
    url: str,
    static_root: str,
    *,
    port: int | None = None,
    argv: list[str] | None = None,
    keep_redis: bool = False,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, int]:
    """gunicorn with DEBUG=0 on loopback (``port``, else a free one); ``argv`` replaces the
    worker options (default: WORKERS sync workers); with ``keep_redis`` the pages use the Redis
    cache of REDIS_URL as production does, otherwise each worker its own memory."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS is the proxy's job
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }
    if not keep_redis:
        env.pop("REDIS_URL", None)  # the pages need no broker
    env.update(extra_env or {})
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = port or int(os.environ.get("BENCH_LOAD_PORT") or 0) or free_port()
    command = [sys.executable, "-m", "gunicorn", "tracker.wsgi", "--bind", f"{HOST}:{port}"]
    command += argv or ["--workers", str(WORKERS), "--timeout", "120", "--log-level", "warning"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection(HOST, port, timeout=30)
            probe.request("GET", "/statuses/")
            probe.getresponse().read()
            probe.close()
            return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer within 120 s")


def run_clients(
    port: int, mix, seconds: float, connections: int, headers: dict | None = None
) -> tuple[Results, float]:
    """``connections`` client threads asking for ``mix`` for ``seconds``: (results, elapsed)."""
    results = Results()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [
        threading.Thread(target=client, args=(port, mix, stop_at, results, n, headers), daemon=True)
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT + 10)  # bounded: a request times out
    return results, time.monotonic() - started


def stop_gunicorn(server: subprocess.Popen) -> None:
    """Ask gunicorn to stop (its workers finish their requests), then make sure it did."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def drop_cached_pages(redis_url: str, prefix: str) -> None:
    """Delete a bench's cached pages (its own CACHE_KEY_PREFIX) from the shared Redis."""
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(results: Results, elapsed: float, rss: PeakRss) -> int:
    def row(name: str, latencies: list[float], statuses: Counter) -> None:
        errors = sum(n for s, n in statuses.items() if s.startswith(("5", "error")))
        print(
            f"{name:<32} {len(latencies):>7} {len(latencies) / elapsed:>7.1f} "
            f"{statistics.median(latencies) * 1000:>8.0f} {percentile(latencies, 0.95) * 1000:>8.0f} "
            f"{percentile(latencies, 0.99) * 1000:>8.0f} {errors:>6}  "
            + " ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
        )

    print(
        f"{'kind':<32} {'reqs':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}  statuses"
    )
    everything: list[float] = []
    total = Counter()
    for kind in sorted(results.latency, key=lambda k: -len(results.latency[k])):
        row(kind, results.latency[kind], results.status[kind])
        everything += results.latency[kind]
        total.update(results.status[kind])
    row("ALL", everything, total)
    errors = sum(n for s, n in total.items() if s.startswith(("5", "error")))
    print(
        f"\n{len(everything):,} requests in {elapsed:.1f} s = {len(everything) / elapsed:.1f} req/s "
        f"over {CONNECTIONS} connections, {results.bytes / 1e6:.0f} MB received; "
        f"{errors} errors (5xx or connection)."
    )
    print(
        f"gunicorn workers ({WORKERS}): peak RSS {rss.peak_one / 2**20:.0f} MB for one, "
        f"{rss.peak_all / 2**20:.0f} MB all together."
    )
    return 1 if errors else 0


def main() -> int:
    url = bench_database_url()
    print(f"bench-load: database {urlsplit(url).path.lstrip('/')}, {CONNECTIONS} connections, "
          f"{SECONDS:.0f} s, gunicorn with {WORKERS} sync workers on {HOST}")  # fmt: skip
    try:
        ensure_database(url)
    except Exception as error:  # explain instead of failing obscurely
        print(f"PostgreSQL is needed for this benchmark ({error}); skipped.")
        return 0
    setup_django(url)
    slugs = seed()
    mix = request_mix(slugs)
    with tempfile.TemporaryDirectory() as static_root:
        server, port = start_gunicorn(url, static_root)
        try:
            rss = PeakRss(server.pid)
            rss.start()
            results, elapsed = run_clients(port, mix, SECONDS, CONNECTIONS)
            rss.running = False
            rss.join()
        finally:
            stop_gunicorn(server)
    return report(results, elapsed, rss)


if __name__ == "__main__":
    sys.exit(main())
