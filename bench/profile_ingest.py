"""Where the time per ingested article goes, stage by stage, in one process (make profile-ingest).

Serves BENCH_ARTICLES (default 300) synthetic Korean article pages on a local HTTP server and
ingests them in-process, one after the other, as a worker does for each `ingest_url_task` and
`match_article_task`: fetch, decode, extract (trafilatura), sanitise and normalize the text,
the wire-copy lookup (MinHash keys and candidate search), storing (INSERT + keys + commit),
matching (Korean engine) and storing suggestions. Each stage is timed by wrapping the function
that does it; prints, per article, the wall time, the CPU time of this process and the queries of
each stage, and the CPU time the PostgreSQL backend spent (machines shared with other work make
wall times noisy; CPU time and query counts are not). PROFILE_FILE=path adds a cProfile.
Celery's own overhead is what `make bench-ingest` measures beyond this. Every page is on one
loopback host, so the per-host politeness limits are lifted, as in bench-ingest.

Uses its own PostgreSQL database (BENCH_PROFILE_DB, default tracker_bench_profile; flushed).
"""

from __future__ import annotations

import cProfile
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_PROFILE_DB", "tracker_bench_profile")
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "300"))
PROFILE_FILE = os.environ.get("PROFILE_FILE", "")  # also write a cProfile of the run there
os.environ.update(
    {
        "DATABASE_URL": f"{PG_BASE}/{DB_NAME}",
        "DEBUG": "1",
        "INGEST_ALLOW_PRIVATE_ADDRESSES": "1",
        "INGEST_HOST_MIN_INTERVAL": "0",
        "INGEST_HOST_MAX_CONCURRENT": "64",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("REDIS_URL", None)


def create_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


create_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from pledges import matching  # noqa: E402
from pledges.demo_data import load_gwangju_demo  # noqa: E402
from pledges.ingest import store  # noqa: E402
from pledges.ingest.text import warm_up_date_parser  # noqa: E402
from pledges.korean import normalize_text  # noqa: E402
from pledges.tests.http_fixture import LocalServer, Response, html_page, synthetic_article  # noqa: E402

# stage -> [wall seconds, CPU seconds of this process, queries]
SPENT: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
QUERIES = [0]


def count_queries(execute, sql, params, many, context):
    QUERIES[0] += 1
    return execute(sql, params, many, context)


def timed(module, name: str, stage: str) -> None:
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        wall, cpu, queries = time.perf_counter(), time.process_time(), QUERIES[0]
        try:
            return original(*args, **kwargs)
        finally:
            spent = SPENT[stage]
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            spent[2] += QUERIES[0] - queries

    setattr(module, name, wrapper)


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend (same machine: read from /proc)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def minus(a: list[float], *others: list[float]) -> list[float]:
    return [a[i] - sum(o[i] for o in others) for i in range(3)]


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    load_gwangju_demo()
    # Load the Kiwi model and trafilatura's date parser before timing, as workers do at start.
    normalize_text("광주 AI 집적단지")
    title, lines = synthetic_article(ARTICLES + 1, mention_pledge=False)
    store.extract_article(html_page(title, lines), url="http://127.0.0.1/warm-up")
    warm_up_date_parser()
    # Inner stages first; "store: INSERT + keys + commit" is what store_article spends beyond
    # its inner stages (computed below).
    timed(store, "polite_fetch", "fetch (HTTP, robots, politeness)")
    timed(store, "decode_bytes", "decode")
    timed(store, "extract_article", "extract (trafilatura)")
    timed(store, "html_to_text", "sanitise (nh3)")
    timed(store, "normalize_text", "normalize (Korean)")
    timed(store, "similarity_keys", "wire-copy keys (MinHash)")
    timed(store, "find_original", "wire-copy lookup (SQL)")
    timed(store, "store_article", "store_article (all)")
    timed(matching, "match_text", "match (Korean engine)")
    timed(matching, "link_if_copy", "wire-copy recheck (match task)")
    timed(matching, "pledge_book", "pledge book (version check)")
    timed(matching, "_amounts_in", "money amounts (Korean engine)")
    timed(matching, "_signals_in", "status signals (Korean engine)")
    timed(matching, "match_stored_article", "match_stored_article (all)")
    with LocalServer() as server:
        for number in range(ARTICLES):
            title, lines = synthetic_article(number, mention_pledge=number % 5 == 0)
            server.routes[f"/news/{number}"] = Response(
                html_page(title, lines), headers={"Content-Type": "text/html"}
            )
        profiler = cProfile.Profile() if PROFILE_FILE else None
        with connection.execute_wrapper(count_queries):
            backend_cpu = backend_cpu_seconds()
            started, started_cpu, started_queries = (
                time.perf_counter(),
                time.process_time(),
                QUERIES[0],
            )
            if profiler:
                profiler.enable()
            for number in range(ARTICLES):
                result = store.fetch_and_store_article(server.url(f"/news/{number}"))
                if result.needs_match:
                    matching.match_stored_article(result.article.pk, checked=result.checked)
            if profiler:
                profiler.disable()
            total = [
                time.perf_counter() - started,
                time.process_time() - started_cpu,
                QUERIES[0] - started_queries,
            ]
            backend_cpu = backend_cpu_seconds() - backend_cpu
    if profiler:
        profiler.dump_stats(PROFILE_FILE)
    S = SPENT
    stages = {k: v for k, v in S.items() if not k.endswith("(all)")}
    stages["store: INSERT + keys + commit"] = minus(
        S["store_article (all)"],
        S["sanitise (nh3)"],
        S["normalize (Korean)"],
        S["wire-copy keys (MinHash)"],
        S["wire-copy lookup (SQL)"],
    )
    stages["matching: suggestions written + commit"] = minus(
        S["match_stored_article (all)"],
        S["match (Korean engine)"],
        S["wire-copy recheck (match task)"],
        S["pledge book (version check)"],
        S["money amounts (Korean engine)"],
        S["status signals (Korean engine)"],
    )
    stages["other (known-URL check, Python)"] = minus(total, *stages.values())
    n = ARTICLES
    print(
        f"{n} articles in one process: {total[0]:.1f} s = {n / total[0]:.1f} articles/s; "
        f"per article: {total[0] / n * 1000:.1f} ms wall, {total[1] / n * 1000:.1f} ms CPU here "
        f"+ {backend_cpu / n * 1000:.1f} ms CPU in PostgreSQL, {total[2] / n:.1f} queries"
    )
    # By CPU time: on a shared machine the wall times are mostly waiting for a core.
    print(
        f"{'stage (per article)':<40} {'ms CPU':>7} {'CPU share':>9} {'ms wall':>8} {'queries':>8}"
    )
    for stage, (wall, cpu, queries) in sorted(stages.items(), key=lambda kv: -kv[1][1]):
        print(
            f"{stage:<40} {cpu / n * 1000:>7.1f} {cpu / total[1]:>9.0%} "
            f"{wall / n * 1000:>8.1f} {queries / n:>8.2f}"
        )
    if PROFILE_FILE:
        print(f"cProfile of the run written to {PROFILE_FILE} (python -m pstats {PROFILE_FILE})")


if __name__ == "__main__":
    main()
