"""Benchmark the money reader on the labelled eval-dev articles (no Django needed).

    python bench/bench_money.py [EVAL_DEV_DIR] [--normalized] [--details A|B|all] [--repeat 5]

Runs ``extract_article_amounts`` (what ``manage.py extract_amounts --jsonl`` prints) on every
article of eval-dev/articles.jsonl and scores it against eval-dev/money.jsonl.

Alignment. Within one article, predicted and labelled amounts are paired by value and occurrence
order: the k-th predicted amount of value v is paired with the k-th labelled amount of value v.
A pair is a true positive; an unpaired prediction is a false positive, an unpaired label a false
negative. Value-and-order is enough because an article rarely writes one value twice with different
meanings, and it does not depend on how much of "약 6천억 원" the reader and the labeller took as
the amount's text.

Scores (for all articles, half A and half B; halves by sorted id, even positions = A, the half the
rules were tuned on, odd positions = B, held out):
- amounts precision / recall / F1;
- budget-flag accuracy over the pairs;
- funder accuracy over pairs whose label is a budget figure (``budget: true``);
- stage accuracy over pairs whose label is a budget figure and not ``doubtful``.

``--normalized`` reads the text after ``normalize_text`` (what the app stores and reads) instead of
the raw text. ``--details`` prints the mismatches of one half (tune on A only). Also prints
throughput of the money reader alone (articles/s) and its time on texts 1x, 4x and 16x long, which
must grow linearly. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pledges.korean import normalize_text  # noqa: E402
from pledges.korean.money import extract_amounts, extract_article_amounts  # noqa: E402


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def halves(articles: list[dict]) -> dict[str, str]:
    ids = sorted(a["id"] for a in articles)
    return {i: ("A" if n % 2 == 0 else "B") for n, i in enumerate(ids)}


def align(predicted: list[dict], gold: list[dict]) -> tuple[list[tuple[dict, dict]], list, list]:
    """Pairs of (predicted, gold) with equal krw, k-th with k-th; then the unpaired of each."""
    by_value: dict[int, list[dict]] = defaultdict(list)
    for g in gold:
        by_value[g["krw"]].append(g)
    used: dict[int, int] = defaultdict(int)
    pairs, extra = [], []
    for p in predicted:
        k = used[p["krw"]]
        if k < len(by_value[p["krw"]]):
            pairs.append((p, by_value[p["krw"]][k]))
            used[p["krw"]] += 1
        else:
            extra.append(p)
    paired = {id(g) for _, g in pairs}
    missed = [g for g in gold if id(g) not in paired]
    return pairs, extra, missed


class Score:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0
        self.budget = [0, 0]
        self.funder = [0, 0]
        self.stage = [0, 0]
        self.confusion: dict[tuple[str, str], int] = defaultdict(int)  # (gold, predicted) funder

    def confusion_rows(self) -> list[str]:
        """Funder gold (rows) against predicted (columns) over budget-figure pairs."""
        names = ["total", "national", "metropolitan", "district", "local", "private", "other"]
        names = [n for n in names if any(n in k for k in self.confusion)] + ["None"]
        rows = [f"    {'gold/predicted':16}" + "".join(f"{n[:8]:>9}" for n in names)]
        for g in names:
            cells = [self.confusion.get((g, p), 0) for p in names]
            if any(cells):
                rows.append(f"    {g:16}" + "".join(f"{c:9}" for c in cells))
        return rows

    def row(self, name: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0

        def acc(c: list[int]) -> str:
            return f"{c[0] / c[1]:6.3f} ({c[0]:2}/{c[1]:2})" if c[1] else f"{'-':>6} ( 0/ 0)"

        return (
            f"  {name:5} {p:6.3f} {r:6.3f} {f:6.3f} {self.tp:4} {self.fp:3} {self.fn:3}  "
            f"{acc(self.budget)}  {acc(self.funder)}  {acc(self.stage)}"
        )


def score(articles: list[dict], gold: list[dict], predictions: dict[str, list[dict]]):
    half = halves(articles)
    gold_by_id: dict[str, list[dict]] = defaultdict(list)
    for g in gold:
        gold_by_id[g["id"]].append(g)
    scores = {"all": Score(), "A": Score(), "B": Score()}
    mismatches: dict[str, list[str]] = {"A": [], "B": []}
    for a in articles:
        pairs, extra, missed = align(predictions[a["id"]], gold_by_id[a["id"]])
        h = half[a["id"]]
        for s in (scores["all"], scores[h]):
            s.tp += len(pairs)
            s.fp += len(extra)
            s.fn += len(missed)
            for p, g in pairs:
                s.budget[0] += p["budget"] == g["budget"]
                s.budget[1] += 1
                if g["budget"]:
                    s.funder[0] += p["funder"] == g["funder"]
                    s.funder[1] += 1
                    s.confusion[(str(g["funder"]), str(p["funder"]))] += 1
                    if not g.get("doubtful"):
                        s.stage[0] += p["stage"] == g["stage"]
                        s.stage[1] += 1
        out = mismatches[h]
        for p in extra:
            out.append(f"{a['id']} FP {p['text']!r} {p['krw']:,} | {p['sentence'][:90]}")
        for g in missed:
            out.append(f"{a['id']} FN {g['text']!r} {g['krw']:,} | {g['sentence'][:90]}")
        for p, g in pairs:
            keys = [k for k in ("budget", "funder", "stage") if p[k] != g[k]]
            if not g["budget"]:
                keys = [k for k in keys if k == "budget"]
            if keys:
                got = " ".join(f"{k}={p[k]}/{g[k]}" for k in keys)
                doubt = " (doubtful)" if g.get("doubtful") else ""
                out.append(f"{a['id']} {p['text']!r} got/label {got}{doubt} | {p['sentence'][:90]}")
    return scores, mismatches


def predict(articles: list[dict], normalized: bool) -> dict[str, list[dict]]:
    out = {}
    for a in articles:
        text = normalize_text(a["text"]) if normalized else a["text"]
        out[a["id"]] = [x.as_dict() for x in extract_article_amounts(a.get("title") or "", text)]
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("eval_dir", nargs="?", default=os.environ.get("EVAL_DEV_DIR"))
    ap.add_argument("--normalized", action="store_true")
    ap.add_argument("--details", choices=("A", "B", "all"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    eval_dir = Path(args.eval_dir) if args.eval_dir else REPO.parent / "shared" / "eval-dev"
    if not (eval_dir / "money.jsonl").exists():
        print(f"eval-dev not found at {eval_dir} (set EVAL_DEV_DIR or pass a path)")
        return 0
    articles = load_jsonl(eval_dir / "articles.jsonl")
    gold = load_jsonl(eval_dir / "money.jsonl")

    print(f"eval-dev money: {len(gold)} labelled amounts in {len(articles)} articles")
    for normalized in (False, True) if args.normalized else (False,):
        predictions = predict(articles, normalized)
        scores, mismatches = score(articles, gold, predictions)
        print()
        print(f"TEXT: {'normalize_text(text)' if normalized else 'raw text'}")
        print(
            f"  {'half':5} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>3} {'fn':>3}  "
            f"{'budget flag':>13}  {'funder':>13}  {'stage':>13}"
        )
        for name in ("all", "A", "B"):
            print(scores[name].row(name))
        for name in ("A", "B"):
            print(f"  funder confusion, half {name} (counts only; tune on A):")
            for line in scores[name].confusion_rows():
                print(line)
        if args.details:
            for h in ("A", "B") if args.details == "all" else (args.details,):
                print(f"  mismatches in half {h}:")
                for line in mismatches[h] or ["-"]:
                    print("   ", line)

    texts = [(a.get("title") or "", a["text"]) for a in articles]
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for title, text in texts:
            extract_article_amounts(title, text)
        best = min(best, time.perf_counter() - t0)
    chars = sum(len(t) for _, t in texts)
    print()
    print(f"SPEED (one core, best of {args.repeat})")
    print(
        f"  extract_article_amounts: {len(texts) / best:9.1f} articles/s {chars / best:11.0f} chars/s"
    )
    joined = "\n".join(t for _, t in texts)
    for copies in (1, 4, 16):
        text = "\n".join([joined] * copies)
        t0 = time.perf_counter()
        found = extract_amounts(text)
        seconds = time.perf_counter() - t0
        print(
            f"  {len(text):>10,} chars, {len(found):5} amounts: {seconds:6.3f} s = "
            f"{len(text) / seconds:10.0f} chars/s"
        )
    return 0


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as exc:
        print(f"benchmark error: {exc!r}")
    sys.exit(0)
