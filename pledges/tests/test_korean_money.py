"""Money amounts: written forms, non-money counts, funder, stage, offsets."""

from __future__ import annotations

import sys

import pytest

from pledges.korean.money import (
    Amount,
    article_text,
    extract_amounts,
    extract_article_amounts,
    format_krw,
    parse_amount,
)


@pytest.mark.parametrize(
    ("written", "krw"),
    [
        ("2조원", 2_000_000_000_000),
        ("4269억원", 426_900_000_000),
        ("9000억 원", 900_000_000_000),
        ("1조2000억원", 1_200_000_000_000),
        ("3조 5천억 원", 3_500_000_000_000),
        ("100조 원", 100_000_000_000_000),
        ("957억원", 95_700_000_000),
        ("3,045억 원", 304_500_000_000),
        ("5천만원", 50_000_000),
        ("300만 원", 3_000_000),
        ("1억2천만원", 120_000_000),
        ("1억 2000만 원", 120_000_000),
        ("1.5조원", 1_500_000_000_000),
        ("4000억여원", 400_000_000_000),
        ("5000원", 5_000),
        ("850억\n\n원", 85_000_000_000),
    ],
)
def test_written_forms_give_exact_krw(written, krw):
    (amount,) = extract_amounts(f"사업비는 {written}이다.")
    assert amount.krw == krw
    assert parse_amount(written) == krw


@pytest.mark.parametrize(
    "count", ["5만 개", "2000장", "72만 대", "4만7246㎡", "166종", "788건", "100억 달러", "1억 명"]
)
def test_counts_and_foreign_currency_are_not_amounts(count):
    assert extract_amounts(f"모두 {count} 규모다.") == []


def test_headline_amount_without_won():
    (amount,) = extract_amounts("광주, 내년 1634억 AI 예산 확정")
    assert amount.krw == 163_400_000_000


def test_offsets_point_into_the_input():
    text = "총사업비 1조2000억원 가운데 국비 3,045억 원을 확보했다."
    for amount in extract_amounts(text):
        assert text[amount.start : amount.end] == amount.text


@pytest.mark.parametrize(
    ("text", "funder"),
    [
        ("국비 3045억원을 확보했다.", "national"),
        ("시비 120억원을 편성했다.", "metropolitan"),
        ("지방비 850억원이 들어갔다.", "local"),
        ("도비 50억원을 요청했다.", "metropolitan"),
        ("구비 3억원을 보탰다.", "district"),
        ("민간 674억원을 유치했다.", "private"),
        ("사업비 957억원(국비)이다.", "national"),
        ("국비(957억원)가 지연됐다.", "national"),
        ("총 4269억원이 들어갔다.", "total"),
    ],
)
def test_funder_from_the_word_before_or_parentheses(text, funder):
    assert extract_amounts(text)[0].funder == funder


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("2029년까지 9000억원을 투입할 계획이다.", "planned"),
        ("총사업비 6000억원 규모다.", "planned"),
        ("국비 957억원을 확보했다.", "secured"),
        ("정부 예산안에 297억원이 반영됐다.", "government_proposal"),
        ("지난해까지 4269억원을 투입했다.", "executed"),
        ("올해 120억원을 집행했다.", "executed"),
        ("국비 100억원을 요구했다.", "requested"),
        ("공모에 50억원을 신청했다.", "requested"),
        ("국비 957억원이 확보되지 않았다.", None),
        ("매출 996억원을 올렸다.", None),
    ],
)
def test_stage_from_context_words(text, stage):
    assert extract_amounts(text)[0].stage == stage


def test_breakdown_in_parentheses_shares_the_verb_after_it():
    text = "총 4269억원(국비 3045억원, 지방 850억원, 민간 674억원)을 투입했다."
    amounts = extract_amounts(text)
    assert [a.krw // 10**8 for a in amounts] == [4269, 3045, 850, 674]
    assert [a.funder for a in amounts] == ["total", "national", "local", "private"]
    assert {a.stage for a in amounts} == {"executed"}


def test_raw_pdf_text_with_line_break_inside_an_amount():
    raw = (
        "지난해까지총4269억원(국비3045억원, 지방850억\n\n"
        "원, 민간 674억원)을투입해AI기술개발에필요\n\n"
        "한핵심인프라를구축했다.\n\n" + "\n\n".join(["한줄에스무글자를채운본문줄입니다다"] * 6)
    )
    amounts = extract_amounts(raw)
    assert [a.krw // 10**8 for a in amounts] == [4269, 3045, 850, 674]
    assert amounts[2].funder == "local"
    assert "\n" not in amounts[2].sentence


def test_sentence_is_the_one_holding_the_amount():
    text = "첫 문장이다. 국비 957억원을 확보했다. 마지막 문장이다."
    assert extract_amounts(text)[0].sentence == "국비 957억원을 확보했다."


def test_parse_amount_rejects_non_amounts():
    assert parse_amount("5만 개") is None
    assert parse_amount("광주") is None


def test_format_krw_reads_like_korean():
    assert format_krw(456_900_000_000) == "4569억원"
    assert format_krw(2_500_000_000_000) == "2조5000억원"
    assert format_krw(0) == "0원"


def test_each_amount_keeps_its_own_sentence_in_a_long_text():
    sentences = [f"{n}차 사업에 국비 {n}억원을 확보했다." for n in range(1, 301)]
    amounts = extract_amounts(" ".join(sentences))
    assert [a.krw for a in amounts] == [n * 100_000_000 for n in range(1, 301)]
    assert [a.sentence for a in amounts] == sentences


# --- issue 9: every written form ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "krw"),
    [
        ("4천116억원", 411_600_000_000),
        ("3천30억원", 303_000_000_000),
        ("3천98억", 309_800_000_000),
        ("2천5백억원", 250_000_000_000),
        ("1조 2천억", 1_200_000_000_000),
        ("2조5000억", 2_500_000_000_000),
        ("4000여억원", 400_000_000_000),
        ("5천원", 5_000),
    ],
)
def test_thousands_inside_a_unit_are_one_amount(written, krw):
    (amount,) = extract_amounts(f"광주시는 AI 사업에 {written} 투입을 추진한다.")
    assert amount.krw == krw
    assert amount.text == written


def test_units_that_stop_descending_start_a_new_amount():
    amounts = extract_amounts("예산은 300억 5000억원으로 나뉜다.")
    assert [a.krw for a in amounts] == [30_000_000_000, 500_000_000_000]
    assert parse_amount("300억 5000억원") is None


def test_won_starting_another_word_is_not_money():
    assert extract_amounts("제2원전 건설과 3원칙을 밝혔다.") == []


@pytest.mark.parametrize(
    ("text", "written", "krw"),
    [
        ("The city will invest 600 billion won in the AI valley.", "600 billion won", 6 * 10**11),
        ("It secured KRW 600 billion for the center.", "KRW 600 billion", 6 * 10**11),
        ("A ₩1.2 trillion data center is planned.", "₩1.2 trillion", 12 * 10**11),
        ("Tickets cost 15,000 won.", "15,000 won", 15_000),
    ],
)
def test_english_forms(text, written, krw):
    (amount,) = extract_amounts(text)
    assert (amount.text, amount.krw) == (written, krw)


def test_english_verbs_give_stage_and_dollars_are_not_won():
    (secured,) = extract_amounts("The government secured KRW 95.7 billion this year.")
    assert (secured.funder, secured.stage) == ("national", "secured")
    assert extract_amounts("Gwangju won 3 awards and $600 million.") == []


def test_unit_less_breakdown_is_read_as_parts_in_the_same_unit_with_funders():
    text = "2단계 총사업비는 1,749억 원(국비 1,113, 시비 589, 기타 47)이다."
    amounts = extract_amounts(text)
    assert [a.krw for a in amounts] == [
        174_900_000_000,
        111_300_000_000,
        58_900_000_000,
        4_700_000_000,
    ]
    assert [a.funder for a in amounts] == ["total", "national", "metropolitan", "other"]
    assert [a.text for a in amounts[1:]] == ["1,113", "589", "47"]
    assert {a.stage for a in amounts} == {"planned"}
    for a in amounts:
        assert text[a.start : a.end] == a.text


def test_years_or_percentages_in_parentheses_are_not_a_breakdown():
    assert len(extract_amounts("사업비는 4269억원(2020~2024년)이다.")) == 1
    assert len(extract_amounts("국비는 500억원(전체의 50%, 전년 30%)이다.")) == 1


# --- funder ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "funder"),
    [
        ("AI 2단계는 총사업비 6000억원 규모로 추진된다.", "total"),
        ("내년부터 5년간 6천억 원이 투자될 예정이다.", "total"),
        ("민관 합쳐 2조원이 투입된다.", "total"),
        ("정부는 1조 2천억 규모의 사업을 추진한다.", "total"),
        ("국비예산 626억원을 확보했다.", "national"),
        ("국고 100억원이 지원된다.", "national"),
        ("광역시비 40억원을 보탠다.", "metropolitan"),
        ("군비 2억원을 들였다.", "district"),
        ("민자 300억원을 유치해 짓는다.", "private"),
        ("과제당 최대 1억 2000만 원을 지원할 계획이다.", None),
    ],
)
def test_funder_named_beside_or_total_of_a_whole_cost(text, funder):
    assert extract_amounts(text)[0].funder == funder


def test_parts_of_a_total_take_null_unless_a_funder_is_named():
    text = "총사업비 6000억원 가운데 3000억원은 국비로, 1000억원은 연구개발에 쓴다."
    assert [a.funder for a in extract_amounts(text)] == ["total", "national", None]


def test_items_of_a_single_funder_amount_take_its_funder():
    text = "정부는 내년 AI 예산을 10조원으로 늘리고, 데이터센터에 9000억원, 인재에 3000억원을 편성했다."
    amounts = extract_amounts(text)
    assert [a.funder for a in amounts] == ["national", "national", "national"]


def test_part_in_the_next_sentence_after_this_of():
    amounts = extract_amounts("올해 시 예산 6조원이 확정됐다. 이 중 AI 분야에 1634억원이 편성됐다.")
    assert [a.funder for a in amounts] == ["metropolitan", "metropolitan"]


# --- stage -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("광주시는 국비 957억 원이 반영되도록 총력을 기울이고 있다.", "requested"),
        ("시는 국비 100억원 확보에 나선다.", "requested"),
        ("시는 정부에 국비 300억원 지원을 건의했다.", "requested"),
        ("시는 국비 50억원 반영을 요청했다.", "requested"),
        ("국비 957억원은 아직 확보되지 않았다.", None),
        ("국비 957억원을 확보하지 못했다.", None),
        ("국비 957억원이 확보되지 않아 추가 반영을 요청했다.", "requested"),
        ("정부 예산안에 297억원이 편성됐다.", "government_proposal"),
        ("정부 추경안에 50억원이 반영됐다.", "government_proposal"),
        ("국회 본회의에서 국비 120억원이 최종 확정됐다.", "secured"),
        ("시는 국비 30억원을 따냈다.", "secured"),
        ("광주, 내년 1634억 AI 예산 확정", "secured"),
        ("행정안전부는 특별교부세 10억원을 교부했다.", "allocated"),
        ("시는 사업비 20억원을 5개 구에 배정했다.", "allocated"),
        ("지난 5년간 4300억원을 투입해 데이터센터를 구축했다.", "executed"),
        ("4269억원이 투입된 1단계 사업이 끝났다.", "executed"),
        ("앞으로 5년간 4000억여원이 집중 투자된다.", "planned"),
        ("총 1조5000억원이 투입되는 대규모 프로젝트다.", "planned"),
        ("6000억원을 투입해 실증밸리를 구축한다.", "planned"),
        ("예타 면제로 총사업비 6000억원의 사업이 탄력을 받을 전망이다.", "planned"),
        ("시는 3000억원 지원 예산을 확보했다.", "secured"),
        ("이재명 후보는 AI 산업에 100조원을 투자하겠다고 공약했다.", "pledged"),
    ],
)
def test_stage_from_the_governing_verb(text, stage):
    assert extract_amounts(text)[0].stage == stage


def test_a_vote_still_to_come_is_not_secured():
    (amount,) = extract_amounts("본회의를 통과하면 추경 10억원이 확정된다.")
    assert amount.stage != "secured"


def test_government_budget_for_next_year_is_a_proposal():
    (amount,) = extract_amounts("정부는 내년 AI 분야 재정을 10조원으로 키운다.")
    assert (amount.funder, amount.stage) == ("national", "government_proposal")


# --- budget or not -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "이번 사업으로 생산유발 1조2천억원의 효과가 기대된다.",
        "부가가치유발 효과는 5천억원에 이른다.",
        "1조원의 경제적 파급효과가 예상된다.",
        "국내 AI 반도체 시장 규모는 2030년 10조원에 이를 전망이다.",
        "이 회사의 지난해 매출은 996억원이다.",
        "연봉 5000만원 수준의 일자리를 만든다.",
        "150조원 규모의 국민성장펀드를 조성한다.",
        "현대백화점은 총사업비 2조 원을 들여 복합쇼핑몰을 짓는다.",
        "시는 반도체 기업과 1조원 규모의 투자협약을 맺었다.",
    ],
)
def test_economic_effects_markets_revenue_are_not_budget(text):
    (amount,) = extract_amounts(text)
    assert (amount.budget, amount.funder, amount.stage) == (False, None, None)


def test_budget_flag_defaults_true_and_is_in_as_dict():
    (amount,) = extract_amounts("국비 957억원을 확보했다.")
    assert amount.budget is True
    assert amount.as_dict()["budget"] is True
    assert set(Amount.__dataclass_fields__) >= {
        "text",
        "krw",
        "sentence",
        "funder",
        "stage",
        "start",
        "end",
        "budget",
    }


def test_stage_values_are_the_budget_stage_vocabulary():
    from pledges.models import BudgetStage, Funder

    texts = [
        "국비 1억원을 요청했다.",
        "정부 예산안에 2억원이 반영됐다.",
        "국비 3억원을 확보했다.",
        "특별교부세 4억원을 교부했다.",
        "지난해 5억원을 투입했다.",
        "6억원을 투입할 계획이다.",
        "7억원을 투자하겠다고 공약했다.",
    ]
    stages = {extract_amounts(t)[0].stage for t in texts}
    assert stages == set(BudgetStage.values)
    assert {extract_amounts(t)[0].funder for t in texts} <= set(Funder.values)


# --- articles ----------------------------------------------------------------------------------
def test_a_title_repeated_as_the_first_line_counts_once():
    body = "AI 2단계 6000억 확정\n광주시는 6000억원을 투입한다."
    assert [a.krw for a in extract_article_amounts("AI 2단계 6000억 확정", body)] == [
        6 * 10**11
    ] * 2
    assert article_text("AI 2단계 6000억 확정", body) == body
    other = extract_article_amounts("국비 957억 확보", "광주시는 6000억원을 투입한다.")
    assert [a.krw for a in other] == [95_700_000_000, 600_000_000_000]


def _python_steps(work) -> int:
    """How many Python steps (calls and lines) ``work()`` takes: the same count on any machine
    under any load, unlike its time."""
    steps = 0

    def count(frame, event, arg):
        nonlocal steps
        steps += 1
        return count

    sys.settrace(count)
    try:
        work()
    finally:
        sys.settrace(None)
    return steps


def test_money_reading_stays_linear_on_long_texts():
    sentence = "총사업비 6000억원 가운데 국비 3000억원이 반영되도록 총력을 기울인다. "
    steps = []
    for copies in (200, 1600):
        text = sentence * copies
        assert len(extract_amounts(text)) == 2 * copies
        steps.append(_python_steps(lambda text=text: extract_amounts(text)))
    # 8x the text: about 8x the steps (7.7 when written), where going over the text again
    # for each amount takes 64x. (Its speed is bench-money's to measure, not a test's.)
    assert steps[1] < steps[0] * 8 * 1.5
