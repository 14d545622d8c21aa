"""Reading what bench/ingest_trace.py recorded in the bench's workers, and sampling PostgreSQL's
wait events, for bench_ingest.py's breakdown of the time per article."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import redis


@dataclass
class Breakdown:
    """Milliseconds per article, summed over the worker processes of one run."""

    workers: int
    articles: int
    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    tasks: Counter = field(default_factory=Counter)

    @property
    def total_wall(self) -> float:
        return sum(self.wall.values())


# The phases bench/ingest_trace.py names, grouped for the summary (first matching prefix wins).
GROUPS = (
    ("idle: result to main process, ack", "idle: result"),
    ("idle: next message from Redis", "idle: next message"),
    ("idle: hand-over to pool process", "idle: hand-over"),
    ("db connect / close", "db "),
    ("SQL commits", "sql commit"),
    ("SQL statements", "sql "),
    ("HTTP fetch (feed server)", "HTTP fetch"),
    ("Redis: robots, host slot, queue next", ("robots", "host slot", "queue next")),
    ("extract (trafilatura) + decode + sanitise", ("extract", "decode", "sanitise")),
    ("Korean matcher (Kiwi)", "Korean matcher"),
    ("wire-copy keys and looks", "wire-copy"),
    ("normalize, money, signals", ("normalize", "money", "status signals")),
    ("Python around the steps", ""),
)


def group_of(phase: str) -> str:
    for label, prefixes in GROUPS:
        if isinstance(prefixes, str):
            prefixes = (prefixes,)
        if any(phase.startswith(p) for p in prefixes):
            return label
    return "Python around the steps"


def clear(client: redis.Redis, key: str) -> None:
    for suffix in ("phases", "tasks", "received", "acked"):
        client.delete(f"{key}:{suffix}")


def read(client: redis.Redis, key: str, *, workers: int, articles: int) -> Breakdown:
    """Sum the pool processes' phases and split their idle time with the main processes'
    receive and acknowledgement times (same machine: wall clocks agree)."""
    result = Breakdown(workers=workers, articles=articles)
    per = 1000 / max(articles, 1)
    idle_seen = 0.0
    for raw in client.hgetall(f"{key}:phases").values():
        for phase, (wall, cpu, _entries) in json.loads(raw).items():
            if phase == "idle":
                idle_seen += wall
                continue
            result.wall[phase] = result.wall.get(phase, 0.0) + wall * per
            result.cpu[phase] = result.cpu.get(phase, 0.0) + cpu * per
    tasks = [json.loads(r) for r in client.lrange(f"{key}:tasks", 0, -1)]
    received = {json.loads(r)[1]: json.loads(r)[2] for r in client.lrange(f"{key}:received", 0, -1)}
    acked = {json.loads(r)[1]: json.loads(r)[2] for r in client.lrange(f"{key}:acked", 0, -1)}
    by_process: dict[int, list] = defaultdict(list)
    for pid, task_id, name, started, ended in tasks:
        by_process[pid].append((started, ended, task_id))
        result.tasks[name] += 1
    split = {"idle: result to main process, ack": 0.0, "idle: next message from Redis": 0.0}
    split["idle: hand-over to pool process"] = 0.0
    gaps = 0.0
    for runs in by_process.values():
        runs.sort()
        for (_s, previous_end, previous_id), (started, _e, task_id) in itertools.pairwise(runs):
            if previous_end is None:
                continue
            ack = max(previous_end, acked.get(previous_id, previous_end))
            ack = min(ack, started)
            got = min(max(ack, received.get(task_id, ack)), started)
            split["idle: result to main process, ack"] += ack - previous_end
            split["idle: next message from Redis"] += got - ack
            split["idle: hand-over to pool process"] += started - got
            gaps += started - previous_end
    for phase, seconds in split.items():
        result.wall[phase] = seconds * per
        result.cpu[phase] = 0.0
    # Idle before the first task and after the last one (start-up, the end of the run).
    result.wall["idle: before the first / after the last task"] = max(0.0, idle_seen - gaps) * per
    result.cpu["idle: before the first / after the last task"] = 0.0
    return result


def grouped(breakdown: Breakdown) -> dict[str, tuple[float, float]]:
    out: dict[str, list[float]] = {label: [0.0, 0.0] for label, _ in GROUPS}
    for phase, wall in breakdown.wall.items():
        if phase.startswith("idle: before"):
            continue
        label = group_of(phase)
        out[label][0] += wall
        out[label][1] += breakdown.cpu.get(phase, 0.0)
    return {label: (w, c) for label, (w, c) in out.items()}


def table(runs: list[Breakdown], *, detail: bool = False) -> str:
    """Side by side: ms per article summed over the worker processes (wall / CPU)."""
    header = "  ms per article, all worker processes (wall / CPU)".ljust(58) + "".join(
        f"{f'{b.workers} worker(s)':>18}" for b in runs
    )
    lines = [header]
    groups = [grouped(b) for b in runs]
    for label, _ in GROUPS:
        cells = "".join(f"{g[label][0]:>10.1f} /{g[label][1]:>6.1f}" for g in groups)
        lines.append(f"    {label:<54}{cells}")
    totals = "".join(
        f"{sum(w for w, _ in g.values()):>10.1f} /{sum(c for _, c in g.values()):>6.1f}"
        for g in groups
    )
    lines.append(f"    {'total (= workers × wall time of the run / articles)':<54}{totals}")
    if detail:
        phases = sorted({p for b in runs for p in b.wall}, key=lambda p: (group_of(p), p))
        lines.append("  every phase:")
        for phase in phases:
            cells = "".join(
                f"{b.wall.get(phase, 0.0):>10.2f} /{b.cpu.get(phase, 0.0):>6.2f}" for b in runs
            )
            lines.append(f"    {phase[:54]:<54}{cells}")
    return "\n".join(lines)


# --- PostgreSQL wait events -----------------------------------------------------------------


def _sample(dsn: str, database: str, stop, queue, interval: float) -> None:
    import psycopg

    counts: Counter = Counter()
    samples = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(
                "SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, ''), "
                "left(query, 40) FROM pg_stat_activity WHERE datname = %s "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND application_name = ''",
                [database],
            ).fetchall()
            samples += 1
            for state, wait_type, wait, query in rows:
                state = state or "no state"
                if state == "active":
                    what = f"active: {wait_type}:{wait}" if wait_type else "active: on CPU"
                    what += f"  [{query.split()[0] if query else ''}]"
                else:
                    what = f"{state}: {wait_type}:{wait}" if wait_type else state
                counts[what] += 1
            time.sleep(interval)
    queue.put((samples, dict(counts)))


class WaitSampler:
    """Samples pg_stat_activity for the bench database from a process of its own."""

    def __init__(self, dsn: str, database: str, interval: float = 0.01):
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.queue = context.Queue()
        self.process = context.Process(
            target=_sample, args=(dsn, database, self.stop, self.queue, interval), daemon=True
        )

    def __enter__(self) -> WaitSampler:
        self.process.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()

    def report(self) -> str:
        samples, counts = self.queue.get(timeout=30)
        self.process.join(timeout=10)
        lines = [
            f"  PostgreSQL sessions of the bench database, {samples} samples (share of samples):"
        ]
        for what, n in sorted(counts.items(), key=lambda item: -item[1])[:14]:
            lines.append(f"    {what:<60} {n / max(samples, 1):6.2f}")
        return "\n".join(lines)
