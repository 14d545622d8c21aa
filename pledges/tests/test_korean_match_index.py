"""The term index (one Aho-Corasick automaton over the pledge book) gives the same matches as
scoring every pledge, on generated pledge books with overlapping names, shared keywords,
look-alikes and regions that contain each other's names."""

from __future__ import annotations

import random

import pytest

from pledges.korean import PledgeMatch, PledgeSpec, compile_pledges, match_article
from pledges.korean.match_index import PledgeKeys, TermIndex

# Parts of names, chosen so that names overlap ("AI 컴퓨팅 센터" inside "국가 AI 컴퓨팅 센터")
# and contain each other's keys.
PARTS = [
    "국가",
    "AI",
    "인공지능",
    "컴퓨팅",
    "센터",
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
    "AX",
    "(인공지능 전환)",
    "캠퍼스",
]
# Regions with look-alikes: 광주 (metropolitan) vs 경기 광주시; 남구 in several cities.
REGIONS = [
    (("광주", "광주시", "광주광역시", "빛고을"), ("경기 광주시", "경기도 광주")),
    (("부산", "부산시", "부산광역시"), ()),
    (("대구", "대구시"), ()),
    (("남구", "부산 남구"), ("대구 남구", "광주 남구")),
    (("경기 광주시", "경기도 광주"), ()),
    (("해남", "해남군"), ("해남읍",)),
]
FILLER = [
    "시는 관련 부서와 협의해 세부 일정을 정할 방침이다.",
    "시민 의견을 듣는 설명회도 열 예정이다.",
    "관계자는 차질 없이 준비하겠다고 말했다.",
    "향후 후속 사업과 연계해 나아갈 계획이다.",
]


def _name(rng: random.Random) -> str:
    return " ".join(rng.sample(PARTS, rng.randint(1, 3)))


def generated_book(seed: int, size: int) -> list[PledgeSpec]:
    rng = random.Random(seed)
    specs = []
    for n in range(size):
        region, region_ex = rng.choice(REGIONS)
        title = f"{region[0]} {_name(rng)} 조성"
        specs.append(
            PledgeSpec(
                slug=f"p{n:04d}",
                title=title,
                aliases=tuple(_name(rng) for _ in range(rng.randint(0, 2))),
                keywords=tuple(_name(rng) for _ in range(rng.randint(0, 3))),
                exclusions=tuple(f"글로벌 {_name(rng)}" for _ in range(rng.randint(0, 1))),
                region_terms=region,
                region_exclusions=region_ex,
                context_terms=tuple(rng.sample(PARTS, 2)),
                needs_region=rng.random() < 0.8,
                names=(title, f"{_name(rng)} 사업을 추진한다") if rng.random() < 0.5 else (),
            )
        )
    return specs


def generated_articles(seed: int, specs: list[PledgeSpec], count: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    articles = []
    for _ in range(count):
        spec = rng.choice(specs)
        pieces = [*spec.aliases, *spec.keywords, *spec.exclusions, spec.title, _name(rng)]
        regions = [r for rs, ex in REGIONS for r in (*rs, *ex)]
        sentences = []
        for _ in range(rng.randint(1, 16)):
            sentence = f"{rng.choice(regions)} {rng.choice(pieces)} {rng.choice(FILLER)}"
            if rng.random() < 0.3:
                sentence = f"◇ {rng.choice(pieces)}"
            sentences.append(sentence)
        title = f"{rng.choice(regions)} {rng.choice(pieces)}" if rng.random() < 0.7 else ""
        articles.append((title, "\n".join(sentences)))
    return articles


def same_matches(a: list[PledgeMatch], b: list[PledgeMatch]) -> bool:
    view = [(m.slug, m.score, m.terms, m.snippet, m.features) for m in a]
    return view == [(m.slug, m.score, m.terms, m.snippet, m.features) for m in b]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("threshold", [0.0, 0.5])
def test_index_gives_the_same_matches_as_scoring_every_pledge(seed, threshold):
    specs = generated_book(seed, 300)
    book = compile_pledges(specs)
    articles = generated_articles(seed, specs, 120)
    matched = 0
    for title, text in articles:
        indexed = match_article(title, text, book, review_threshold=threshold, use_kiwi=False)
        full = match_article(
            title, text, book, review_threshold=threshold, use_kiwi=False, use_index=False
        )
        assert same_matches(indexed, full), (title, text)
        matched += bool(indexed)
    # The generator must exercise matching, not only empty results.
    assert matched > len(articles) // 3


def test_index_scores_only_pledges_whose_names_occur():
    specs = generated_book(7, 500)
    book = compile_pledges(specs)
    keys = [("광주트램실증밸리", "광주트램실증밸리")]
    candidates = book.index.candidates(keys)
    assert 0 < len(candidates) < len(specs) // 4
    names_there = {
        i
        for i, p in enumerate(book.pledges)
        for k, _ in (*p.aliases, *p.derived, *p.keywords, *p.heads)
        if k in keys[0][0]
    }
    assert set(candidates) <= names_there


def test_a_pledge_needing_its_region_is_no_candidate_without_it():
    index = TermIndex(
        [
            PledgeKeys(names=("트램",), regions=("광주",), needs_region=True),
            PledgeKeys(names=("트램",), regions=("부산",), needs_region=False),
        ]
    )
    assert index.candidates([("부산트램", "부산트램")]) == [1]
    assert index.candidates([("광주트램", "광주트램")]) == [0, 1]
    # The region counts only in the key with glosses, as the matcher counts it.
    assert index.candidates([("트램", "트램(광주)")]) == [0, 1]
    assert index.candidates([("광주", "광주")]) == []


def test_an_empty_book_has_no_candidates():
    assert compile_pledges([]).index.candidates([("광주", "광주")]) == []


def _cold(specs: list[PledgeSpec]):
    from pledges.korean import match

    for cache in (match._compile, match._compile_one, match._derived):
        cache.cache_clear()
    return compile_pledges(specs)


def test_a_book_rebuilt_after_edits_equals_one_compiled_from_scratch():
    import dataclasses

    specs = generated_book(11, 300)
    compile_pledges(specs)  # warm: every pledge's keys are cached
    edited = list(specs)
    edited[3] = dataclasses.replace(edited[3], aliases=("수소 트램 캠퍼스",), keywords=())
    edited[40] = dataclasses.replace(edited[40], names=("스마트 항만 공항 조성",))
    del edited[7]
    warm = compile_pledges(edited)
    cold = _cold(edited)
    assert warm.pledges == cold.pledges
    assert warm.index.keys == cold.index.keys


def test_a_derived_name_comes_back_when_the_other_pledge_owning_it_drops_it():
    one = PledgeSpec(slug="one", title="광주 수소 트램 캠퍼스 조성", region_terms=("광주",))
    two = PledgeSpec(slug="two", title="부산 수소 트램 캠퍼스 조성", region_terms=("부산",))
    shared = compile_pledges([one, two])
    assert all(not p.derived for p in shared.pledges)  # the name is both pledges': neither's
    renamed = PledgeSpec(slug="two", title="부산 스마트 항만 조성", region_terms=("부산",))
    alone = compile_pledges([one, renamed])
    assert [k for k, _ in alone.pledges[0].derived] == ["수소트램캠퍼스"]
    assert alone.pledges == _cold([one, renamed]).pledges
