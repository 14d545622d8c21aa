"""Score an article against pledges.

All knowledge about a pledge comes from its ``PledgeSpec`` (editable data); the code holds only
general rules:

- Matching is on a key without spaces, punctuation and case, with 인공지능 ≡ AI and short
  parenthetical glosses dropped (``normalize.match_key``), so it ignores spacing and particles:
  "국가AI컴퓨팅센터", "국가 AI 컴퓨팅 센터를", "국가인공지능(AI)컴퓨팅센터" all match.
- ``exclusions`` are masked out before matching ("글로벌 AI컴퓨팅센터" is not the national one),
  and ``region_exclusions`` before counting region mentions ("경기도 광주시" is not 광주광역시).
- ``aliases`` are the pledged project's own names: one sentence naming it is evidence.
  ``keywords`` are weaker names ("AI 2단계", "AI컴퓨팅센터"): evidence only where the
  jurisdiction is named in the same sentence or the title (half weight if only elsewhere).
  ``context_terms`` add a little to a pledge that is already matched.
- ``needs_region``: the jurisdiction must be named somewhere in the article (and not be
  outnumbered by excluded look-alikes). A pledge whose project is national and whose siting is
  the news (the national AI computing center going to 해남) sets it to False.
- Position: the title counts most, then the lead (first two sentences) and ◇ sub-heads.
  More sentences add evidence with diminishing returns.
- Passing mention: a pledge named in a single sentence outside the title/lead is demoted when
  another pledge clearly is the article's subject, or when the article is long.
- score = 1 - exp(-evidence), in 0..1.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .normalize import is_column_layout, join_column_lines, match_keys, split_sentences

__all__ = [
    "CompiledPledges",
    "PledgeMatch",
    "PledgeSpec",
    "compile_pledges",
    "load_terms",
    "match_article",
    "specs_from_terms",
]

TERMS_FILE = Path(__file__).with_name("terms_gwangju_2025.json")


_TERM_FIELDS = (
    "keywords",
    "aliases",
    "exclusions",
    "region_terms",
    "region_exclusions",
    "context_terms",
)


@dataclass(frozen=True)
class PledgeSpec:
    slug: str
    title: str
    title_en: str = ""
    summary: str = ""
    keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    region_terms: tuple[str, ...] = ()
    region_exclusions: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()
    needs_region: bool = True

    def __post_init__(self) -> None:
        # Accept lists (e.g. from JSON or a model's JSONField) but stay hashable and immutable.
        for name in _TERM_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value or ()))


@dataclass(frozen=True)
class PledgeMatch:
    slug: str
    score: float
    terms: list[str] = field(default_factory=list)
    snippet: str = ""


# --- weights (general rules, not pledge knowledge) --------------------------------------------
W_ALIAS = 1.0
W_KEYWORD_LOCAL = 0.8  # keyword with the jurisdiction in the same sentence or title
W_KEYWORD_ARTICLE = 0.45  # keyword, jurisdiction named elsewhere in the article
POS_TITLE = 1.6
POS_LEAD = 1.3
LEAD_SENTENCES = 2
DECAY = 0.35  # i-th extra sentence counts 1 / (1 + DECAY * i)
W_CONTEXT = 0.08
MAX_CONTEXT = 0.3
W_DISTINCT = 0.1
MAX_DISTINCT = 0.3
DOMINANT_EVIDENCE = 2.0  # another pledge with this much evidence is the article's subject
PASSING_DOMINATED = 0.3
LONG_ARTICLE_SENTENCES = 14
PASSING_LONG = 0.5
_HEADING = re.compile(r"^\s*[◇◆■□▶▷]")


def _keys(terms: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(key, original term) pairs, longest key first, without duplicates or empties."""
    seen: dict[str, str] = {}
    for term in terms:
        key = match_keys(term)[1] if "(" in term else match_keys(term)[0]
        if key and key not in seen:
            seen[key] = term
    return tuple(sorted(seen.items(), key=lambda kv: -len(kv[0])))


@dataclass(frozen=True)
class _Compiled:
    spec: PledgeSpec
    aliases: tuple[tuple[str, str], ...]
    keywords: tuple[tuple[str, str], ...]
    context: tuple[tuple[str, str], ...]
    exclusions: tuple[str, ...]
    region: tuple[str, ...]
    region_exclusions: tuple[str, ...]


@dataclass(frozen=True)
class CompiledPledges:
    """Specs with their terms turned into match keys once (reuse across articles)."""

    pledges: tuple[_Compiled, ...]


def compile_pledges(specs: Iterable[PledgeSpec]) -> CompiledPledges:
    return _compile(tuple(specs))


@lru_cache(maxsize=32)
def _compile(specs: tuple[PledgeSpec, ...]) -> CompiledPledges:
    out = []
    for spec in specs:
        names = (spec.title, spec.title_en, *spec.aliases)
        out.append(
            _Compiled(
                spec=spec,
                aliases=_keys(n for n in names if n),
                keywords=_keys(spec.keywords),
                context=_keys(spec.context_terms),
                exclusions=tuple(k for k, _ in _keys(spec.exclusions)),
                region=tuple(k for k, _ in _keys(spec.region_terms)),
                region_exclusions=tuple(k for k, _ in _keys(spec.region_exclusions)),
            )
        )
    return CompiledPledges(tuple(out))


# --- the article, prepared once for all pledges ------------------------------------------------


@dataclass
class _Sentence:
    text: str
    keys: tuple[str, str]
    position: float  # POS_TITLE, POS_LEAD or 1.0


def _prepare(title: str, text: str, use_kiwi: bool) -> list[_Sentence]:
    if is_column_layout(text):
        text = join_column_lines(text)
    sentences: list[_Sentence] = []
    title = " ".join((title or "").split())
    if title:
        sentences.append(_Sentence(title, match_keys(title), POS_TITLE))
    body_index = 0
    for start, end in split_sentences(text, use_kiwi=use_kiwi):
        s = text[start:end].strip()
        keys = match_keys(s)
        if not keys[1]:
            continue
        if title and body_index == 0 and keys[1] == match_keys(title)[1]:
            continue  # the title repeated as the first line of the text
        lead = body_index < LEAD_SENTENCES or bool(_HEADING.match(s))
        sentences.append(_Sentence(s, keys, POS_LEAD if lead else 1.0))
        body_index += 1
    return sentences


def _mask(key: str, exclusions: tuple[str, ...]) -> str:
    for ex in exclusions:
        if ex in key:
            key = key.replace(ex, "#")
    return key


def _found(keys: tuple[str, str], terms: tuple[tuple[str, str], ...]) -> list[str]:
    hits = []
    for key, term in terms:
        if key in keys[0] or key in keys[1]:
            hits.append(term)
    return hits


@dataclass
class _Evidence:
    pledge: _Compiled
    evidence: float = 0.0
    sentences: list[tuple[float, int]] = field(default_factory=list)  # (weight, index)
    terms: list[str] = field(default_factory=list)
    strong_position: bool = False


def _region_counts(sentences: list[_Sentence], p: _Compiled) -> tuple[list[bool], int, int]:
    per_sentence = []
    hits = excluded = 0
    for s in sentences:
        k = s.keys[1]
        n_ex = sum(k.count(ex) for ex in p.region_exclusions)
        k = _mask(k, p.region_exclusions)
        n = sum(1 for r in p.region if r in k)
        per_sentence.append(n > 0)
        hits += n > 0
        excluded += n_ex
    return per_sentence, hits, excluded


def _score_one(p: _Compiled, sentences: list[_Sentence]) -> _Evidence:
    ev = _Evidence(p)
    if not sentences:
        return ev
    local, region_hits, region_excluded = _region_counts(sentences, p)
    region_ok = region_hits > 0 and region_hits >= region_excluded
    title_region = bool(local) and sentences[0].position == POS_TITLE and local[0]
    if p.spec.needs_region and not region_ok:
        return ev
    weights: list[tuple[float, int]] = []
    terms: dict[str, None] = {}
    for i, s in enumerate(sentences):
        keys = (_mask(s.keys[0], p.exclusions), _mask(s.keys[1], p.exclusions))
        alias_hits = _found(keys, p.aliases)
        weight = 0.0
        if alias_hits:
            weight = W_ALIAS
            terms.update(dict.fromkeys(alias_hits))
        elif region_ok:
            kw_hits = _found(keys, p.keywords)
            if kw_hits:
                weight = W_KEYWORD_LOCAL if (local[i] or title_region) else W_KEYWORD_ARTICLE
                terms.update(dict.fromkeys(kw_hits))
        if weight:
            weights.append((weight * s.position, i))
            if s.position > 1.0:
                ev.strong_position = True
    if not weights:
        return ev
    ordered = sorted(weights, reverse=True)
    evidence = sum(w / (1 + DECAY * n) for n, (w, _) in enumerate(ordered))
    evidence += min(MAX_DISTINCT, W_DISTINCT * (len(terms) - 1))
    context = {
        term
        for s in sentences
        for term in _found(
            (_mask(s.keys[0], p.exclusions), _mask(s.keys[1], p.exclusions)), p.context
        )
    }
    evidence += min(MAX_CONTEXT, W_CONTEXT * len(context))
    ev.evidence = evidence
    ev.sentences = ordered
    ev.terms = list(terms)
    return ev


def match_article(
    title: str,
    text: str,
    pledges: Sequence[PledgeSpec] | CompiledPledges,
    *,
    review_threshold: float,
    use_kiwi: bool = True,
) -> list[PledgeMatch]:
    """Pledges the article is about, best first, those with score ≥ ``review_threshold``."""
    compiled = pledges if isinstance(pledges, CompiledPledges) else compile_pledges(pledges)
    sentences = _prepare(title or "", text or "", use_kiwi)
    results = [_score_one(p, sentences) for p in compiled.pledges]
    body_sentences = sum(1 for s in sentences if s.position != POS_TITLE)
    matches = []
    for ev in results:
        if ev.evidence <= 0:
            continue
        evidence = ev.evidence
        if len(ev.sentences) == 1 and not ev.strong_position:
            dominated = any(
                other is not ev and other.evidence >= DOMINANT_EVIDENCE for other in results
            )
            if dominated:
                evidence *= PASSING_DOMINATED
            elif body_sentences >= LONG_ARTICLE_SENTENCES:
                evidence *= PASSING_LONG
        score = round(1.0 - math.exp(-evidence), 4)
        if score < review_threshold:
            continue
        body = [i for _, i in ev.sentences if sentences[i].position != POS_TITLE]
        best = sorted(body[:3]) or [ev.sentences[0][1]]
        snippet = " ".join(sentences[i].text for i in best)
        matches.append(PledgeMatch(ev.pledge.spec.slug, score, ev.terms, snippet))
    matches.sort(key=lambda m: (-m.score, m.slug))
    return matches


# --- terms file -------------------------------------------------------------------------------


def load_terms(path: str | Path | None = None) -> dict[str, Any]:
    """The JSON terms document (default: the Gwangju 2025 demo terms next to this module)."""
    with open(path or TERMS_FILE, encoding="utf-8") as f:
        return json.load(f)


def specs_from_terms(doc: dict[str, Any]) -> list[PledgeSpec]:
    """Build PledgeSpecs from a terms document (schema in the JSON file's ``about``)."""
    jurisdiction = doc.get("jurisdiction", {})
    region = tuple(jurisdiction.get("aliases", ()))
    region_ex = tuple(jurisdiction.get("exclusions", ()))
    specs = []
    for slug, p in doc.get("pledges", {}).items():
        specs.append(
            PledgeSpec(
                slug=slug,
                title=p.get("title", ""),
                title_en=p.get("title_en", ""),
                summary=p.get("summary", ""),
                keywords=tuple(p.get("keywords", ())),
                aliases=tuple(p.get("aliases", ())),
                exclusions=tuple(p.get("exclusions", ())),
                region_terms=tuple(p.get("region_terms", region)),
                region_exclusions=tuple(p.get("region_exclusions", region_ex)),
                context_terms=tuple(p.get("context_terms", ())),
                needs_region=bool(p.get("needs_region", True)),
            )
        )
    return specs
