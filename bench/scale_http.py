"""The pages at the size of a national tracker, as readers get them (part of ``make bench-scale``).

Serves the bench database (bench/scale_db.py: 10,000 pledges, 1,000,000 articles, 200,000
evidence rows) as production does: gunicorn with tracker/gunicorn.conf.py, DEBUG=0, and the Redis
cache when REDIS_URL is set (each worker's memory otherwise), on 127.0.0.1. Each page of
``scale_db.pages()`` and the trivial view /ping/ (touches nothing: the yardstick) is asked for
in two modes, one phase of BENCH_SCALE_HTTP_SECONDS (default 30) per page, after
BENCH_SCALE_HTTP_WARM_UP seconds (default 3) of the same load unmeasured:

    warm  as readers see the site between publications: each page asked for once first (the
          render into the cache), then BENCH_SCALE_HTTP_CONNECTIONS keep-alive connections
          (default 50) ask for it again and again.
    cold  each request right after a publication, i.e. what a render costs: every request
          has a query string of its own (``?cold=N``, ignored by the pages; a download, which
          refuses unknown parameters, gets ``?date_from=`` a day before every article), so no
          reader is ever served a kept page and every request renders it, at
          BENCH_SCALE_HTTP_COLD_CONNECTIONS connections (default 4: the readers who come first
          after a publication; the others get the previous page while it renders, see
          pledges/site/cache.py). Pieces a page keeps across publications while their data
          does not change (pledges/site/fragments.py) stay kept, as after a real publication.

    desk  the editors' pages (the review queue and the admin index), asked for with an
          editor's session at BENCH_SCALE_HTTP_EDITOR_CONNECTIONS (default 4: a newsroom's
          editors at their desks at once), on the warm server. They are never kept (each
          editor sees the live queue), so every request renders; fifty readers' connections
          are not how they are used, and the trivial view is measured again at the editors'
          concurrency as their yardstick.

Prints, per mode and page, requests/s, p50/p95/p99 and errors, with the ratios to the trivial
view measured in the same mode: the public-site targets of ``make bench-web`` are every page
≥ 0.5 × the trivial view's requests/s and p99 < 10 × its p99; each row says whether it meets
them, and a summary line per mode lists the pages that miss. Never fails on slowness.
BENCH_SCALE_HTTP_PORT (default 8350) is the port.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import secrets
import subprocess
import tempfile

import bench_load
import bench_web

SECONDS = float(os.environ.get("BENCH_SCALE_HTTP_SECONDS", "30"))
WARM_UP = float(os.environ.get("BENCH_SCALE_HTTP_WARM_UP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_SCALE_HTTP_CONNECTIONS", "50"))
COLD_CONNECTIONS = int(os.environ.get("BENCH_SCALE_HTTP_COLD_CONNECTIONS", "4"))
EDITOR_CONNECTIONS = int(os.environ.get("BENCH_SCALE_HTTP_EDITOR_CONNECTIONS", "4"))
CONNECTIONS_BY_MODE = {"warm": CONNECTIONS, "cold": COLD_CONNECTIONS, "desk": EDITOR_CONNECTIONS}
PORT = int(os.environ.get("BENCH_SCALE_HTTP_PORT", "8350"))
HIT_HEADER = "X-Public-Cache"  # pledges/site/cache.py
EARLIEST_DAY = dt.date(1900, 1, 1)  # pledges.filters.EARLIEST_DATE
TRIVIAL = ("trivial view (/ping/)", "/ping/", False)
MIN_THROUGHPUT_RATIO = bench_web.MIN_THROUGHPUT_RATIO
MAX_P99_RATIO = bench_web.MAX_P99_RATIO


def editor_cookie(secret_key: str) -> str:
    """A session of the bench's editor, for the review queue (stored in the bench database,
    signed with the server's ``secret_key``)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model().objects
    editor = users.filter(username="scale-editor").first()
    if editor is None:
        editor = users.create_superuser("scale-editor", password=None)
    own_key, settings.SECRET_KEY = settings.SECRET_KEY, secret_key
    try:
        client = Client()
        client.force_login(editor)
    finally:
        settings.SECRET_KEY = own_key
    return f"sessionid={client.cookies['sessionid'].value}"


def is_kept(port: int, path: str, headers: dict) -> bool:
    """Whether the page is one the public cache keeps (it says so in a header)."""
    import http.client

    conn = http.client.HTTPConnection(bench_load.HOST, port, timeout=120)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.getheader(HIT_HEADER) is not None
    finally:
        conn.close()


def cold_path(path: str, counter) -> str:
    number = next(counter)
    if path.startswith("/export/"):
        # A download refuses parameters it does not know: a date range that keeps every row
        # (from a day before any article) makes each request a file of its own instead.
        since = EARLIEST_DAY + dt.timedelta(days=number % 20_000)
        return f"{path}{'&' if '?' in path else '?'}date_from={since.isoformat()}"
    return f"{path}{'&' if '?' in path else '?'}cold={number}"


def phase(port: int, path_maker, headers: dict, connections: int, seconds: float):
    """``connections`` clients asking for ``path_maker()`` for ``seconds``: (results, elapsed)."""
    mix = [("page", 1, path_maker)]
    return bench_load.run_clients(port, mix, seconds, connections, headers)


def measure(port: int, mode: str, pages, cookie: str) -> dict[str, dict]:
    connections = CONNECTIONS_BY_MODE[mode]
    counter = itertools.count()
    rows = {}
    for name, path, needs_editor in [TRIVIAL, *pages]:
        headers = dict(bench_web.HEADERS)
        if needs_editor:
            headers["Cookie"] = cookie
        kept = is_kept(port, path, headers)  # also the first view: the render into the cache
        if mode != "cold" or not kept:  # a page never kept is rendered every time anyway

            def maker(path=path):
                return path
        else:

            def maker(path=path):
                return cold_path(path, counter)

        phase(port, maker, headers, connections, WARM_UP)
        results, elapsed = phase(port, maker, headers, connections, SECONDS)
        rows[name] = bench_web.figures(results, "page", elapsed)
        rows[name]["kept"] = kept
        print(f"  {mode:<4} {name}: {rows[name]['rps']:.1f} req/s, p50 {rows[name]['p50']:.0f} ms, "
              f"p99 {rows[name]['p99']:.0f} ms, load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    return rows


def report(mode: str, rows: dict[str, dict], connections: int) -> None:
    base = rows[TRIVIAL[0]]
    print(
        f"\n{mode} ({connections} connections, {SECONDS:.0f} s a page; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})\n"
        f"{'page':<22} {'reqs':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'× triv req/s':>12} {'× triv p99':>10}  target; statuses"
    )
    missed = []
    for name, row in rows.items():
        throughput = row["rps"] / base["rps"] if base["rps"] else 0.0
        tail = row["p99"] / base["p99"] if base["p99"] else float("inf")
        if name == TRIVIAL[0]:
            verdict = "(yardstick)"
        else:
            fails = []
            if throughput < MIN_THROUGHPUT_RATIO:
                fails.append(f"req/s < {MIN_THROUGHPUT_RATIO}×")
            if tail >= MAX_P99_RATIO:
                fails.append(f"p99 ≥ {MAX_P99_RATIO:.0f}×")
            if row["errors"] or set(row["statuses"].split()) != {f"200×{row['requests']}"}:
                fails.append("errors or other answers than 200")
            verdict = "met" if not fails else "MISSED: " + ", ".join(fails)
            if fails:
                missed.append(name)
        print(
            f"{name[:22]:<22} {row['requests']:>6} {row['rps']:>8.1f} {row['p50']:>8.1f} "
            f"{row['p95']:>8.1f} {row['p99']:>8.1f} {row['errors']:>6} {throughput:>12.2f} "
            f"{tail:>10.2f}  {verdict}; {row['statuses']}"
            + ("" if row["kept"] else " (never kept: every view renders)")
        )
    pages = len(rows) - 1
    print(
        f"{mode}: {pages - len(missed)} of {pages} pages meet the public-site targets (≥ "
        f"{MIN_THROUGHPUT_RATIO} × the trivial view's req/s, p99 < {MAX_P99_RATIO:.0f} × its p99)"
        + (f"; missed: {' / '.join(missed)}" if missed else "")
    )


def serve(url: str, static_root: str, prefix: str, mode: str, secret_key: str):
    redis_url = os.environ.get("REDIS_URL", "").strip()
    extra = {"CACHE_KEY_PREFIX": prefix, "SECRET_KEY": secret_key}
    if mode == "cold":
        # Every cold request is a page of its own: keep its entry only briefly.
        extra["PUBLIC_CACHE_SECONDS"] = "5"
    return bench_load.start_gunicorn(
        url,
        static_root,
        port=PORT,
        argv=["-c", "tracker/gunicorn.conf.py", "--log-level", "warning"],
        keep_redis=bool(redis_url),
        extra_env=extra,
    )


def run(url: str) -> None:
    import scale_db

    redis_url = os.environ.get("REDIS_URL", "").strip()
    pages = [page for page in scale_db.pages() if page[1] != "/bench-trivial/"]
    public_pages = [page for page in pages if not page[2]]
    desk_pages = [page for page in pages if page[2]]
    secret_key = secrets.token_urlsafe(40)
    cookie = editor_cookie(secret_key)
    print(
        f"\nPages over HTTP (gunicorn, tracker/gunicorn.conf.py, DEBUG=0, cache: "
        f"{'Redis' if redis_url else 'memory of each worker'}, port {PORT})"
    )
    prefix = f"bench-scale-{os.getpid()}"
    results = {}
    with tempfile.TemporaryDirectory() as static_root:
        for mode in ("warm", "cold"):
            try:
                server, port = serve(url, static_root, prefix, mode, secret_key)
            except (SystemExit, subprocess.CalledProcessError) as error:
                print(f"  gunicorn did not start ({error}); HTTP part skipped")
                return
            try:
                results[mode] = measure(port, mode, public_pages, cookie)
                if mode == "warm":
                    results["desk"] = measure(port, "desk", desk_pages, cookie)
            finally:
                bench_load.stop_gunicorn(server)
    bench_load.drop_cached_pages(redis_url, prefix)
    for mode, rows in results.items():
        report(mode, rows, CONNECTIONS_BY_MODE[mode])
