"""Export benchmark: 1,000,000 evidence rows through the command, the HTTP endpoint and COPY.

    make bench-export          # DEBUG=1 python bench/bench_export.py

Needs PostgreSQL. The bench database is its own: BENCH_DATABASE_URL if set, else the server of
DATABASE_URL with the database `tracker_bench` (default postgres://postgres@127.0.0.1:5432/
tracker_bench). It is created and migrated when missing and seeded once (250,000 articles × 4
pledges, by COPY and INSERT … SELECT); later runs reuse the rows.

Measures, in one run:
  (a) `manage.py export evidence` to a file, as a child process: rows/s and its peak RSS
      (ru_maxrss from wait4);
  (b) GET /export/evidence.csv from a gunicorn worker, streamed with requests: time to first
      byte, to the first row, to the end; the worker's peak RSS (sampled with psutil);
  (c) PostgreSQL's own COPY (same query, raw values) TO STDOUT WITH CSV, as the floor: before
      and after the exports, compared with their mean ("speed of COPY" = floor ÷ time).
On PostgreSQL the CSV exports are themselves a COPY (pledges/exports/copy.py) that formats the
cells in SQL. BENCH_EXPORT_JSON=0 leaves out the (slow, Python-written) JSON export.
Prints a table; never fails on slowness (the 200 MB budget is reported, not asserted).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "250000"))
PLEDGE_CODES = [f"BENCH-{i:02d}" for i in range(1, 5)]
URL_PREFIX = "https://bench.example.org/news/"
RSS_BUDGET_MB = 200


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "").strip()
    if not base.startswith(("postgres://", "postgresql://")):
        return "postgres://postgres@127.0.0.1:5432/tracker_bench"
    parts = urlsplit(base)
    # Never the development or test database: the bench fills its own.
    return urlunsplit(parts._replace(path="/tracker_bench"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
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


def seed() -> int:
    """Make sure 4 bench pledges × ARTICLES articles of confirmed evidence exist."""
    from django.db import connection, transaction
    from django.utils import timezone

    from pledges.models import Article, Category, Evidence, Jurisdiction, Pledge, Promiser

    target = ARTICLES * len(PLEDGE_CODES)
    existing = Evidence.objects.filter(pledge__code__in=PLEDGE_CODES, state="confirmed").count()
    if existing == target:
        print(f"bench data present: {existing:,} evidence rows")
        return existing
    started = time.perf_counter()
    with transaction.atomic():
        promiser, _ = Promiser.objects.get_or_create(
            slug="bench-promiser", defaults={"name": "벤치", "role": "시장"}
        )
        region, _ = Jurisdiction.objects.get_or_create(
            slug="bench-city", defaults={"name": "벤치시"}
        )
        category, _ = Category.objects.get_or_create(
            slug="bench-category", defaults={"name": "벤치 분야"}
        )
        for code in PLEDGE_CODES:
            Pledge.objects.get_or_create(
                code=code,
                defaults={
                    "slug": code.lower(),
                    "title": f'벤치 공약 {code}: "AI 집적단지", 2단계',
                    "original_text": "벤치마크용 공약",
                    "promiser": promiser,
                    "jurisdiction": region,
                    "category": category,
                },
            )
        Evidence.objects.filter(pledge__code__in=PLEDGE_CODES).delete()
        Article.objects.filter(canonical_url__startswith=URL_PREFIX).delete()
        now = timezone.now()
        article_columns = [
            "outlet", "url", "canonical_url", "title", "published_at", "body",
            "normalized_body", "content_hash", "language", "byline", "fetched_at",
        ]  # fmt: skip
        article_extra, article_defaults = other_required_fields(Article, article_columns)
        raw = connection.connection  # psycopg 3: COPY straight from Python rows
        with raw.cursor() as cursor:
            names = ", ".join(article_columns + article_extra)
            with cursor.copy(f"COPY {Article._meta.db_table} ({names}) FROM STDIN") as copy:
                for i in range(ARTICLES):
                    url = f"{URL_PREFIX}{i}"
                    body = f"광주 AI 집적단지 2단계 사업 기사 {i}. 국비 {i % 1000}억 원."
                    title = f'기사 {i}: "AX실증밸리", 예타 면제'
                    copy.write_row(
                        (
                            ("광주일보", "무등일보", "Kwangju, Daily")[i % 3],
                            url,
                            url,
                            "=" + title if i % 997 == 0 else title,  # exercises neutralising
                            now - dt.timedelta(seconds=i * 300),
                            body,
                            body,
                            f"{i:064d}",
                            "ko",
                            "정병호 기자",
                            now,
                            *article_defaults,
                        )
                    )
            evidence_columns = [
                "article_id", "pledge_id", "state", "score", "snippet", "matched_terms",
                "amounts", "method", "reviewed_at", "reject_reason", "created_at", "updated_at",
            ]  # fmt: skip
            evidence_extra, evidence_defaults = other_required_fields(Evidence, evidence_columns)
            cursor.execute(
                f"""
                INSERT INTO {Evidence._meta.db_table} ({", ".join(evidence_columns + evidence_extra)})
                SELECT a.id, p.id, 'confirmed', 0.9,
                       '국비 ' || (a.id %% 1000) || '억 원, "AI 2단계" 확보 못해'
                         || CASE WHEN a.id %% 10 = 0 THEN E'\\n예타 면제 미합의' ELSE '' END,
                       '["AI 집적단지"]', '[]', 'auto', %s, '', %s, %s
                       {"".join(", %s" for _ in evidence_extra)}
                FROM {Article._meta.db_table} a CROSS JOIN {Pledge._meta.db_table} p
                WHERE a.canonical_url LIKE %s AND p.code = ANY(%s)
                """,
                [now, now, now, *evidence_defaults, URL_PREFIX + "%", PLEDGE_CODES],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    count = Evidence.objects.filter(pledge__code__in=PLEDGE_CODES, state="confirmed").count()
    print(f"seeded {count:,} evidence rows in {time.perf_counter() - started:.1f} s")
    return count


def other_required_fields(model, given: list[str]) -> tuple[list[str], list]:
    """Columns the seed does not set that cannot be NULL, with their model defaults."""
    from django.db import connection

    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.null and f.column not in given
    ]
    return (
        [f.column for f in fields],
        [f.get_db_prep_save(f.get_default(), connection) for f in fields],
    )


def exported_rows() -> int:
    from pledges import exports

    return exports.evidence_queryset(exports.prepare_export("evidence", {})).count()


def child_env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "LOG_LEVEL": "WARNING"}


def run_command(url: str, fmt: str, out: Path) -> dict:
    argv = [sys.executable, "manage.py", "export", "evidence", "--format", fmt, "-o", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=child_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        print(process.stderr.read().decode(errors="replace"))
    return {
        "seconds": seconds,
        "rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "bytes": out.stat().st_size if out.exists() else 0,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PeakRss(threading.Thread):
    """Samples the resident memory of a process tree's children (the gunicorn worker)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        import psutil

        self.root = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self):
        import psutil

        while self.running:
            try:
                for child in self.root.children(recursive=True):
                    self.peak = max(self.peak, child.memory_info().rss)
            except psutil.Error:
                pass
            time.sleep(0.05)


def run_http(url: str) -> dict:
    import requests

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tracker.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=child_env(url),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/export/", timeout=30)
                break
            except requests.RequestException:  # not listening yet, or still importing
                time.sleep(0.2)
        sampler = PeakRss(server.pid)
        sampler.start()
        size = 0
        first_byte = first_row = None
        newlines = 0
        started = time.perf_counter()
        with requests.get(f"{base}/export/evidence.csv", stream=True, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(chunk_size=64 * 1024):
                now = time.perf_counter()
                if first_byte is None:
                    first_byte = now - started
                if first_row is None:
                    newlines += chunk.count(b"\n")
                    if newlines >= 2:  # the header line and one record
                        first_row = now - started
                size += len(chunk)
        seconds = time.perf_counter() - started
        time.sleep(0.2)
        sampler.running = False
        sampler.join()
        return {
            "seconds": seconds,
            "rss_mb": sampler.peak / 1024 / 1024,
            "bytes": size,
            "first_byte": first_byte,
            "first_row": first_row,
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def run_copy(url: str) -> dict:
    """PostgreSQL's own CSV of the same query: the floor any exporter is measured against."""
    import psycopg

    from pledges import exports

    queryset = exports.evidence_queryset(exports.prepare_export("evidence", {}))
    sql, params = queryset.query.sql_with_params()
    with psycopg.connect(url) as conn:
        inline = psycopg.ClientCursor(conn).mogrify(sql, params)
        started = time.perf_counter()
        size = 0
        with conn.cursor() as cursor:
            with cursor.copy(f"COPY ({inline}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    size += len(block)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": None, "bytes": size}


def main() -> None:
    url = bench_database_url()
    print(f"bench database: {urlsplit(url)._replace(netloc=urlsplit(url).hostname or '').geturl()}")
    try:
        ensure_database(url)
    except Exception as error:  # the bench explains instead of failing obscurely
        print(f"PostgreSQL is needed for this benchmark ({error}); skipped.")
        return
    setup_django(url)
    seed()
    rows = exported_rows()
    print(f"exporting {rows:,} evidence rows\n")

    # The floor is measured before and after the exports (a shared machine's load drifts) and
    # the exports are compared with the mean of the two.
    results = {"COPY … TO STDOUT WITH CSV (before)": run_copy(url)}
    with tempfile.TemporaryDirectory() as tmp:
        results["manage.py export evidence (csv)"] = run_command(url, "csv", Path(tmp) / "e.csv")
        if os.environ.get("BENCH_EXPORT_JSON", "1") != "0":
            results["manage.py export evidence (json)"] = run_command(
                url, "json", Path(tmp) / "e.json"
            )
    results["GET /export/evidence.csv (gunicorn)"] = run_http(url)
    results["COPY … TO STDOUT WITH CSV (after)"] = run_copy(url)

    floor = (
        results["COPY … TO STDOUT WITH CSV (before)"]["seconds"]
        + results["COPY … TO STDOUT WITH CSV (after)"]["seconds"]
    ) / 2
    print(
        f"{'what':<40} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'MB':>7} "
        f"{'peak RSS MB':>12} {'× COPY':>7} {'speed of COPY':>13}"
    )
    for name, r in results.items():
        rss = f"{r['rss_mb']:.0f}" if r["rss_mb"] is not None else "n/a"
        print(
            f"{name:<40} {rows:>10,} {r['seconds']:>8.2f} {rows / r['seconds']:>10,.0f} "
            f"{r['bytes'] / 1e6:>7.0f} {rss:>12} {r['seconds'] / floor:>7.1f} "
            f"{floor / r['seconds']:>13.2f}"
        )
    http = results["GET /export/evidence.csv (gunicorn)"]
    print(
        f"\nHTTP: first byte after {http['first_byte'] * 1000:.0f} ms, first row after "
        f"{(http['first_row'] or 0) * 1000:.0f} ms, last byte after {http['seconds']:.1f} s."
    )
    worst = max(r["rss_mb"] or 0 for r in results.values())
    verdict = "within" if worst < RSS_BUDGET_MB else "OVER"
    print(f"Peak RSS {worst:.0f} MB: {verdict} the {RSS_BUDGET_MB} MB budget.")


if __name__ == "__main__":
    main()
