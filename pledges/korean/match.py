"""Score an article against pledges.

All knowledge about a pledge comes from its ``PledgeSpec`` (editable data); the code holds only
general rules:

- Matching is on a key without spaces, punctuation and case, with 인공지능 ≡ AI and short
  parenthetical glosses dropped (``normalize.match_key``), so it ignores spacing and particles:
  "국가AI컴퓨팅센터", "국가 AI 컴퓨팅 센터를", "국가인공지능(AI)컴퓨팅센터" all match. A term
  with a parenthesis matches in both forms ("AI전환(AX) 실증밸리" = "AX 실증밸리"), and an
  abbreviation glossed in one term stands for its expansion in the pledge's other terms.
- ``exclusions`` are masked out before matching ("글로벌 AI컴퓨팅센터" is not the national one),
  and ``region_exclusions`` before counting region mentions ("경기도 광주시" is not 광주광역시).
- ``aliases`` are the pledged project's own names: one sentence naming it is evidence.
  ``names`` are the official wordings (title, original text, revisions): the engine derives
  names from them (``match_names.derive_names``): the full name counts like an alias, its
  distinctive head ("모빌리티 도시") like a keyword.
  ``keywords`` are weaker names ("AI 2단계", "AI컴퓨팅센터"): evidence only where the
  jurisdiction is named in the same sentence or the title (half weight if only elsewhere).
  ``context_terms`` add a little to a pledge that is already matched.
- ``needs_region``: the jurisdiction must be named somewhere in the article (and not be
  outnumbered by excluded look-alikes). A pledge whose project is national and whose siting is
  the news (the national AI computing center going to 해남) sets it to False.
- Position: the title counts most, then the lead (first two sentences) and ◇ sub-heads.
  More sentences add evidence with diminishing returns.
- Passing mention (a pledge named in a single sentence outside the title) is demoted when the
  article's subject is something else: another pledge with much more evidence, another region
  (named in the title or lead and far more often than the pledge's), or a long article.
- Context: a pledge named only beside the article's dominant pledge, or only as a future goal
  ("향후", "나아가", "발판"), is demoted: a budget story about one project that lists the next
  ones is about that one project.
- score = 1 - exp(-evidence), in 0..1. Each match carries the ``features`` the rules used, for
  a calibrator learned from editors' decisions (``calibrate.py``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .match_index import PledgeKeys, TermIndex
from .match_names import derive_names, paren_pairs, paren_variants, region_canons, regions_in
from .normalize import (
    is_column_layout,
    join_column_lines,
    match_key,
    match_keys,
    respace_sentence,
    split_sentences,
)

if TYPE_CHECKING:
    from .calibrate import Calibrator

__all__ = [
    "FEATURE_NAMES",
    "TERM_FEATURE",
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
    "names",
    "exclusions",
    "region_terms",
    "region_exclusions",
    "context_terms",
)


@dataclass(frozen=True)
class PledgeSpec:
    """What the matcher knows about one pledge (all editable data).

    ``names``: the pledge's official wordings, verbatim: title, original text (may be several
    sentences or lines), revision texts. The engine derives matchable names from them; editors
    do not need to repeat them as aliases.
    """

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
    names: tuple[str, ...] = ()

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
    """One pledge an article is about. ``score`` is the rule score (or the calibrated
    probability when a calibrator was given; ``features["rule_score"]`` keeps the rule score).
    ``features``: what the rules saw (see ``FEATURE_NAMES``), for calibration and review."""

    slug: str
    score: float
    terms: list[str] = field(default_factory=list)
    snippet: str = ""
    features: dict[str, float] = field(default_factory=dict, compare=False)


# Features on every PledgeMatch (all floats; 0/1 for yes/no).
FEATURE_NAMES = (
    "rule_score",  # the rule score after demotions (the calibrator's prior)
    "evidence",  # evidence before demotions
    "first_title",  # first mention in the title
    "first_lead",  # first mention in the lead or a sub-head
    "kind_alias",  # strongest term: a hand-entered alias or the title
    "kind_derived",  # strongest term: a name derived from the official wordings
    "kind_keyword",  # strongest term: a keyword or derived head (needs the region)
    "region_same_sentence",  # share of its sentences that name the jurisdiction
    "passing",  # named in one sentence, outside the title
    "other_region_subject",  # the article's subject region is another region
    "context_only",  # named only beside the dominant pledge or as a future goal
    "future_share",  # share of its sentences with a future/follow-on marker
    "evidence_share",  # its share of all pledges' evidence in the article
    "other_pledges",  # number of other pledges with evidence
    "mention_sentences",  # log(1 + sentences naming it)
    "article_sentences",  # log(1 + sentences in the article)
    "demotion",  # 1 - the factor its evidence was multiplied by
)
# Beside them, one 0/1 feature per term that fired ("term:AX실증밸리"): which wording was found
# is what editors most often judge ("인공지능" alone is too generic for a pledge), so a calibrator
# learns a weight per term from their decisions and can say which term weighed against.
TERM_FEATURE = "term:"

# --- weights (general rules, not pledge knowledge) --------------------------------------------
W_ALIAS = 1.0
W_DERIVED = 0.9  # a full name derived from the official wordings
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
OTHER_REGION_MIN = 3.0  # weighted mentions (title 2, lead 1.5, body 1) of the other region
OTHER_REGION_RATIO = 2.0  # ... and at least this many times the pledge's own region
PASSING_OTHER_REGION = 0.35
CONTEXT_RATIO = 2.0  # the dominant pledge has this many times the evidence
CONTEXT_DEMOTED = 0.25
_HEADING = re.compile(r"^\s*[◇◆■□▶▷]")
# Follow-on goals and background: "향후 …도 추진", "이를 발판으로", "나아가", "연계해".
_FUTURE = re.compile(
    r"향후|앞으로|나아가|후속|장기적|중장기|다음 단계|추후|발판|연계|이어갈|이어 갈|확장해"
    r"|in the future|next step|follow-on"
)


def _term_keys(term: str, pairs: Sequence[tuple[str, str]]) -> list[str]:
    """Keys of a term: each parenthesis form, and abbreviations swapped for their expansion."""
    keys: dict[str, None] = {}
    for variant in paren_variants(term):
        key = match_key(variant)
        if not key:
            continue
        keys[key] = None
        for a, b in pairs:
            if a in key:
                keys[key.replace(a, b)] = None
            elif b in key:
                keys[key.replace(b, a)] = None
    return list(keys)


def _keys(
    terms: Iterable[str],
    pairs: Sequence[tuple[str, str]] = (),
    skip: Sequence[Container[str]] = (),
) -> tuple[tuple[str, str], ...]:
    """(key, original term) pairs, longest key first, without duplicates, empties or keys in
    any of ``skip`` (looked up, never copied: one of them is the whole book's shared names)."""
    seen: dict[str, str] = {}
    for term in terms:
        for key in _term_keys(term, pairs):
            if key not in seen and not any(key in taken for taken in skip):
                seen[key] = term
    return tuple(sorted(seen.items(), key=lambda kv: -len(kv[0])))


def _exact_keys(terms: Iterable[str]) -> tuple[str, ...]:
    """Keys of look-alikes and region names as written: "광주시(경기)" must not mask "광주시"."""
    keys = {match_keys(t)[1] if "(" in t else match_key(t) for t in terms}
    return tuple(sorted((k for k in keys if k), key=len, reverse=True))


@dataclass(frozen=True)
class _Compiled:
    spec: PledgeSpec
    aliases: tuple[tuple[str, str], ...]
    derived: tuple[tuple[str, str], ...]
    keywords: tuple[tuple[str, str], ...]
    heads: tuple[tuple[str, str], ...]
    context: tuple[tuple[str, str], ...]
    exclusions: tuple[str, ...]
    region: tuple[str, ...]
    region_exclusions: tuple[str, ...]
    own_regions: frozenset[str]


@dataclass(frozen=True)
class CompiledPledges:
    """Specs with their terms turned into match keys once (reuse across articles), and the
    automaton over every pledge's keys that picks the pledges an article may be about."""

    pledges: tuple[_Compiled, ...]
    index: TermIndex = field(compare=False, repr=False)

    def name_keys(self, slug: str) -> tuple[str, ...]:
        """The keys that can give pledge ``slug`` evidence (what the index looks for)."""
        for p in self.pledges:
            if p.spec.slug == slug:
                return _name_keys(p)
        return ()


def _name_keys(p: _Compiled) -> tuple[str, ...]:
    return tuple(k for terms in (p.aliases, p.derived, p.keywords, p.heads) for k, _ in terms)


def compile_pledges(specs: Iterable[PledgeSpec]) -> CompiledPledges:
    return _compile(tuple(specs))


# Per pledge, compiled once per revision of its spec (a spec is immutable and hashable): after an
# editor changes one pledge, rebuilding a 10,000-pledge book re-derives only that pledge. Sized
# for a national book with room for the revisions of a long-running worker.
_PER_PLEDGE_CACHE = 50_000


@dataclass(frozen=True)
class _Derived:
    full: tuple[str, ...]  # full names derived from the official wordings
    heads: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # abbreviation synonyms of its terms
    owned: frozenset[str]  # the keys of its derived names (a name two pledges own names neither)
    candidates: frozenset[str]  # every key its derived names could enter the book under


@lru_cache(maxsize=_PER_PLEDGE_CACHE)
def _derived(spec: PledgeSpec) -> _Derived:
    full, heads = derive_names((spec.title, *spec.names), spec.region_terms)
    every = (spec.title, *spec.names, *spec.aliases, *spec.keywords)
    pairs = tuple(p for term in every for p in paren_pairs(term))
    return _Derived(
        full=full,
        heads=heads,
        pairs=pairs,
        owned=frozenset(match_key(name) for name in (*full, *heads)),
        candidates=frozenset(k for name in (*full, *heads) for k in _term_keys(name, pairs)),
    )


@lru_cache(maxsize=_PER_PLEDGE_CACHE)
def _compile_one(spec: PledgeSpec, shared: frozenset[str]) -> _Compiled:
    """One pledge's keys; ``shared``: those of its candidate keys another pledge owns too."""
    d = _derived(spec)
    aliases = _keys((n for n in (spec.title, spec.title_en, *spec.aliases) if n), d.pairs)
    keywords = _keys(spec.keywords, d.pairs)
    taken = {k for k, _ in aliases}
    full_keys = _keys(d.full, d.pairs, skip=(taken, shared))
    taken |= {k for k, _ in full_keys} | {k for k, _ in keywords}
    return _Compiled(
        spec=spec,
        aliases=aliases,
        derived=full_keys,
        keywords=keywords,
        heads=_keys(d.heads, d.pairs, skip=(taken, shared)),
        context=_keys(spec.context_terms, d.pairs),
        exclusions=_exact_keys(spec.exclusions),
        region=_exact_keys(spec.region_terms),
        region_exclusions=_exact_keys(spec.region_exclusions),
        own_regions=region_canons(spec.region_terms),
    )


# A few books at most: one is a whole pledge book (10,000 pledges: tens of MB).
@lru_cache(maxsize=4)
def _compile(specs: tuple[PledgeSpec, ...]) -> CompiledPledges:
    derived = [_derived(spec) for spec in specs]
    # A derived name that two pledges share names neither.
    owners: dict[str, str | None] = {}  # key -> its one owner's slug, None once two own it
    for spec, d in zip(specs, derived, strict=True):
        for key in d.owned:
            if owners.setdefault(key, spec.slug) not in (spec.slug, None):
                owners[key] = None
    out = tuple(
        _compile_one(spec, frozenset(k for k in d.candidates if k in owners and owners[k] is None))
        for spec, d in zip(specs, derived, strict=True)
    )
    index = TermIndex(
        [
            PledgeKeys(
                names=_name_keys(p),
                regions=p.region,
                needs_region=p.spec.needs_region,
            )
            for p in out
        ]
    )
    return CompiledPledges(out, index)


# --- the article, prepared once for all pledges ------------------------------------------------


@dataclass
class _Sentence:
    text: str
    keys: tuple[str, str]
    position: float  # POS_TITLE, POS_LEAD or 1.0
    regions: set[str]
    future: bool
    heading: bool = False  # a ◇ sub-head: the article has a section about what it names


def _prepare(title: str, text: str, use_kiwi: bool) -> list[_Sentence]:
    if is_column_layout(text):
        text = join_column_lines(text)
    sentences: list[_Sentence] = []
    title = " ".join((title or "").split())
    if title:
        sentences.append(_Sentence(title, match_keys(title), POS_TITLE, regions_in(title), False))
    body_index = 0
    for start, end in split_sentences(text, use_kiwi=use_kiwi):
        s = text[start:end].strip()
        keys = match_keys(s)
        if not keys[1]:
            continue
        if title and body_index == 0 and keys[1] == match_keys(title)[1]:
            continue  # the title repeated as the first line of the text
        heading = bool(_HEADING.match(s))
        lead = body_index < LEAD_SENTENCES or heading
        sentences.append(
            _Sentence(
                s, keys, POS_LEAD if lead else 1.0, regions_in(s), bool(_FUTURE.search(s)), heading
            )
        )
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
    in_title: bool = False
    headed: bool = False  # named in the title or a sub-head
    first_position: float = 0.0
    kind: str = ""
    local_share: float = 0.0
    own_region_weight: float = 0.0


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


def _score_one(
    p: _Compiled, sentences: list[_Sentence], region_cache: dict | None = None
) -> _Evidence:
    ev = _Evidence(p)
    if not sentences:
        return ev
    # Pledges of one promiser share their region terms: count them once per article.
    region_key = (p.region, p.region_exclusions)
    counted = region_cache.get(region_key) if region_cache is not None else None
    if counted is None:
        counted = _region_counts(sentences, p)
        if region_cache is not None:
            region_cache[region_key] = counted
    local, region_hits, region_excluded = counted
    region_ok = region_hits > 0 and region_hits >= region_excluded
    title_region = bool(local) and sentences[0].position == POS_TITLE and local[0]
    ev.own_region_weight = sum(
        _position_weight(s) for s, here in zip(sentences, local, strict=True) if here
    )
    if p.spec.needs_region and not region_ok:
        return ev
    weights: list[tuple[float, int]] = []
    terms: dict[str, None] = {}
    kinds: list[str] = []
    n_local = 0
    for i, s in enumerate(sentences):
        keys = (_mask(s.keys[0], p.exclusions), _mask(s.keys[1], p.exclusions))
        weight = 0.0
        hits = _found(keys, p.aliases)
        kind = "alias"
        if not hits:
            hits, kind = _found(keys, p.derived), "derived"
        if hits:
            weight = W_ALIAS if kind == "alias" else W_DERIVED
        elif region_ok:
            hits, kind = _found(keys, p.keywords) or _found(keys, p.heads), "keyword"
            if hits:
                weight = W_KEYWORD_LOCAL if (local[i] or title_region) else W_KEYWORD_ARTICLE
        if weight:
            terms.update(dict.fromkeys(hits))
            weights.append((weight * s.position, i))
            kinds.append(kind)
            n_local += local[i]
            if not ev.first_position:
                ev.first_position = s.position
            if s.position > 1.0:
                ev.strong_position = True
            if s.position == POS_TITLE:
                ev.in_title = True
            if s.position == POS_TITLE or s.heading:
                ev.headed = True
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
    ev.kind = next(k for k in ("alias", "derived", "keyword") if k in kinds)
    ev.local_share = n_local / len(weights)
    return ev


def _region_weights(sentences: list[_Sentence]) -> tuple[dict[str, float], set[str]]:
    """Weighted mentions of each region (title 2, lead 1.5, body 1) and those in title/lead."""
    weights: dict[str, float] = {}
    head: set[str] = set()
    for s in sentences:
        w = _position_weight(s)
        for r in s.regions:
            weights[r] = weights.get(r, 0.0) + w
            if s.position > 1.0:
                head.add(r)
    return weights, head


def _position_weight(s: _Sentence) -> float:
    return 2.0 if s.position == POS_TITLE else 1.5 if s.position == POS_LEAD else 1.0


def _other_region_subject(ev: _Evidence, weights: dict[str, float], head: set[str]) -> bool:
    """Another region is named in the title or lead and far more often than the pledge's."""
    own = ev.pledge.own_regions
    own_weight = max(sum(weights.get(r, 0.0) for r in own), ev.own_region_weight)
    others = [w for r, w in weights.items() if r not in own and r in head]
    if not others:
        return False
    top = max(others)
    return top >= OTHER_REGION_MIN and top >= OTHER_REGION_RATIO * own_weight


def _features(
    ev: _Evidence,
    results: list[_Evidence],
    sentences: list[_Sentence],
    pledges_in: list[set[int]],
    dominant: _Evidence | None,
    region_info: tuple[dict[str, float], set[str]],
) -> dict[str, float]:
    total = sum(r.evidence for r in results) or 1.0
    idx = [i for _, i in ev.sentences]
    dom_id = id(dominant) if dominant is not None else None
    beside = all(dom_id in pledges_in[i] or sentences[i].future for i in idx)
    return {
        "evidence": round(ev.evidence, 4),
        "first_title": float(ev.first_position == POS_TITLE),
        "first_lead": float(ev.first_position == POS_LEAD),
        "kind_alias": float(ev.kind == "alias"),
        "kind_derived": float(ev.kind == "derived"),
        "kind_keyword": float(ev.kind == "keyword"),
        "region_same_sentence": round(ev.local_share, 4),
        "passing": float(len(idx) == 1 and not ev.in_title),
        "other_region_subject": float(_other_region_subject(ev, *region_info)),
        "context_only": float(
            dominant is not None and dominant is not ev and not ev.headed and beside
        ),
        "future_share": round(sum(sentences[i].future for i in idx) / len(idx), 4),
        "evidence_share": round(ev.evidence / total, 4),
        "other_pledges": float(sum(1 for r in results if r is not ev and r.evidence > 0)),
        "mention_sentences": round(math.log1p(len(idx)), 4),
        "article_sentences": round(math.log1p(len(sentences)), 4),
    }


def _demotion(ev: _Evidence, f: dict[str, float], results: list[_Evidence], body: int) -> float:
    """The factor a passing or context-only mention's evidence is multiplied by."""
    factor = 1.0
    single = len(ev.sentences) == 1 and not ev.strong_position
    if single:
        if any(o is not ev and o.evidence >= DOMINANT_EVIDENCE for o in results):
            factor = min(factor, PASSING_DOMINATED)
        elif body >= LONG_ARTICLE_SENTENCES:
            factor = min(factor, PASSING_LONG)
    if f["passing"] and f["other_region_subject"]:
        factor = min(factor, PASSING_OTHER_REGION)
    if f["context_only"]:
        top = max(o.evidence for o in results)
        if top >= DOMINANT_EVIDENCE and top >= CONTEXT_RATIO * ev.evidence:
            factor = min(factor, CONTEXT_DEMOTED)
    return factor


def match_article(
    title: str,
    text: str,
    pledges: Sequence[PledgeSpec] | CompiledPledges,
    *,
    review_threshold: float,
    use_kiwi: bool = True,
    calibrators: Mapping[str, Calibrator] | None = None,
    use_index: bool = True,
) -> list[PledgeMatch]:
    """Pledges the article is about, best first, those with score ≥ ``review_threshold``.

    ``calibrators`` (slug → fitted ``Calibrator``): the score becomes the calibrated
    probability for those pledges; ``features["rule_score"]`` keeps the rule score.
    ``use_index=False`` scores every pledge instead of the automaton's candidates: the
    reference the tests compare the index with (same results, cost grows with the book).
    """
    compiled = pledges if isinstance(pledges, CompiledPledges) else compile_pledges(pledges)
    sentences = _prepare(title or "", text or "", use_kiwi)
    if use_index:
        scored = [compiled.pledges[i] for i in compiled.index.candidates(s.keys for s in sentences)]
    else:
        scored = list(compiled.pledges)
    region_cache: dict = {}
    results = [_score_one(p, sentences, region_cache) for p in scored]
    found = [ev for ev in results if ev.evidence > 0]
    if not found:
        return []
    body_sentences = sum(1 for s in sentences if s.position != POS_TITLE)
    pledges_in: list[set[int]] = [set() for _ in sentences]
    for ev in found:
        for _, i in ev.sentences:
            pledges_in[i].add(id(ev))
    dominant = max(found, key=lambda e: e.evidence)
    region_info = _region_weights(sentences)
    matches = []
    for ev in found:
        features = _features(ev, found, sentences, pledges_in, dominant, region_info)
        factor = _demotion(ev, features, found, body_sentences)
        score = round(1.0 - math.exp(-ev.evidence * factor), 4)
        features["rule_score"] = score
        features["demotion"] = round(1.0 - factor, 4)
        for term in ev.terms:
            features[TERM_FEATURE + term] = 1.0
        calibrator = calibrators.get(ev.pledge.spec.slug) if calibrators else None
        if calibrator is not None:
            score = round(calibrator.predict(features), 4)
        if score < review_threshold:
            continue
        body = [i for _, i in ev.sentences if sentences[i].position != POS_TITLE]
        best = sorted(body[:3]) or [ev.sentences[0][1]]
        # The snippet is shown to readers: fix words the PDF glued together, which the
        # paragraph-level spacing in normalize_text can miss.
        snippet = " ".join(
            respace_sentence(sentences[i].text) if use_kiwi else sentences[i].text for i in best
        )
        matches.append(PledgeMatch(ev.pledge.spec.slug, score, ev.terms, snippet, features))
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
                names=tuple(p.get("names", ())),
                exclusions=tuple(p.get("exclusions", ())),
                region_terms=tuple(p.get("region_terms", region)),
                region_exclusions=tuple(p.get("region_exclusions", region_ex)),
                context_terms=tuple(p.get("context_terms", ())),
                needs_region=bool(p.get("needs_region", True)),
            )
        )
    return specs
