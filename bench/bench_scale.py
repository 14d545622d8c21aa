"""The matcher at the size of a national tracker (no Django needed for this part).

    python bench/bench_scale.py [EVAL_DEV_DIR] [--pledges 10000] [--repeat 3]

Generates synthetic pledge books (243 promisers, each with its region names and look-alikes;
names built from shared parts so they overlap) around the four Gwangju demo pledges, and
reports, on the eval-dev articles (one core): matching articles/s at 4, 1,000 and 10,000
pledges with the term index, the same without it (every pledge scored) at 1,000, the time to
compile a book (index rebuild), and that both paths give the same matches. Texts are
normalized and split once beforehand, so the figures are the matcher's own cost.

Then, with PostgreSQL (``bench/scale_db.py``): a bench database of 10,000 pledges, 1,000,000
articles and 200,000 evidence rows, EXPLAIN (ANALYZE) of every query of the list, detail,
search, feed, export and review-queue pages, and their p50/p99 beside a trivial view;
(``bench/scale_http.py``) the same pages through gunicorn over HTTP with the cache on, warm (as
readers see them between publications) and cold (every request a render, as right after a
publication), against the public-site targets; and
(``bench/scale_memory.py``) the unique memory (USS/PSS) of Celery worker processes sharing the
Kiwi model loaded before forking. ``--engine-only`` / ``--db-only`` / ``--no-http`` /
``--no-memory`` choose parts. Always exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pledges.korean import (  # noqa: E402
    PledgeSpec,
    compile_pledges,
    load_terms,
    match_article,
    normalize_text,
    specs_from_terms,
)
from pledges.korean import match as engine_match  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from bench_match import with_official_names  # noqa: E402

PARTS = [
    "국가",
    "AI",
    "데이터",
    "도시철도",
    "2호선",
    "트램",
    "실증",
    "밸리",
    "모빌리티",
    "미래차",
    "산단",
    "수소",
    "그린",
    "스마트",
    "항만",
    "공항",
    "복합",
    "문화",
    "체육관",
    "광역",
    "순환",
    "도로",
    "캠퍼스",
    "청년",
    "주택",
    "공공",
    "의료원",
    "어린이",
    "병원",
    "둘레길",
    "하수",
    "처리장",
    "관광",
    "단지",
    "혁신",
    "센터",
    "물류",
    "드론",
    "해양",
]


def synthetic_book(size: int, seed: int = 14) -> list[PledgeSpec]:
    """``size`` pledges over 243 promisers, each promiser with its own (numbered) region."""
    rng = random.Random(seed)
    specs = []
    for n in range(size):
        region = f"가상{n % 243:03d}"
        name = lambda k: " ".join(rng.sample(PARTS, k))  # noqa: E731
        title = f"{region} {name(3)} 조성"
        specs.append(
            PledgeSpec(
                slug=f"synthetic-{n:05d}",
                title=title,
                aliases=(name(3),),
                keywords=(name(2), name(2)),
                exclusions=(f"글로벌 {name(2)}",),
                region_terms=(region, f"{region}시", f"{region}군"),
                region_exclusions=(f"경기 {region}",),
                context_terms=(name(1),),
                names=(title,),
            )
        )
    return specs


def load_articles(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (path / "articles.jsonl").read_text().splitlines() if line]
    return [(r.get("title", ""), normalize_text(r.get("text", ""))) for r in rows]


def rate(articles, book, use_index=True, repeat=3) -> tuple[float, list]:
    best = float("inf")
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = [
            match_article(t, x, book, review_threshold=0.5, use_index=use_index)
            for t, x in articles
        ]
        best = min(best, time.perf_counter() - start)
    return len(articles) / best, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "eval_dev",
        nargs="?",
        default=os.environ.get("EVAL_DEV_DIR", str(REPO.parent / "shared" / "eval-dev")),
    )
    parser.add_argument("--pledges", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine-only", action="store_true", help="no database, no workers")
    parser.add_argument("--db-only", action="store_true", help="only the database part")
    parser.add_argument("--no-memory", action="store_true", help="no worker memory part")
    parser.add_argument("--no-http", action="store_true", help="no pages over HTTP (gunicorn)")
    args = parser.parse_args()
    if not args.db_only:
        engine(args)
    if args.engine_only:
        return
    import scale_db

    scale_db.run()
    if not args.no_http and scale_db.ready:
        import scale_http

        scale_http.run(scale_db.database_url())
    if not args.no_memory and scale_db.ready:
        import scale_memory

        scale_memory.run(scale_db.database_url())


def engine(args: argparse.Namespace) -> None:
    path = Path(args.eval_dev)
    if not (path / "articles.jsonl").exists():
        print(f"eval-dev not found at {path} (set EVAL_DEV_DIR or pass a path)")
        return
    articles = load_articles(path)
    demo = with_official_names(specs_from_terms(load_terms()))
    match_article("워밍업", "광주 국가AI컴퓨팅센터.", demo, review_threshold=0.5)  # load Kiwi
    print(f"{len(articles)} eval-dev articles, one core, best of {args.repeat}")
    base_rate, base_out = rate(articles, compile_pledges(demo), repeat=args.repeat)
    print(f"  {len(demo):>6} pledges: {base_rate:7.1f} articles/s (index)")
    for size in sorted({1000, args.pledges}):
        specs = [*demo, *synthetic_book(size - len(demo))]
        for cache in (engine_match._compile, engine_match._compile_one, engine_match._derived):
            cache.cache_clear()  # a cold compile, as a new worker process does
        start = time.perf_counter()
        book = compile_pledges(specs)
        built = time.perf_counter() - start
        fast, fast_out = rate(articles, book, repeat=args.repeat)
        same_demo = [[m.slug for m in ms] for ms in fast_out] == [
            [m.slug for m in ms] for ms in base_out
        ]
        print(
            f"  {size:>6} pledges: {fast:7.1f} articles/s (index), ratio to 4 pledges "
            f"{fast / base_rate:.2f} (target >= 0.8 at 10,000); book compiled in {built:.2f} s "
            f"({book.index.keys} keys); demo matches unchanged: {same_demo}"
        )
        # An editor changes one pledge's terms: the book is rebuilt, re-deriving only that one.
        edited = list(specs)
        edited[-1] = dataclasses.replace(edited[-1], aliases=("규모 시험 별칭 센터",))
        start = time.perf_counter()
        compile_pledges(edited)
        print(
            f"  {size:>6} pledges: book rebuilt after one pledge's edit in "
            f"{time.perf_counter() - start:.2f} s"
        )
        if size == 1000:
            slow, slow_out = rate(articles, book, use_index=False, repeat=1)
            same = all(
                [(m.slug, m.score, m.features) for m in a]
                == [(m.slug, m.score, m.features) for m in b]
                for a, b in zip(fast_out, slow_out, strict=True)
            )
            print(
                f"  {size:>6} pledges: {slow:7.1f} articles/s scoring every pledge; same results: {same}"
            )


if __name__ == "__main__":
    main()
