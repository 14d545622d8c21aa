"""Names of a pledge derived from its official wordings, and Korean regions.

A pledge is written about in the platform's own words ("대한민국 대표 모빌리티 도시 조성"), not only
in the names editors typed as aliases. ``derive_names`` turns each official wording (title,
original text, revisions) into matchable names by general rules of Korean pledge phrasing:

- A wording is cut into name-sized phrases at line ends, sentence ends, commas, "및" and bullets;
  a phrase longer than ``MAX_NAME_TOKENS`` words is prose, not a name, and is skipped.
- Generic verbs and suffixes at the end ("조성", "구축", "추진", "유치", "사업", "조성사업",
  "구축하겠다") say what will be done to the project, not which project: they are stripped, with
  an object particle left behind ("시범도시를 조성" → "시범도시").
- Region words at either end ("광주", "부산광역시") are stripped: whether the region is named is
  checked separately (``needs_region``).
- What remains is a *full* name (evidence like an alias). Stripping generic leading modifiers
  ("대한민국 대표", "국가", "글로벌", "세계적", "미래형") gives the distinctive *head*
  ("모빌리티 도시"), which is weaker: a keyword, evidence only with the region in the sentence.
- A parenthesis is both a gloss and an alternative: "AI전환(AX) 실증밸리" yields
  "AI전환 실증밸리" and "AX 실증밸리"; where one side is a Latin abbreviation the pair is a
  synonym for the pledge's other terms (``paren_pairs``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .normalize import match_key

__all__ = [
    "KOREAN_REGIONS",
    "MAX_NAME_TOKENS",
    "derive_names",
    "paren_pairs",
    "paren_variants",
    "region_canons",
    "regions_in",
]

MAX_NAME_TOKENS = 7
FULL_NAME_MIN_KEY = 6  # shorter derived names ("AI 1단계") count as heads

# Verbs and generic nouns that end a pledge wording ("... 조성", "... 구축 사업"). Longest first.
_GENERIC_TAIL = tuple(
    sorted(
        {
            "조성",
            "구축",
            "추진",
            "유치",
            "설립",
            "건립",
            "건설",
            "지정",
            "육성",
            "확대",
            "지원",
            "사업",
            "개발",
            "실현",
            "마련",
            "도입",
            "완성",
            "신설",
            "강화",
            "활성화",
            "확충",
            "설치",
            "선정",
            "착공",
            "완공",
            "본격화",
            "계획",
            "추진사업",
            "조성사업",
            "구축사업",
            "사업화",
            "공약",
        },
        key=len,
        reverse=True,
    )
)
# The longest generic tail ending a word with at least two characters before it (the leftmost
# match is the longest suffix).
_TAIL_IN_WORD = re.compile(r"(?s)(?<=..)(?:" + "|".join(map(re.escape, _GENERIC_TAIL)) + r")$")
# A generic verb may carry a verbal ending: "조성하겠습니다", "구축해", "유치를".
_VERB_ENDING = re.compile(r"(?:하겠습니다|하겠다|하고|하여|해|하는|한다|할|을|를|이|가|에|도)?$")
_OBJECT_PARTICLE = re.compile(r"(?<=[가-힣A-Za-z0-9])(?:을|를)$")
# Leading modifiers that praise or scope a project without naming it.
_GENERIC_LEAD = frozenset(
    {
        "대한민국",
        "대표",
        "국가",
        "국가적",
        "글로벌",
        "세계",
        "세계적",
        "세계적인",
        "최고",
        "최고의",
        "미래",
        "미래형",
        "첨단",
        "차세대",
        "신",
        "새로운",
        "대규모",
        "초광역",
        "K",
    }
)
_SPLIT = re.compile(r"[\n,;·/]|(?<=[.!?])\s|\s및\s|\s그리고\s|[○●◦▪■□◇◆▶▷※*•-]\s")
_NUMBERING = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|[①-⑳]|[가-하][.)])\s*")
_PAREN = re.compile(r"\(([^()]{1,30})\)")
_ABBREVIATION = re.compile(r"^[A-Za-z][A-Za-z0-9&]{0,5}$")

# Korean metropolitan/provincial jurisdictions: general geography, not pledge knowledge. Each
# entry: canonical short name and the forms that name it. Bare "경기" (economy) and "세종"
# (the king) are too ambiguous to count.
KOREAN_REGIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("서울", ("서울", "서울시", "서울특별시")),
    ("부산", ("부산", "부산시", "부산광역시")),
    ("대구", ("대구", "대구시", "대구광역시")),
    ("인천", ("인천", "인천시", "인천광역시")),
    ("광주", ("광주", "광주시", "광주광역시")),
    ("대전", ("대전", "대전시", "대전광역시")),
    ("울산", ("울산", "울산시", "울산광역시")),
    ("세종", ("세종시", "세종특별자치시")),
    ("경기", ("경기도", "경기지역", "경기북부", "경기남부")),
    ("강원", ("강원", "강원도", "강원특별자치도")),
    ("충북", ("충북", "충청북도")),
    ("충남", ("충남", "충청남도")),
    ("전북", ("전북", "전라북도", "전북특별자치도")),
    ("전남", ("전남", "전라남도")),
    ("경북", ("경북", "경상북도")),
    ("경남", ("경남", "경상남도")),
    ("제주", ("제주", "제주도", "제주특별자치도")),
)
_REGION_OF = {form: canon for canon, forms in KOREAN_REGIONS for form in forms}
# A region word inside another word is not a region ("확대구간", "AI 대전환", "부산물"), and a
# university or hospital named after a province sits anywhere (전남대 is in 광주).
_REGION_WORD = re.compile(
    r"(?<![가-힣])("
    + "|".join(sorted(map(re.escape, _REGION_OF), key=len, reverse=True))
    + r")(?!환|물|대(?![구전]))"
)


def regions_in(text: str) -> set[str]:
    """Canonical names of the Korean regions a sentence names ("전남", "부산")."""
    return {_REGION_OF[m.group(1)] for m in _REGION_WORD.finditer(text)}


# The keys of each region's forms, computed once (not per pledge: 10,000 pledges compile).
_REGION_KEYS = tuple(
    (canon, frozenset({canon, *(match_key(f) for f in forms)})) for canon, forms in KOREAN_REGIONS
)


def region_canons(terms: Iterable[str]) -> frozenset[str]:
    """Which canonical regions a pledge's own region terms denote (to tell them from others)."""
    keys = {match_key(t) for t in terms if t}
    return frozenset(canon for canon, forms in _REGION_KEYS if not keys.isdisjoint(forms))


def _region_words(extra: Iterable[str]) -> frozenset[str]:
    words = {form for _, forms in KOREAN_REGIONS for form in forms}
    words.update(w for w in extra if w)
    return frozenset(words)


def paren_variants(term: str) -> list[str]:
    """``term`` without its parentheses, and with each gloss in place of the word before it.

    "AI전환(AX) 실증밸리" → ["AI전환 실증밸리", "AX 실증밸리"]; a gloss after a space stands for
    itself: "집적단지 조성 (AI 1단계)" → ["집적단지 조성", "AI 1단계"].
    """
    if "(" not in term:
        return [term]
    dropped = " ".join(_PAREN.sub(" ", term).split())
    out = [dropped] if dropped else []
    for m in _PAREN.finditer(term):
        gloss = m.group(1).strip()
        before = term[: m.start()]
        if not gloss:
            continue
        if not before or before[-1].isspace():
            out.append(gloss)
            continue
        head = before.rsplit(None, 1)
        prefix = head[0] if len(head) == 2 else ""
        rest = _PAREN.sub(" ", term[m.end() :])
        out.append(" ".join(f"{prefix} {gloss}{rest}".split()))
    return list(dict.fromkeys(out))


def paren_pairs(term: str) -> list[tuple[str, str]]:
    """Synonym pairs (key, key) from "X(Y)" where one side is a Latin abbreviation."""
    pairs = []
    for m in _PAREN.finditer(term):
        before = term[: m.start()]
        if not before or before[-1].isspace():
            continue
        word = before.split()[-1]
        gloss = m.group(1).strip()
        if _ABBREVIATION.match(gloss) or _ABBREVIATION.match(word):
            a, b = match_key(word), match_key(gloss)
            if a and b and a != b:
                pairs.append((a, b))
    return pairs


def _strip_tail(tokens: list[str]) -> list[str]:
    stripped = False
    while tokens:
        last = tokens[-1]
        base = _VERB_ENDING.sub("", last) or last
        if base in _GENERIC_TAIL:
            tokens = tokens[:-1]
            stripped = True
            continue
        found = _TAIL_IN_WORD.search(base)
        cut = found.group(0) if found else ""
        if cut:  # "국가AI컴퓨팅센터구축", "시범도시조성을"
            tokens = [*tokens[:-1], base[: -len(cut)]]
            stripped = True
            continue
        break
    if stripped and tokens:
        tokens[-1] = _OBJECT_PARTICLE.sub("", tokens[-1])
    return tokens


def _strip_regions(tokens: list[str], regions: frozenset[str]) -> list[str]:
    def bare(tok: str) -> str:
        # "광주의", "대전을", "부산에": a region word with its particle is still the region.
        return tok[:-1] if len(tok) > 2 and tok[-1] in "의에을를은는이가도" else tok

    while tokens and bare(tokens[0]) in regions:
        tokens = tokens[1:]
    while tokens and bare(tokens[-1]) in regions:
        tokens = tokens[:-1]
    return tokens


def _distinctive(tokens: list[str]) -> bool:
    """At least two words, or one long word, and not made only of generic words."""
    key = match_key(" ".join(tokens))
    letters = sum(1 for ch in key if not ch.isdigit())
    if len(key) < 4 or letters < 3 or letters < len(key) / 2:
        return False
    if all(t in _GENERIC_LEAD or t in _GENERIC_TAIL for t in tokens):
        return False
    return len(tokens) >= 2 or len(key) >= 6


def _phrases(wording: str) -> list[str]:
    out = []
    for part in _SPLIT.split(wording or ""):
        part = _NUMBERING.sub("", part).strip(" \t\"'“”‘’「」『』<>[]")
        if part:
            out.append(part)
    return out


def derive_names(
    wordings: Iterable[str], region_terms: Iterable[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(full names, heads) derived from a pledge's official wordings, in first-seen order."""
    regions = _region_words(region_terms)
    full: dict[str, None] = {}
    heads: dict[str, None] = {}
    for wording in wordings:
        for variant in paren_variants(" ".join((wording or "").split())):
            for phrase in _phrases(variant):
                tokens = phrase.split()
                if not tokens or len(tokens) > MAX_NAME_TOKENS:
                    continue
                tokens = _strip_regions(_strip_tail(tokens), regions)
                tokens = _strip_regions(_strip_tail(tokens), regions)
                if not tokens or len(tokens) > MAX_NAME_TOKENS - 1 or not _distinctive(tokens):
                    continue
                name = " ".join(tokens)
                if len(match_key(name)) < FULL_NAME_MIN_KEY:
                    heads[name] = None  # "AI 1단계": too short to stand without the region
                    continue
                full[name] = None
                lead = 0
                while lead < len(tokens) - 1 and tokens[lead] in _GENERIC_LEAD:
                    lead += 1
                head = _strip_regions(tokens[lead:], regions)
                if lead and head and _distinctive(head):
                    heads[" ".join(head)] = None
    for name in full:
        heads.pop(name, None)
    return tuple(full), tuple(heads)
