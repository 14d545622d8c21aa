"""A fresh web process's first pages, with and without the warm-up at start (make bench-warm-start).

    python bench/bench_warm_start.py [--runs 5]

Each run is a new Python process doing what gunicorn does (tracker/gunicorn.conf.py, preload_app):
it loads the WSGI app as the master does, calls the master's ``on_starting`` hook (the warm-up,
pledges/site/warm_up.py) or not (WARM_WEB_PROCESS_ON_START=0), forks, and in the child (the
worker) times its first ``/``, then ``/en/``, then a second render of ``/`` (a query string of
its own) through the WSGI handler, with DEBUG=0, the production static storage and the cache of
REDIS_URL under a key prefix of its own (so every request renders). Prints the medians over the
runs. Against the national-size bench database of bench/scale_db.py (BENCH_SCALE_DATABASE_URL,
default: tracker_bench_scale beside DATABASE_URL), which must be seeded (make bench-scale).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("/", "/en/", "/?again=1")


def _get(application, path: str) -> float:
    url_path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": url_path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": "ko",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    statuses = []
    started = time.perf_counter()
    b"".join(application(environ, lambda status, headers, *_: statuses.append(status)))
    elapsed = time.perf_counter() - started
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[0]}")
    return elapsed


def one_process() -> None:
    """The child of ``run``: master and worker in one, printing one JSON line."""
    import runpy

    started = time.perf_counter()
    from tracker.wsgi import application  # preload_app

    loaded = time.perf_counter() - started
    conf = runpy.run_path(str(ROOT / "tracker" / "gunicorn.conf.py"))
    started = time.perf_counter()

    class Master:
        cfg = type("Cfg", (), {"preload_app": True})

    conf["on_starting"](Master)
    warm_up = time.perf_counter() - started
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read)
        times = [_get(application, path) for path in PATHS]
        os.write(write, json.dumps({"load": loaded, "warm_up": warm_up, "times": times}).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        result = pipe.read()
    os.waitpid(pid, 0)
    print(result)


def run(runs: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import scale_db

    url = scale_db.database_url()
    with tempfile.TemporaryDirectory() as static_root:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": static_root,
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        results: dict[str, list[dict]] = {"off": [], "on": []}
        for _ in range(runs):
            for mode in results:  # interleaved, so both meet the same load
                mode_env = {
                    **env,
                    "WARM_WEB_PROCESS_ON_START": "1" if mode == "on" else "0",
                    "CACHE_KEY_PREFIX": f"bench-warm-start-{uuid.uuid4().hex[:8]}",
                }
                out = subprocess.run(
                    [sys.executable, __file__, "--one-process"],
                    cwd=ROOT,
                    env=mode_env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                results[mode].append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"\nA fresh web process's first pages ({url.rsplit('/', 1)[-1]}, median of {runs} "
        f"processes each; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    print(f"{'warm-up':<8} {'load app':>9} {'warm-up':>9} {'first /':>9} {'first /en/':>11} "
          f"{'next / render':>14}")  # fmt: skip
    for mode, rows in results.items():

        def median_ms(pick, rows=rows) -> float:
            return statistics.median(pick(row) for row in rows) * 1000

        print(
            f"{mode:<8} {median_ms(lambda r: r['load']):>7.0f} ms "
            f"{median_ms(lambda r: r['warm_up']):>7.0f} ms "
            f"{median_ms(lambda r: r['times'][0]):>7.0f} ms "
            f"{median_ms(lambda r: r['times'][1]):>9.0f} ms "
            f"{median_ms(lambda r: r['times'][2]):>12.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_process:
        sys.path.insert(0, str(ROOT))
        one_process()
    else:
        run(args.runs)


if __name__ == "__main__":
    main()
