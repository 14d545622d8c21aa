"""Matching articles to pledges (articles written for the tests)."""

from __future__ import annotations

import pytest

from pledges.korean import (
    PledgeSpec,
    compile_pledges,
    load_terms,
    match_article,
    specs_from_terms,
    split_newspaper_page,
)

from .korean_samples import pdf_page
from .test_korean_match_index import same_matches

P1 = "national-ai-computing-center"
P2 = "ax-demonstration-valley"
P3 = "ai-mobility-pilot-city"
P0 = "ai-cluster-phase-1"
THRESHOLD = 0.5


@pytest.fixture(autouse=True)
def index_and_full_scan_agree(monkeypatch):
    """Every match in this module is also made by scoring every pledge (no index): the two
    paths must give the same matches, scores, terms, snippets and features."""
    indexed_match = match_article

    def checked(*args, **kwargs):
        found = indexed_match(*args, **kwargs)
        assert same_matches(found, indexed_match(*args, **kwargs, use_index=False))
        return found

    monkeypatch.setitem(globals(), "match_article", checked)


@pytest.fixture(scope="module")
def pledges():
    return compile_pledges(specs_from_terms(load_terms()))


def slugs(title, text, pledges, threshold=THRESHOLD):
    return [m.slug for m in match_article(title, text, pledges, review_threshold=threshold)]


FILLER = [
    "시는 관련 부서와 협의해 세부 일정을 정할 방침이다.",
    "시민 의견을 듣는 설명회도 열 예정이다.",
    "관계자는 차질 없이 준비하겠다고 말했다.",
]


@pytest.mark.parametrize(
    "name",
    [
        "국가AI컴퓨팅센터",
        "국가 AI 컴퓨팅 센터를",
        "국가인공지능컴퓨팅센터",
        "국가 인공지능(AI) 컴퓨팅센터",
    ],
)
def test_spacing_and_particles_do_not_matter(pledges, name):
    text = f"광주시가 {name} 유치에 나섰다. " + " ".join(FILLER)
    assert slugs("", text, pledges) == [P1]


def test_terms_file_defines_the_demo_pledges():
    doc = load_terms()
    assert set(doc["pledges"]) == {P0, P1, P2, P3}
    specs = specs_from_terms(doc)
    assert all(s.region_terms and s.region_exclusions for s in specs)
    assert all(isinstance(s.aliases, tuple) for s in specs)


def test_gyeonggi_gwangju_is_not_gwangju_metropolitan_city(pledges):
    text = "경기도 광주시가 AI 모빌리티 시범도시 조성을 추진한다. 경기 광주시는 자율주행 셔틀을 도입한다."
    assert slugs("경기 광주시, AI 모빌리티 시범도시 추진", text, pledges) == []
    gwangju = text.replace("경기도 광주시", "광주광역시").replace("경기 광주시", "광주시")
    assert slugs("광주시, AI 모빌리티 시범도시 추진", gwangju, pledges) == [P3]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "울산에 AI 데이터센터 착공",
            "SK가 울산에 국내 최대 AI 데이터센터를 짓는다. 국가 AI 인프라 거점이 된다.",
        ),
        (
            "포항에 글로벌 AI컴퓨팅센터",
            "포항시는 글로벌 AI컴퓨팅센터 구축 협약을 맺었다. 데이터센터도 들어선다.",
        ),
        (
            "AI 파운데이션 모델 10개 팀 선정",
            "과기정통부는 GPU를 지원할 AI 모델 개발팀을 뽑았다. 광주 기업은 없다.",
        ),
    ],
)
def test_other_ai_data_centers_and_generic_ai_news_match_nothing(pledges, title, text):
    assert slugs(title, text, pledges) == []


def test_where_the_pledged_center_goes_is_evidence_without_gwangju(pledges):
    text = (
        "국가 AI컴퓨팅센터 부지로 전남 해남 솔라시도가 유력해졌다. "
        "삼성SDS 컨소시엄이 국가 AI컴퓨팅센터 공모에 단독으로 응모했다."
    )
    assert slugs("", text, pledges) == [P1]


def test_keyword_needs_the_jurisdiction(pledges):
    text = "AI 2단계 사업이 예타 면제를 받았다. 사업은 내년부터 5년간 추진된다."
    assert slugs("", text, pledges) == []
    assert slugs("", "광주 " + text, pledges) == [P2]


def test_alias_of_a_regional_pledge_needs_the_jurisdiction(pledges):
    text = "AI 모빌리티 국가시범도시 조성을 위한 용역이 시작됐다. 자율주행과 드론을 실증한다."
    assert slugs("", text, pledges) == []
    assert slugs("광주시 용역 착수", text, pledges) == [P3]


def test_passing_mention_beside_the_main_subject_does_not_count(pledges):
    text = " ".join(
        [
            "광주 AI 2단계 사업인 AX실증밸리 조성 계획이 국무회의를 통과했다.",
            "AX실증밸리 사업은 내년부터 5년간 6000억원을 들여 추진된다.",
            *FILLER,
            "시는 AX실증밸리에 기업 1000곳을 유치하겠다는 목표다.",
            "시는 국가AI컴퓨팅센터 유치에도 대응하기로 했다.",
            "AX실증밸리는 에너지와 모빌리티 분야에 집중한다.",
        ]
    )
    assert slugs("광주 AX실증밸리 국무회의 통과", text, pledges) == [P2]


def test_single_mention_in_a_long_article_about_something_else_does_not_count(pledges):
    subway = [f"광주 도시철도 2호선 {i}공구 공사가 이어지고 있다." for i in range(1, 16)]
    subway.insert(9, "시는 국가AI컴퓨팅센터 유치도 함께 추진하고 있다.")
    assert slugs("광주 도시철도 2호선 공정률 95%", " ".join(subway), pledges) == []


def test_single_mention_in_a_short_article_counts(pledges):
    text = "광주 지역 대선 공약이 발표됐다. 공약에는 초거대 AI 컴퓨팅센터 설립이 광주권 요구로 담겼다. 문화시설 유치도 포함됐다."
    assert slugs("광주 대선 공약 발표", text, pledges) == [P1]


def test_title_mention_weighs_more(pledges):
    text = "시는 유치위원회를 출범했다. " + " ".join(FILLER)
    with_title = match_article(
        "광주, 국가AI컴퓨팅센터 유치위 출범", text, pledges, review_threshold=0
    )
    in_body = match_article(
        "", text + " 국가AI컴퓨팅센터 유치가 목표다.", pledges, review_threshold=0
    )
    assert with_title[0].score > in_body[0].score


def test_english_article_from_a_korean_outlet(pledges):
    text = (
        "Gwangju Metropolitan City launched a committee to bring the National AI Computing Center "
        "to the city. The city also began planning the AI Mobility National Pilot City."
    )
    assert set(slugs("Gwangju bids for National AI Computing Center", text, pledges)) == {P1, P3}


def test_matches_are_best_first_with_terms_and_snippet(pledges):
    text = (
        "광주시는 AI 모빌리티 국가시범도시 조성에 나선다. 국가AI컴퓨팅센터 유치도 서두른다. "
        "AI 모빌리티 국가시범도시는 미래차 국가산단에 들어선다."
    )
    matches = match_article("광주 AI 모빌리티 국가시범도시 시동", text, pledges, review_threshold=0)
    assert matches[0].slug == P3
    assert matches == sorted(matches, key=lambda m: -m.score)
    top = matches[0]
    assert 0 < top.score <= 1
    assert "AI 모빌리티 국가시범도시" in top.terms
    assert "국가시범도시" in top.snippet
    assert "컴퓨팅센터" not in top.snippet  # only sentences that justify this pledge


def test_threshold_filters(pledges):
    text = "광주 국가AI컴퓨팅센터 유치위원회가 출범했다. 국가AI컴퓨팅센터 유치가 목표다."
    assert slugs("", text, pledges, threshold=0.0)
    assert slugs("", text, pledges, threshold=1.0) == []


def test_exclusions_mask_look_alike_names():
    spec = PledgeSpec(
        slug="x",
        title="국가AI컴퓨팅센터",
        aliases=("AI컴퓨팅센터",),
        exclusions=("글로벌 AI컴퓨팅센터",),
        needs_region=False,
    )
    text = "포항시는 글로벌 AI컴퓨팅센터 협약을 맺었다."
    assert match_article("", text, [spec], review_threshold=0.1) == []
    assert match_article("", "AI컴퓨팅센터 협약", [spec], review_threshold=0.1)


def test_plain_sequence_of_specs_is_accepted_and_compiled_once():
    spec = PledgeSpec(slug="x", title="빛고을 수소트램", region_terms=("광주",))
    assert compile_pledges([spec]) is compile_pledges([spec])
    assert match_article("광주 빛고을 수소트램 착공", "", [spec], review_threshold=0.5)


def test_raw_pdf_page_article_matches_its_pledges(pledges):
    first, photo, other = split_newspaper_page(pdf_page())
    title = " ".join([first.title, *first.subtitles])
    assert set(slugs(title, first.body, pledges)) == {P0, P1, P2, P3}
    assert slugs(photo.title, " ".join(photo.captions), pledges) == []
    assert slugs(other.title, other.body, pledges) == []


def test_regex_sentences_give_the_same_matches(pledges):
    first = split_newspaper_page(pdf_page())[0]
    a = match_article(first.title, first.body, pledges, review_threshold=0.5, use_kiwi=True)
    b = match_article(first.title, first.body, pledges, review_threshold=0.5, use_kiwi=False)
    assert [m.slug for m in a] == [m.slug for m in b]


def test_spec_accepts_lists_and_stays_hashable():
    spec = PledgeSpec(slug="x", title="t", aliases=["가나다"], keywords="라마바")
    assert spec.aliases == ("가나다",)
    assert spec.keywords == ("라마바",)
    assert hash(spec)


# --- names derived from the official wordings (invented pledges of other cities) -------------

BUSAN_HUB = PledgeSpec(
    slug="busan-finance-hub",
    title="부산 글로벌 해양금융 허브 구축",
    names=("부산을 글로벌 해양금융 허브로 육성", "해양금융 중심지 조성 및 북항 재개발 2단계 추진"),
    region_terms=("부산", "부산시", "부산광역시"),
)
DAEJEON_QUANTUM = PledgeSpec(
    slug="daejeon-quantum",
    title="대전 세계적 양자클러스터 조성",
    names=("대전을 세계적 양자클러스터를 조성하겠습니다",),
    region_terms=("대전", "대전시"),
)


def test_names_are_derived_from_the_official_wordings():
    from pledges.korean.match_names import derive_names

    full, heads = derive_names(BUSAN_HUB.names, BUSAN_HUB.region_terms)
    assert "글로벌 해양금융 허브로 육성" not in full  # the verb and the region are not the name
    assert "북항 재개발 2단계" in full
    assert "해양금융 중심지" in full
    full, heads = derive_names(DAEJEON_QUANTUM.names, DAEJEON_QUANTUM.region_terms)
    assert full == ("세계적 양자클러스터",)
    assert heads == ("양자클러스터",)


def test_prose_is_not_a_name():
    from pledges.korean.match_names import derive_names

    prose = "5만 개 수준의 고성능 GPU를 확보해 지역에 많은 부분을 투입하겠다는 구상을 밝혔다."
    assert derive_names([prose]) == ((), ())
    assert derive_names(["2020~2024년 사업"]) == ((), ())


def test_a_derived_full_name_is_evidence_like_an_alias():
    text = "부산시는 북항 재개발 2단계 사업의 기본계획을 확정했다. " + " ".join(FILLER)
    [match] = match_article("", text, [BUSAN_HUB], review_threshold=0.5)
    assert match.slug == "busan-finance-hub"
    assert match.features["kind_derived"] == 1.0


def test_a_derived_head_needs_the_region_in_the_sentence():
    specs = [DAEJEON_QUANTUM]
    with_region = "대전시가 양자클러스터 지정을 신청했다. " + " ".join(FILLER)
    assert slugs("", with_region, specs) == ["daejeon-quantum"]
    elsewhere = "대전시 소식이다. " + " ".join(FILLER) + " 양자클러스터 지정이 관건이다."
    assert slugs("", elsewhere, specs) == []
    no_region = "양자클러스터 지정을 신청했다. " + " ".join(FILLER)
    assert slugs("", no_region, specs) == []


def test_a_wording_two_pledges_share_names_neither():
    a = PledgeSpec(slug="a", title="울산 수소 시범도시 조성", names=("AI 국가 시범도시 조성",))
    b = PledgeSpec(slug="b", title="울산 AI 혁신지구 조성", names=("AI 국가 시범도시 조성",))
    a, b = (PledgeSpec(**{**s.__dict__, "region_terms": ("울산",)}) for s in (a, b))
    text = "울산시는 AI 국가 시범도시 조성을 위한 용역을 시작했다. " + " ".join(FILLER)
    assert slugs("", text, [a, b]) == []
    assert slugs("", text, [a]) == ["a"]


# --- parentheses both ways -------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["AX 실증밸리", "AI전환(AX) 실증밸리", "인공지능 전환 실증밸리", "AX(인공지능 전환) 실증밸리"],
)
def test_a_parenthesised_name_matches_every_spelling(written):
    spec = PledgeSpec(
        slug="v", title="실증밸리", aliases=("AI전환(AX) 실증밸리",), region_terms=("대구",)
    )
    text = f"대구시는 {written} 조성 계획을 발표했다. " + " ".join(FILLER)
    assert slugs("", text, [spec]) == ["v"]


def test_an_abbreviation_glossed_once_stands_for_its_expansion_in_other_terms():
    spec = PledgeSpec(
        slug="uam",
        title="대구 도심항공교통(UAM) 실증단지 조성",
        aliases=("UAM 시범노선",),
        region_terms=("대구",),
    )
    text = "대구시는 도심항공교통 시범노선을 내년에 개통한다. " + " ".join(FILLER)
    assert slugs("", text, [spec]) == ["uam"]


# --- passing mentions and context --------------------------------------------------------------


def _jeonnam_story(mention: str) -> tuple[str, str]:
    body = [
        "전남도가 에너지 신산업 육성 전략을 내놨다.",
        "전남도는 해상풍력 단지를 2030년까지 늘린다.",
        "전남 서부권에는 수소 생산기지가 들어선다.",
        mention,
        "전남도는 관련 기업 30곳과 협약을 맺었다.",
        "전남도 관계자는 재생에너지 산업이 지역 경제를 이끌 것이라고 말했다.",
    ]
    return "전남도, 에너지 신산업 육성 전략 발표", " ".join(body)


def test_passing_mention_in_another_regions_story_does_not_count(pledges):
    title, text = _jeonnam_story("전남도는 국가AI컴퓨팅센터 유치에도 나서기로 했다.")
    [match] = match_article(title, text, pledges, review_threshold=0.0)
    assert match.features["passing"] == 1.0
    assert match.features["other_region_subject"] == 1.0
    assert slugs(title, text, pledges) == []


def test_the_same_mention_counts_where_the_pledge_is_the_story(pledges):
    text = "전남도는 국가AI컴퓨팅센터 유치에도 나서기로 했다. 유치위원회도 꾸린다."
    assert slugs("전남, 국가AI컴퓨팅센터 유치전 가세", text, pledges) == [P1]


def test_passing_mention_in_another_region_is_general():
    quantum = PledgeSpec(
        slug="q", title="국가 양자컴퓨팅센터 대전 설립", region_terms=("대전",), needs_region=False
    )
    title = "충북도, 반도체 인재 양성 계획 발표"
    text = " ".join(
        [
            "충북도가 반도체 인재 1만명 양성 계획을 발표했다.",
            "충북도는 청주에 교육센터를 세운다.",
            "충북 지역 대학 5곳이 참여한다.",
            "충북도는 국가 양자컴퓨팅센터 유치도 검토한다.",
            "충북도는 내년 예산에 관련 사업비를 반영할 방침이다.",
        ]
    )
    assert slugs(title, text, [quantum]) == []
    daejeon = text.replace("충북도는 국가", "대전시는 국가")
    assert slugs("대전시, 국가 양자컴퓨팅센터 유치 총력", daejeon, [quantum]) == ["q"]


def test_follow_on_goals_of_the_dominant_pledge_are_context(pledges):
    title = "광주 AX실증밸리 국비 확보"
    text = " ".join(
        [
            "광주시가 AX실증밸리 사업 국비를 확보했다.",
            "시는 AX실증밸리를 발판으로 국가AI컴퓨팅센터와 AI 모빌리티 국가시범도시로 이어가겠다는 구상이다.",
            "AX실증밸리 사업은 내년부터 5년간 추진된다.",
            "AX실증밸리에는 실증 장비와 데이터센터가 들어선다.",
            "향후 국가AI컴퓨팅센터와 AI 모빌리티 국가시범도시도 차례로 추진할 계획이다.",
        ]
    )
    got = match_article(title, text, pledges, review_threshold=0.0)
    by_slug = {m.slug: m for m in got}
    assert by_slug[P1].features["context_only"] == 1.0
    assert slugs(title, text, pledges) == [P2]


def test_a_pledge_with_its_own_sentences_is_not_context(pledges):
    title = "광주 AX실증밸리 국비 확보"
    text = " ".join(
        [
            "광주시가 AX실증밸리 사업 국비를 확보했다.",
            "AX실증밸리 사업은 내년부터 5년간 추진된다.",
            "AX실증밸리에는 실증 장비가 들어선다.",
            "국가AI컴퓨팅센터 공모에는 삼성SDS 컨소시엄이 응모했다.",
            "국가AI컴퓨팅센터 입지는 다음 달 발표된다.",
        ]
    )
    assert set(slugs(title, text, pledges)) == {P1, P2}


def test_every_match_carries_its_features(pledges):
    from pledges.korean.match import FEATURE_NAMES, TERM_FEATURE

    text = "광주시는 국가AI컴퓨팅센터 유치에 나섰다. " + " ".join(FILLER)
    [match] = match_article("광주, 국가AI컴퓨팅센터 유치위 출범", text, pledges, review_threshold=0)
    assert set(FEATURE_NAMES) <= set(match.features)
    terms = {k for k in match.features if k not in FEATURE_NAMES}
    assert terms == {TERM_FEATURE + t for t in match.terms}
    assert all(match.features[k] == 1.0 for k in terms)
    assert match.features["first_title"] == 1.0
    assert match.features["kind_alias"] == 1.0
    assert match.features["rule_score"] == match.score
    assert match.features["evidence_share"] == 1.0


def test_a_pledge_heading_its_own_section_is_not_context(pledges):
    title = "광주 국가AI컴퓨팅센터 유치 총력"
    text = "\n".join(
        [
            "광주시가 국가AI컴퓨팅센터 유치에 총력을 기울인다.",
            "국가AI컴퓨팅센터는 GPU 5만 장 규모로 구상된다.",
            "시는 국가AI컴퓨팅센터 공모에 대비해 부지를 확보했다.",
            "국가AI컴퓨팅센터 유치위원회도 출범했다.",
            "◇AI 모빌리티 국가시범도시 조성 = 국가AI컴퓨팅센터가 들어서면 시는 자동차 산업과 엮는다.",
            "시는 국가AI컴퓨팅센터와 AI 모빌리티 국가시범도시를 함께 추진한다.",
        ]
    )
    assert set(slugs(title, text, pledges)) == {P1, P3}
