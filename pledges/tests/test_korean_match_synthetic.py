"""The matcher on the short articles written for bench-match (bench/data/synthetic_match.jsonl):
one or more per kind of miss seen on unseen news. Every article must come out as labelled."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pledges.korean import (
    compile_pledges,
    load_terms,
    match_article,
    normalize_text,
    specs_from_terms,
)

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
SCORED = {"national-ai-computing-center", "ax-demonstration-valley", "ai-mobility-pilot-city"}
ARTICLES = [
    json.loads(line)
    for line in (DATA / "synthetic_match.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def compiled():
    """The demo terms, names from each pledge's title and original text, and the revision texts
    of the data set (the platform's own wording), as the database gives them to the matcher."""
    demo = json.loads((DATA.parents[1] / "pledges" / "demo" / "gwangju_2025.json").read_text())
    rows = {p["slug"]: p for p in demo["pledges"]}
    revisions = json.loads((DATA / "synthetic_match_revisions.json").read_text(encoding="utf-8"))
    specs = []
    for spec in specs_from_terms(load_terms()):
        row = rows.get(spec.slug, {})
        names = [n for n in (row.get("title"), row.get("original_text")) if n]
        names += revisions.get(spec.slug, [])
        specs.append(dataclasses.replace(spec, names=(*spec.names, *names)))
    return compile_pledges(specs)


def test_the_data_set_has_every_kind_of_unseen_miss():
    kinds = {a["kind"] for a in ARTICLES}
    assert {"platform_wording", "parenthesis", "other_region_passing", "follow_on_goals"} <= kinds


@pytest.mark.parametrize("article", ARTICLES, ids=[a["id"] for a in ARTICLES])
def test_synthetic_article_is_matched_as_labelled(article, compiled):
    text = normalize_text(article["text"])
    matches = match_article(article["title"], text, compiled, review_threshold=0.5)
    assert {m.slug for m in matches} & SCORED == set(article["labels"])
