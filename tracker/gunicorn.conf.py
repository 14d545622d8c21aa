"""Gunicorn settings for `make serve` (`gunicorn -c tracker/gunicorn.conf.py tracker.wsgi`).

Read from the environment like the app's own settings; any of them can still be overridden on
the command line. Threads (gthread) rather than plain sync workers: a worker keeps telling the
arbiter it is alive while a thread streams a large CSV export, so long downloads are not killed
at `timeout`, and a slow client holds one thread, not one process.
"""

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes: about two per core (Django is CPU-bound between database round trips); WEB_CONCURRENCY
# is the usual name for it on hosting platforms.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# A request (the view, not the streamed body) that takes longer than this is cut off.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle each process now and then, so a slow leak never grows without bound. Spread widely
# (±50 %): workers that share the load evenly reach the same count together, and all of them
# restarting at once stalled every request for seconds (make bench-web).
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 2
# Django is imported once, in the arbiter: a new worker is a fork, ready at once instead of
# importing the app under load (and the workers share the code's memory). Nothing opens a
# database or Redis connection at import time, and the warm-up below closes the database
# connections it opens, so no connection is shared across the fork.
# A code change needs a restart, not a HUP.
preload_app = True


def on_starting(server) -> None:
    """In the master, once the app is preloaded and before the first worker is forked: pay a
    first request's one-time costs here, once, in memory every worker then shares
    (pledges/site/warm_up.py; WARM_WEB_PROCESS_ON_START=0 turns it off)."""
    if server.cfg.preload_app:
        _warm_up()
        # What the master holds now lives as long as it does: out of the collector's sight, a
        # collection in a worker does not touch (and so copy) the pages it shares with it.
        gc.freeze()


def post_worker_init(worker) -> None:
    """Without preload_app (turned off on the command line) each worker warms itself up before
    it takes its first request."""
    if not worker.cfg.preload_app:
        _warm_up()


def _warm_up() -> None:
    from pledges.site.warm_up import warm_up_web_process

    warm_up_web_process()


# Addresses of the reverse proxies allowed to say the request came over https
# (X-Forwarded-Proto) and from which client: the proxy's address, never "*" on a public port.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The heartbeat file on tmpfs: a worker stuck on a slow disk is not taken for a dead one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The app logs one line per request itself (pledges.ops.logs), with its request id.
accesslog = None
errorlog = "-"

# Gunicorn's own lines (start, worker timeouts) in the app's format, JSON or text (LOG_FORMAT).
_format = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pledges.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "pledges.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _format if _format in ("json", "text") else "text",
            "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}
