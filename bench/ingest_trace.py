"""Where a bench worker's wall time goes, phase by phase (loaded by bench_ingest.py's workers).

`make bench-ingest` starts its workers with ``celery -A bench.ingest_trace``: the project's own
Celery app, plus timers wrapped around the functions an article passes through. Nothing here
changes what the workers do; it only measures, in each process:

- the pool process (the one that runs tasks): wall and CPU time per phase, exclusive (a phase's
  time excludes the phases inside it), with every SQL statement and commit charged to an
  ``sql …`` phase named after the phase that sent it; ``idle`` is the time between two tasks;
- the worker's main process (which takes messages from Redis, hands them to the pool process
  and acknowledges them): when it received each task and when it acknowledged it, so the
  bench can split ``idle`` into its steps.

Each process writes its figures to Redis (BENCH_TRACE_KEY) at most once a second and when it
stops; bench_ingest.py reads and sums them.
"""

from __future__ import annotations

import functools
import json
import os
import time

import redis
from celery.signals import (
    task_postrun,
    task_prerun,
    task_received,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)

from tracker.celery import app

__all__ = ["app"]

TRACE_KEY = os.environ.get("BENCH_TRACE_KEY", "bench:trace")


class Phases:
    """Exclusive wall and CPU time per phase on a stack (one thread: the pool process runs one
    task at a time)."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}  # name -> [wall s, cpu s, entries]
        self.stack: list[str] = ["idle"]
        self.mark_wall = time.perf_counter()
        self.mark_cpu = time.thread_time()

    def _charge(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        entry = self.totals.setdefault(self.stack[-1], [0.0, 0.0, 0])
        entry[0] += wall - self.mark_wall
        entry[1] += cpu - self.mark_cpu
        self.mark_wall, self.mark_cpu = wall, cpu

    def enter(self, name: str) -> None:
        self._charge()
        self.stack.append(name)
        self.totals.setdefault(name, [0.0, 0.0, 0])[2] += 1

    def leave(self) -> None:
        self._charge()
        if len(self.stack) > 1:
            self.stack.pop()

    def top(self) -> str:
        return self.stack[-1]


PHASES = Phases()
TASKS: list[tuple] = []  # (task id, name, started, ended) in wall-clock seconds
RECEIVED: list[tuple] = []  # main process: (task id, received at)
ACKED: list[tuple] = []  # main process: (task id, acknowledged at)
_last_flush = [time.monotonic()]
_client: list[redis.Redis] = []


def _redis() -> redis.Redis:
    if not _client:
        _client.append(redis.Redis.from_url(app.conf.broker_url))
    return _client[0]


def flush(force: bool = False) -> None:
    """Send this process's figures (cumulative phases, new task records) to Redis."""
    if not force and time.monotonic() - _last_flush[0] < 1.0:
        return
    _last_flush[0] = time.monotonic()
    pid = os.getpid()
    pipe = _redis().pipeline(transaction=False)
    if PHASES.totals:
        pipe.hset(f"{TRACE_KEY}:phases", str(pid), json.dumps(PHASES.totals))
    for records, kind in ((TASKS, "tasks"), (RECEIVED, "received"), (ACKED, "acked")):
        if records:
            pipe.rpush(f"{TRACE_KEY}:{kind}", *(json.dumps([pid, *r]) for r in records))
            records.clear()
    pipe.execute()


def timed(name: str):
    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            PHASES.enter(name)
            try:
                return function(*args, **kwargs)
            finally:
                PHASES.leave()

        wrapper.__wrapped_by_trace__ = True
        return wrapper

    return decorate


def wrap(module, attribute: str, name: str) -> None:
    function = getattr(module, attribute)
    if not getattr(function, "__wrapped_by_trace__", False):
        setattr(module, attribute, timed(name)(function))


def _sql_timer(execute, sql, params, many, context):
    PHASES.enter(f"sql {PHASES.top()}")
    try:
        return execute(sql, params, many, context)
    finally:
        PHASES.leave()


def install() -> None:
    """Wrap the steps of an article's way (called in each pool process, after the fork)."""
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper

    from pledges import matching, tasks
    from pledges.ingest import dedupe, pipeline, politeness, store

    wrap(politeness, "check_robots", "robots.txt check (Redis)")
    wrap(politeness, "_try_acquire", "host slot (Redis)")
    wrap(politeness, "_release", "host slot release (Redis)")
    wrap(politeness, "fetch", "HTTP fetch")
    wrap(store, "decode_bytes", "decode")
    wrap(store, "extract_article", "extract (trafilatura)")
    wrap(store, "html_to_text", "sanitise")
    wrap(store, "normalize_text", "normalize")
    wrap(store, "similarity_keys", "wire-copy keys")
    wrap(store, "find_original", "wire-copy look (store)")
    wrap(store, "index_similarity_keys", "store keys")
    wrap(store, "store_article", "store")
    wrap(matching, "link_if_copy", "wire-copy look (match)")
    wrap(matching, "pledge_book", "pledge book check")
    wrap(matching, "match_text", "Korean matcher (Kiwi)")
    wrap(matching, "_amounts_in", "money")
    wrap(matching, "_signals_in", "status signals")
    wrap(matching, "_write_suggestions", "write suggestions")
    wrap(matching, "_store_signals", "write suggestions")
    wrap(dedupe, "similarity_keys", "wire-copy keys")
    wrap(tasks, "resolve_failure", "failure row check")
    wrap(pipeline, "enqueue", "queue next task (Redis)")
    wrap(tasks, "fetch_and_store_article", "ingest task")
    wrap(tasks.matching, "match_stored_article", "match task")
    for attribute, name in (("connect", "db connect"), ("close", "db close")):
        original = getattr(BaseDatabaseWrapper, attribute)
        if not getattr(original, "__wrapped_by_trace__", False):
            setattr(BaseDatabaseWrapper, attribute, timed(name)(original))

    original_commit = BaseDatabaseWrapper.commit
    if not getattr(original_commit, "__wrapped_by_trace__", False):

        def commit(self):
            PHASES.enter(f"sql commit {PHASES.top()}")
            try:
                return original_commit(self)
            finally:
                PHASES.leave()

        commit.__wrapped_by_trace__ = True
        BaseDatabaseWrapper.commit = commit
    connection.execute_wrappers.append(_sql_timer)


@worker_process_init.connect
def _pool_process_started(**_kwargs) -> None:
    global PHASES
    install()
    PHASES = Phases()
    TASKS.clear()


@task_prerun.connect
def _task_started(task_id=None, task=None, **_kwargs) -> None:
    PHASES.leave()  # idle ends
    PHASES.enter(f"task {task.name.rsplit('.', 1)[-1]} (Celery, rest)")
    TASKS.append([task_id, task.name.rsplit(".", 1)[-1], time.time(), None])


@task_postrun.connect
def _task_ended(task_id=None, **_kwargs) -> None:
    PHASES.leave()
    PHASES.enter("idle")
    if TASKS and TASKS[-1][0] == task_id:
        TASKS[-1][3] = time.time()
    flush()


@worker_process_shutdown.connect
def _pool_process_stopping(**_kwargs) -> None:
    PHASES.leave()
    flush(force=True)


@task_received.connect
def _received(request=None, **_kwargs) -> None:
    RECEIVED.append((request.id, time.time()))
    flush()


@worker_shutdown.connect
def _worker_stopping(**_kwargs) -> None:
    flush(force=True)


def _trace_acknowledgements() -> None:
    """The main process acknowledges a task (acks_late) when the pool process sends its
    result back: record when."""
    from celery.worker.request import Request

    original = Request.acknowledge
    if getattr(original, "__wrapped_by_trace__", False):
        return

    def acknowledge(self):
        result = original(self)
        ACKED.append((self.id, time.time()))
        return result

    acknowledge.__wrapped_by_trace__ = True
    Request.acknowledge = acknowledge


_trace_acknowledgements()
