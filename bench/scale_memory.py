"""Memory of Celery worker processes that share the Kiwi model (part of ``make bench-scale``).

Starts real ``celery worker`` process groups (prefork) against the scale bench database and
the broker of REDIS_URL, on a queue of their own, and reads each process's memory from
/proc/<pid>/smaps_rollup (psutil ``memory_full_info``): USS (pages only it holds: what the
process really adds), PSS (shared pages divided among their sharers) and RSS. Twice per
configuration: idle after start, and after every child matched articles (Kiwi's analysis ran
and the 10,000-pledge book is compiled in each child).

Configurations: the model loaded in the parent before forking (``worker_init``, the default),
with 1 and 3 children, and without it (WARM_KIWI_ON_WORKER_START=0: each child loads its own
at its first article). "Per added worker" is (total USS with 3 children − total with 1) ÷ 2.
Never fails on the figures; kills every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "bench-scale-memory"
MB = 1024 * 1024


def _memory(pid: int) -> dict[str, float]:
    import psutil

    info = psutil.Process(pid).memory_full_info()
    return {"uss": info.uss / MB, "pss": info.pss / MB, "rss": info.rss / MB}


class WorkerGroup:
    def __init__(self, concurrency: int, preload: bool, database_url: str) -> None:
        self.concurrency = concurrency
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "LOG_LEVEL": "WARNING",
            "WARM_KIWI_ON_WORKER_START": "1" if preload else "0",
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> WorkerGroup:
        celery = Path(sys.executable).with_name("celery")
        self.process = subprocess.Popen(
            [str(celery), "-A", "tracker", "worker", "-Q", QUEUE, "--pool", "prefork",
             "-c", str(self.concurrency), "-n", f"scale-memory-{os.getpid()}@%h",
             "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        return self

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def children(self) -> list[int]:
        import psutil

        return sorted(c.pid for c in psutil.Process(self.process.pid).children())

    def wait_ready(self, timeout: float = 300) -> bool:
        """All children forked and the parent's memory no longer growing."""
        deadline = time.monotonic() + timeout
        last = -1.0
        while time.monotonic() < deadline:
            time.sleep(2)
            if self.process.poll() is not None:
                return False
            rss = _memory(self.process.pid)["rss"]
            if len(self.children()) == self.concurrency and abs(rss - last) < 1:
                return True
            last = rss
        return False

    def snapshot(self) -> tuple[dict[str, float], list[dict[str, float]]]:
        return _memory(self.process.pid), [_memory(pid) for pid in self.children()]


def _match_some(count: int, timeout: float = 600) -> bool:
    """Queue ``count`` articles for matching on the bench queue; wait until all are matched."""
    from pledges.models import Article
    from pledges.tasks import match_article_task

    # Articles without evidence: matching them leaves the seeded evidence as it is.
    ids = list(
        Article.objects.filter(evidence__isnull=True)
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    )
    Article.objects.filter(pk__in=ids).update(matched_at=None)
    for pk in ids:
        match_article_task.apply_async(args=[pk], queue=QUEUE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Article.objects.filter(pk__in=ids, matched_at__isnull=True).exists():
            return True
        time.sleep(1)
    return False


def _line(label: str, parent: dict, children: list[dict]) -> float:
    kids = "  ".join(
        f"USS {c['uss']:6.0f} PSS {c['pss']:6.0f} RSS {c['rss']:6.0f}" for c in children
    )
    total = parent["uss"] + sum(c["uss"] for c in children)
    print(f"  {label:<34} parent USS {parent['uss']:6.0f} PSS {parent['pss']:6.0f} "
          f"RSS {parent['rss']:6.0f} | children: {kids} | total USS {total:6.0f}")  # fmt: skip
    return total


def run(database_url: str) -> None:
    if not sys.platform.startswith("linux"):
        print("worker memory: needs Linux (/proc/<pid>/smaps_rollup); skipped")
        return
    print("\nWorker memory, MB (celery prefork against the scale database; "
          "USS = only this process's pages)")  # fmt: skip
    totals: dict[tuple[int, bool], float] = {}
    for concurrency, preload in [(1, True), (3, True), (3, False)]:
        label = f"{concurrency} child{'ren' if concurrency > 1 else ''}, " + (
            "Kiwi loaded before fork" if preload else "each child loads Kiwi"
        )
        with WorkerGroup(concurrency, preload, database_url) as group:
            if not group.wait_ready():
                print(f"  {label}: the worker did not start")
                continue
            _line(label + ", idle", *group.snapshot())
            if not _match_some(8 * concurrency):
                print(f"  {label}: matching did not finish in time")
                continue
            time.sleep(2)
            totals[concurrency, preload] = _line(label + ", after matching", *group.snapshot())
    if (1, True) in totals and (3, True) in totals:
        added = (totals[3, True] - totals[1, True]) / 2
        print(f"  per added worker process (Kiwi shared): {added:.0f} MB unique (target < 100)")
    if (3, False) in totals and (3, True) in totals:
        print(f"  3 children without loading before fork: {totals[3, False]:.0f} MB unique in "
              f"all, against {totals[3, True]:.0f} MB with it")  # fmt: skip
