"""Money amounts: written forms, non-money counts, funder, stage, offsets."""

from __future__ import annotations

import pytest

from pledges.korean.money import extract_amounts, format_krw, parse_amount


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
        ("총 4269억원이 들어갔다.", None),
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
        ("정부 예산안에 297억원이 반영됐다.", "secured"),
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
    assert [a.funder for a in amounts] == [None, "national", "local", "private"]
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
