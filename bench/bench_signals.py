"""Benchmark status-signal extraction on the hand-labelled eval-dev events (no Django needed).

    python bench/bench_signals.py [EVAL_DEV_DIR] [--show]

Labels: bench/data/status_signals.jsonl (offsets only; see bench/data/README.md). Articles are
read from ../shared/eval-dev at run time. Only `positive` articles are scored (signals are
extracted for articles already matched to a pledge); the signals found in the other articles are
counted and printed for information.

A predicted signal matches a label when the article and the kind are equal and the predicted
sentence span overlaps the labelled sentence span; each label matches at most one prediction.
Reported for all / half A (tuned on) / half B (held out), halves by sorted id (even positions A):
precision, recall, F1, and among matches the accuracy of `happened` and of `date` (labels with a
date only, compared at the label's precision). Also articles/s over all 48 articles (one core,
Kiwi loaded beforehand). Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pledges.korean.kiwi import get_kiwi  # noqa: E402
from pledges.korean.signals import extract_status_signals  # noqa: E402

LABELS = REPO / "bench" / "data" / "status_signals.jsonl"
# The tracked pledges' own region (the terms an editor would give for the Gwangju pledges).
REGION_TERMS = ("광주", "광주광역시", "광주시", "광산구", "북구", "빛그린", "첨단3지구")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def halves(articles: list[dict]) -> dict[str, str]:
    ids = sorted(a["id"] for a in articles)
    return {aid: ("A" if i % 2 == 0 else "B") for i, aid in enumerate(ids)}


def predict(article: dict) -> list:
    published = date.fromisoformat(article["published"]) if article.get("published") else None
    return extract_status_signals(
        article.get("title") or "",
        article["text"],
        region_terms=REGION_TERMS,
        published=published,
    )


def date_ok(label: str, predicted: date | None) -> bool:
    if predicted is None:
        return False
    return predicted.isoformat()[: len(label)] == label


def score(labels: list[dict], predictions: dict[str, list], ids: set[str]) -> dict:
    c = {"tp": 0, "fp": 0, "fn": 0, "happened_ok": 0, "date_n": 0, "date_ok": 0}
    misses, extras = [], []
    for aid in sorted(ids):
        gold = [g for g in labels if g["id"] == aid]
        used: set[int] = set()
        for p in predictions.get(aid, []):
            if p.source != "text":
                continue
            match = next(
                (
                    i
                    for i, g in enumerate(gold)
                    if i not in used
                    and g["kind"] == p.kind
                    and p.start < g["end"]
                    and g["start"] < p.end
                ),
                None,
            )
            if match is None:
                c["fp"] += 1
                extras.append(f"{aid}@{p.start}:{p.kind}{'' if p.happened else '(planned)'}")
                continue
            used.add(match)
            g = gold[match]
            c["tp"] += 1
            c["happened_ok"] += p.happened == g["happened"]
            if p.happened != g["happened"]:
                extras.append(f"{aid}@{p.start}:{p.kind} happened={p.happened}≠{g['happened']}")
            if g["date"]:
                c["date_n"] += 1
                c["date_ok"] += date_ok(g["date"], p.date)
                if not date_ok(g["date"], p.date):
                    extras.append(f"{aid}@{p.start}:{p.kind} date={p.date}≠{g['date']}")
        for i, g in enumerate(gold):
            if i not in used:
                c["fn"] += 1
                misses.append(f"{aid}@{g['start']}:{g['kind']}")
    c["misses"], c["extras"] = misses, extras
    return c


def row(name: str, c: dict) -> str:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    h = c["happened_ok"] / c["tp"] if c["tp"] else 1.0
    d = f"{c['date_ok']}/{c['date_n']}"
    return (
        f"  {name:8} {p:6.2f} {r:6.2f} {f:6.2f}  {c['tp']:3d} {c['fp']:3d} {c['fn']:3d}"
        f"   {h:8.2f}  {d:>6}"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("eval_dev", nargs="?", default=str(REPO.parent / "shared" / "eval-dev"))
    ap.add_argument("--show", action="store_true", help="list misses and extras per half")
    args = ap.parse_args()
    articles = read_jsonl(Path(args.eval_dev) / "articles.jsonl")
    labels = read_jsonl(LABELS)
    half = halves(articles)
    kiwi = get_kiwi()
    kiwi.tokenize("준비 운동")  # model load and first-call warm-up are not part of the throughput
    elapsed = bare = float("inf")
    for _ in range(3):  # best of three, one core
        t0 = time.perf_counter()
        predictions = {a["id"]: predict(a) for a in articles}
        elapsed = min(elapsed, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for a in articles:
            kiwi.tokenize(a["text"])
        bare = min(bare, time.perf_counter() - t0)
    positive = {a["id"] for a in articles if a.get("kind") == "positive"}
    print(f"status signals: {len(labels)} labels in {len({g['id'] for g in labels})} articles")
    print(f"  {'set':8} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn   happened    date")
    results = {}
    for name, ids in (
        ("all", positive),
        ("half A", {i for i in positive if half[i] == "A"}),
        ("half B", {i for i in positive if half[i] == "B"}),
    ):
        results[name] = score(labels, predictions, ids)
        print(row(name, results[name]))
    other = sum(len(predictions[a["id"]]) for a in articles if a["id"] not in positive)
    print(f"  signals in the {len(articles) - len(positive)} non-positive articles: {other}")
    if args.show:
        for name in ("half A", "half B"):
            print(f"{name} misses: {' '.join(results[name]['misses']) or '-'}")
            print(f"{name} extras: {' '.join(results[name]['extras']) or '-'}")
    rate = len(articles) / elapsed if elapsed else float("inf")
    print(f"throughput: {rate:.0f} articles/s ({len(articles)} articles, {elapsed:.3f} s)")
    print(f"  bare kiwipiepy tokenize of the same texts: {len(articles) / bare:.0f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
