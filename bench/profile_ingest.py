"""Where the time per ingested article goes, stage by stage, in one process (make profile-ingest).

Serves BENCH_ARTICLES (default 300) synthetic Korean article pages on a local HTTP server and
ingests them in-process, one after the other, as a worker does for each `ingest_url_task` and
`match_article_task`: fetch, decode, extract (trafilatura), sanitise and normalize the text,
the wire-copy lookup (MinHash keys and candidate search), storing (INSERT + keys + commit),
matching (Korean engine) and storing suggestions. Each stage is timed by wrapping the function
that does it; prints ms per article and the share of each stage. Celery's own overhead is what
`make bench-ingest` measures beyond this.

Uses its own PostgreSQL database (BENCH_PROFILE_DB, default tracker_bench_profile; flushed).
"""

from __future__ import annotations

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
os.environ.update(
    {
        "DATABASE_URL": f"{PG_BASE}/{DB_NAME}",
        "DEBUG": "1",
        "INGEST_ALLOW_PRIVATE_ADDRESSES": "1",
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

from pledges import matching  # noqa: E402
from pledges.demo_data import load_gwangju_demo  # noqa: E402
from pledges.ingest import store  # noqa: E402
from pledges.korean import normalize_text  # noqa: E402
from pledges.tests.http_fixture import LocalServer, Response, html_page, synthetic_article  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)


def timed(module, name: str, stage: str) -> None:
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[stage] += time.perf_counter() - started

    setattr(module, name, wrapper)


def main() -> None:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    load_gwangju_demo()
    normalize_text("광주 AI 집적단지")  # load the Kiwi model before timing, as workers do
    # Inner stages first; "store: INSERT + keys + commit" is what store_article spends beyond
    # its inner stages (computed below).
    timed(store, "fetch", "fetch (HTTP)")
    timed(store, "decode_bytes", "decode")
    timed(store, "extract_article", "extract (trafilatura)")
    timed(store, "html_to_text", "sanitise (nh3)")
    timed(store, "normalize_text", "normalize (Korean)")
    timed(store, "similarity_keys", "wire-copy keys (MinHash)")
    timed(store, "find_original", "wire-copy lookup (SQL)")
    timed(store, "store_article", "store_article (all)")
    timed(matching, "match_text", "match (Korean engine)")
    timed(matching, "link_if_copy", "wire-copy link (match task, SQL)")
    timed(matching, "current_specs", "pledge specs (read + build)")
    timed(matching, "_amounts_in", "money amounts (Korean engine)")
    timed(matching, "match_stored_article", "match_stored_article (all)")
    with LocalServer() as server:
        for number in range(ARTICLES):
            title, lines = synthetic_article(number, mention_pledge=number % 5 == 0)
            server.routes[f"/news/{number}"] = Response(
                html_page(title, lines), headers={"Content-Type": "text/html"}
            )
        started = time.perf_counter()
        for number in range(ARTICLES):
            result = store.fetch_and_store_article(server.url(f"/news/{number}"))
            if result.needs_match:
                matching.match_stored_article(result.article.pk)
        total = time.perf_counter() - started
    inner_store = sum(
        SPENT[s]
        for s in (
            "sanitise (nh3)",
            "normalize (Korean)",
            "wire-copy keys (MinHash)",
            "wire-copy lookup (SQL)",
        )
    )
    stages = {k: v for k, v in SPENT.items() if not k.endswith("(all)")}
    stages["store: INSERT + keys + commit"] = SPENT["store_article (all)"] - inner_store
    stages["matching: read + suggestions + commit"] = SPENT["match_stored_article (all)"] - sum(
        SPENT[s]
        for s in (
            "match (Korean engine)",
            "wire-copy link (match task, SQL)",
            "pledge specs (read + build)",
            "money amounts (Korean engine)",
        )
    )
    stages["other (known-URL check, Python)"] = total - sum(stages.values())
    print(f"{ARTICLES} articles in one process: {total:.1f} s = {ARTICLES / total:.1f} articles/s")
    print(f"{'stage':<40} {'ms/article':>10} {'share':>6}")
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"{stage:<40} {seconds / ARTICLES * 1000:>10.1f} {seconds / total:>6.0%}")


if __name__ == "__main__":
    main()
