"""Web benchmark: each public page against a trivial view on one gunicorn (make bench-web).

    make bench-web            # python bench/bench_web.py

Serves the app as production does (DEBUG=0, gunicorn with tracker/gunicorn.conf.py, WhiteNoise,
PostgreSQL, and the Redis cache when REDIS_URL is set) on 127.0.0.1, with the data set of
bench-load (300 published pledges, 50,000 articles, 20,000 evidence rows; seeded once, by
bench/bench_load.py's code, in its own database: BENCH_WEB_DATABASE_URL, else `tracker_bench_web`
on DATABASE_URL's server). Then, in the same run against the same server, one phase per target
of BENCH_WEB_SECONDS (default 30) at BENCH_WEB_CONNECTIONS keep-alive connections (default 50):

    ping      /ping/ (touches nothing: the yardstick)
    home      /
    list      /pledges/
    detail    /pledges/<slug>/ (a random one of the 300 each time)
    api       /api/v1/pledges/ (reported "not available" if the path answers 404)

Prints per target requests/s, latency p50/p95/p99, errors (5xx and connection errors), and the
ratios to the trivial view: throughput (target ≥ 0.5) and p99 (target < 10×). Exits 1 on errors
or a missed target. BENCH_WEB_PORT (default 8150) is the loopback port.
"""

from __future__ import annotations

import http.client
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_load  # noqa: E402  (the seeding, the client loop and gunicorn start-up are shared)

CONNECTIONS = int(os.environ.get("BENCH_WEB_CONNECTIONS", "50"))
SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "30"))
PORT = int(os.environ.get("BENCH_WEB_PORT", "8150"))
# Each phase starts after this many seconds of the same load, unmeasured (cold caches, JIT-less
# Python warming its own caches, connection set-up).
WARM_UP = float(os.environ.get("BENCH_WEB_WARM_UP", "3"))
# What a browser sends: Korean first, and compressed pages welcome (bytes are counted as sent).
HEADERS = {"Accept-Language": "ko", "Accept-Encoding": "gzip"}
MIN_THROUGHPUT_RATIO = 0.5
MAX_P99_RATIO = 10.0


def targets(slugs: list[str]) -> list[tuple[str, callable, list[str]]]:
    """(name, path maker, every path it makes)."""
    details = [f"/pledges/{slug}/" for slug in slugs]
    return [
        ("ping", lambda: "/ping/", ["/ping/"]),
        ("home", lambda: "/", ["/"]),
        ("list", lambda: "/pledges/", ["/pledges/"]),
        ("detail", lambda: random.choice(details), details),
        ("api", lambda: "/api/v1/pledges/", ["/api/v1/pledges/"]),
    ]


def first_views(port: int, paths: list[str]) -> list[float]:
    """Each path asked for once (4 at a time): the pages rendered into the cache. Seconds each."""
    latencies: list[float] = []
    queue = list(paths)
    lock = threading.Lock()

    def work():
        conn = http.client.HTTPConnection(bench_load.HOST, port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
            with lock:
                latencies.append(time.perf_counter() - started)
        conn.close()

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies


def available(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(bench_load.HOST, port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status != 404
    finally:
        conn.close()


def phase(port: int, kind: str, maker, seconds: float) -> tuple[bench_load.Results, float]:
    """``CONNECTIONS`` clients asking for ``maker()`` for ``seconds``."""
    mix = [(kind, 1, maker)]
    return bench_load.run_clients(port, mix, seconds, CONNECTIONS, HEADERS)


def figures(results: bench_load.Results, kind: str, elapsed: float) -> dict:
    latencies = results.latency[kind]
    statuses = results.status[kind]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": bench_load.percentile(latencies, 0.50) * 1000,
        "p95": bench_load.percentile(latencies, 0.95) * 1000,
        "p99": bench_load.percentile(latencies, 0.99) * 1000,
        "errors": sum(n for s, n in statuses.items() if s.startswith(("5", "error"))),
        "statuses": " ".join(f"{s}×{n}" for s, n in sorted(statuses.items())),
    }


def report(rows: dict[str, dict | None]) -> int:
    base = rows["ping"]
    print(
        f"\n{'target':<8} {'reqs':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'× ping req/s':>12} {'× ping p99':>10} {'first view ms':>13}  statuses"
    )
    failed = False
    for kind, row in rows.items():
        if row is None:
            print(f"{kind:<8} not available (404)")
            continue
        throughput = row["rps"] / base["rps"]
        tail = row["p99"] / base["p99"] if base["p99"] else float("inf")
        missed = kind != "ping" and (throughput < MIN_THROUGHPUT_RATIO or tail >= MAX_P99_RATIO)
        failed |= missed or row["errors"] > 0
        print(
            f"{kind:<8} {row['requests']:>7} {row['rps']:>8.1f} {row['p50']:>7.1f} "
            f"{row['p95']:>7.1f} {row['p99']:>7.1f} {row['errors']:>6} {throughput:>12.2f} "
            f"{tail:>10.2f} {row['first_view']:>13}  {row['statuses']}{'  MISSED' if missed else ''}"
        )
    print(
        f"\ntarget: every page ≥ {MIN_THROUGHPUT_RATIO} × the trivial view's req/s and p99 < "
        f"{MAX_P99_RATIO:.0f} × its p99; {'MISSED' if failed else 'met'}.\n"
        'Measured after each page was asked for once ("first view": the render into the cache,\n'
        "median and, for the 300 pledge pages, the slowest); an editor's publishing makes each\n"
        "page's next view a first view again."
    )
    return 1 if failed else 0


def main() -> int:
    url = bench_load.bench_database_url("BENCH_WEB_DATABASE_URL", "tracker_bench_web")
    redis_url = os.environ.get("REDIS_URL", "").strip()
    check = os.environ.get("PUBLIC_VERSION_CHECK_SECONDS", "").strip() or "1"
    print(
        f"bench-web: database {urlsplit(url).path.lstrip('/')}, {CONNECTIONS} connections, "
        f"{SECONDS:.0f} s per target, gunicorn (tracker/gunicorn.conf.py) on "
        f"{bench_load.HOST}:{PORT}, cache: {'Redis' if redis_url else 'memory of each worker'}, "
        f"public version read {'every ' + check + ' s' if float(check) else 'on every view'}"
    )
    try:
        bench_load.ensure_database(url)
    except Exception as error:  # explain instead of failing obscurely
        print(f"PostgreSQL is needed for this benchmark ({error}); skipped.")
        return 0
    bench_load.setup_django(url)
    slugs = bench_load.seed()
    prefix = f"bench-web-{os.getpid()}"
    argv = ["-c", "tracker/gunicorn.conf.py", "--log-level", "warning"]
    with tempfile.TemporaryDirectory() as static_root:
        server, port = bench_load.start_gunicorn(
            url,
            static_root,
            port=PORT,
            argv=argv,
            keep_redis=bool(redis_url),
            extra_env={"CACHE_KEY_PREFIX": prefix},
        )
        rows: dict[str, dict | None] = {}
        try:
            for kind, maker, paths in targets(slugs):
                if kind == "api" and not available(port, maker()):  # built on another branch
                    rows[kind] = None
                    continue
                first = sorted(first_views(port, paths))
                phase(port, kind, maker, WARM_UP)
                results, elapsed = phase(port, kind, maker, SECONDS)
                rows[kind] = figures(results, kind, elapsed)
                rows[kind]["first_view"] = f"{first[len(first) // 2] * 1000:.0f}" + (
                    f" (max {first[-1] * 1000:.0f})" if len(first) > 1 else ""
                )
                print(f"  {kind}: {rows[kind]['rps']:.0f} req/s, p99 {rows[kind]['p99']:.0f} ms")
        finally:
            bench_load.stop_gunicorn(server)
            bench_load.drop_cached_pages(redis_url, prefix)
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
