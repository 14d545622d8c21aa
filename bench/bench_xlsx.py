"""Benchmark the XLSX writer: rows/s and peak memory as the rows grow (no database needed).

    python bench/bench_xlsx.py [--rows 10000 100000 300000]

Writes synthetic `evidence` rows (the widest text table: headline, snippet, URLs, times) through
`pledges.exports.xlsx.write_xlsx` into a temporary file, each size in a fresh process, and prints
the time, rows/s, the file size and the peak RSS of that process. Bounded memory means the peak
RSS stays flat while the rows grow tenfold. Always exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def rows(n: int):
    seoul = dt.timezone(dt.timedelta(hours=9))
    start = dt.datetime(2025, 1, 1, 6, 0, tzinfo=seoul)
    for i in range(n):
        at = start + dt.timedelta(minutes=i)
        yield (
            i,
            f"2025-GJ-{i % 300:02d}",
            f"pledge-{i % 300}",
            "confirmed",
            "auto",
            i // 3,
            f"https://news.example.kr/article/{i}",
            f"광주 인공지능 집적단지 2단계 사업 {i}번째 기사, 국비 확보가 관건",
            "예시일보",
            "홍길동 기자",
            at.date(),
            at,
            "2단계 사업비 9,000억 원 가운데 국비 957억 원은 아직 확보되지 않았다. " * 3,
            at + dt.timedelta(days=1),
        )


def one(n: int) -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()
    from pledges.exports import TABLES
    from pledges.exports.xlsx import write_xlsx

    columns = TABLES["evidence"].columns
    with tempfile.TemporaryFile() as target:
        started = time.perf_counter()
        write_xlsx(columns, rows(n), target, sheet_name="evidence", created=dt.date(2025, 1, 1))
        elapsed = time.perf_counter() - started
        size = target.tell()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:>9,} rows  {elapsed:7.1f} s  {n / elapsed:>9,.0f} rows/s  "
        f"{size / 1e6:7.1f} MB file  peak RSS {peak_mb:6.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    print("XLSX writer (evidence columns, constant_memory), each size in a fresh process:")
    for n in args.rows:
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=False)


if __name__ == "__main__":
    main()
