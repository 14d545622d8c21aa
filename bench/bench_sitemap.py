"""Sitemap benchmark: parsing a sitemap of 50,000 URLs (the protocol's limit) and a Google News
sitemap of 1,000, plain and gzipped: URLs/s and the parser's peak Python memory.

    make bench-sitemap          # DEBUG=1 python bench/bench_sitemap.py

No database or network: it measures ``ingest.sitemaps`` alone. Prints a table; never fails.
"""

from __future__ import annotations

import gzip
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from pledges.ingest import sitemaps  # noqa: E402

NS = (
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
)


def plain_sitemap(count: int) -> bytes:
    rows = b"".join(
        b"<url><loc>https://news.example.kr/article/view/%07d</loc>"
        b"<lastmod>2025-06-%02dT09:%02d:00+09:00</lastmod></url>" % (n, 1 + n % 28, n % 60)
        for n in range(count)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>'.encode() + rows + b"</urlset>"


def news_sitemap(count: int) -> bytes:
    rows = "".join(
        f"<url><loc>https://news.example.kr/a/{n}</loc><news:news><news:publication>"
        "<news:name>시험일보</news:name><news:language>ko</news:language></news:publication>"
        f"<news:publication_date>2025-06-10T09:{n % 60:02d}:00+09:00</news:publication_date>"
        f"<news:title>광주 AI 데이터센터 {n}호 소식</news:title></news:news></url>"
        for n in range(count)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{rows}</urlset>'.encode()


def measure(name: str, content: bytes, rounds: int = 3) -> None:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        data = sitemaps.ungzip(content, max_bytes=50 * 2**20)
        parsed = sitemaps.parse_sitemap(data)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    sitemaps.parse_sitemap(sitemaps.ungzip(content, max_bytes=50 * 2**20))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    count = len(parsed.entries)
    print(
        f"{name:<34} {len(content) / 2**20:7.2f} MB {count:>7,} URLs {best:7.2f} s "
        f"{count / best:>9,.0f} URLs/s  peak {peak / 2**20:6.1f} MB (Python heap)"
    )


def main() -> None:
    big = plain_sitemap(50_000)
    news = news_sitemap(1_000)
    print("sitemap parsing (best of 3)")
    measure("sitemaps.org, 50,000 URLs", big)
    measure("sitemaps.org, 50,000 URLs, gzip", gzip.compress(big))
    measure("Google News, 1,000 URLs", news)


if __name__ == "__main__":
    main()
