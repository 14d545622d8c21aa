"""Normalization rules of pledges.korean.normalize (texts written for the tests)."""

from __future__ import annotations

import pytest

from pledges.korean.normalize import (
    column_paragraphs,
    is_column_layout,
    match_key,
    needs_spacing,
    normalize_text,
    normalize_unicode,
    restore_spacing,
    split_sentences,
    strip_footers,
)

from .korean_samples import columnize, pdf_page

WEB_TEXT = (
    "광주시가 국가AI컴퓨팅센터 유치에 나섰다.\n"
    "시는 오는 9월 국회에서 유치위원회 출범식을 연다고 26일 밝혔다.\n"
    "강 시장은 “광주는 준비를 마쳤다”고 말했다."
)


def test_full_width_characters_become_ascii():
    assert normalize_unicode("ＡＩ　컴퓨팅 １００조원") == "AI 컴퓨팅 100조원"


def test_hangul_syllables_are_not_decomposed():
    text = "국가인공지능컴퓨팅센터"
    assert normalize_unicode(text) == text


def test_compatibility_jamo_and_enclosed_hangul_are_kept():
    # Plain NFKC would turn ㅋ into a conjoining jamo and ㈜ into (주).
    assert normalize_unicode("ㅋㅋ ㈜광주 4만㎡") == "ㅋㅋ ㈜광주 4만㎡"


def test_invisible_characters_and_line_ends_are_cleaned():
    assert normalize_unicode("광주\u200b시\r\n다음\u00ad줄") == "광주시\n다음줄"


def test_normally_spaced_web_text_is_unchanged():
    assert normalize_text(WEB_TEXT) == WEB_TEXT


def test_web_text_is_not_column_layout_and_needs_no_spacing():
    assert not is_column_layout(WEB_TEXT)
    assert not any(needs_spacing(line) for line in WEB_TEXT.split("\n"))


def test_lost_spacing_is_detected():
    assert needs_spacing("광주시가국가AI컴퓨팅센터유치에사활을걸었다고밝혔다")


def test_restore_spacing_only_inserts_spaces():
    glued = "광주국가AI컴퓨팅센터구축서둘러야한다"
    spaced = restore_spacing(glued)
    assert spaced.replace(" ", "") == glued
    assert spaced.count(" ") >= 3


def test_pdf_column_lines_are_detected():
    assert is_column_layout(pdf_page())


def test_word_split_across_column_lines_is_joined():
    lines = columnize("광주시는 올해 국가AI컴퓨팅센터 유치와 AX실증밸리 조성을 과제로 꼽았다.")
    text = "\n\n".join(["제목한줄", *lines, "/홍길동기자 hong@example.co.kr"])
    paragraphs = column_paragraphs(text.split("\n"), width=40)
    body = [p.text for p in paragraphs if p.kind == "body"]
    assert body == ["광주시는올해국가AI컴퓨팅센터유치와AX실증밸리조성을과제로꼽았다."]


def test_column_split_inside_a_term_is_glued():
    text = "\n\n".join(["제목", "광주에국가AI컴퓨", "팅센터를짓는다."] * 1)
    paragraphs = column_paragraphs(text.split("\n"), width=16)
    assert paragraphs[-1].text == "광주에국가AI컴퓨팅센터를짓는다."


def test_headline_block_is_not_glued_to_the_body():
    paragraphs = column_paragraphs(pdf_page().split("\n"))
    heads = [p.text for p in paragraphs if p.kind == "head"]
    assert heads[:3] == [
        "광주국가AI컴퓨팅센터구축서둘러야",
        "새정부지역공약점검",
        "AX실증밸리도숙제",
    ]


def test_pdf_page_normalization_restores_spacing_and_keeps_hangul():
    raw = pdf_page()
    out = normalize_text(raw)
    assert "국가 AI" in out or "국가AI 컴퓨팅" in out or "국가 AI컴퓨팅" in out
    hangul = [c for c in raw if "가" <= c <= "힣"]
    assert [c for c in out if "가" <= c <= "힣"] == hangul


def test_restore_false_never_calls_kiwi(monkeypatch):
    import pledges.korean.normalize as n

    def boom():
        raise AssertionError("Kiwi must not be loaded")

    monkeypatch.setattr(n, "get_kiwi", boom)
    assert n.normalize_text("광주시가국가AI컴퓨팅센터유치에사활을걸었다", restore=False)


def test_normalize_is_idempotent_on_its_output():
    once = normalize_text(pdf_page())
    assert normalize_text(once) == once


def test_footers_are_stripped_only_when_asked():
    text = "광주시가 유치위원회를 열었다.\nⓒ 광주일보 무단전재 및 재배포 금지\n홍길동 기자 hong@example.co.kr"
    assert normalize_text(text) == text
    assert normalize_text(text, footers=True) == "광주시가 유치위원회를 열었다."
    assert strip_footers("본문이다.\nCopyright © Example. All rights reserved.") == "본문이다."


@pytest.mark.parametrize(
    "variant",
    [
        "국가AI컴퓨팅센터",
        "국가 AI 컴퓨팅 센터를",
        "국가인공지능컴퓨팅센터",
        "국가 인공지능(AI) 컴퓨팅센터가",
        "‘국가 AI컴퓨팅센터’",
    ],
)
def test_match_key_ignores_spacing_particles_and_glosses(variant):
    assert match_key("국가AI컴퓨팅센터") in match_key(variant)


def test_match_key_drops_short_parenthetical_glosses():
    assert match_key("AX(인공지능 전환) 실증밸리") == "ax실증밸리"


def test_match_key_english_is_case_and_spacing_free():
    assert match_key("the National AI Computing Centre") == "thenationalaicomputingcenter"


@pytest.mark.parametrize("use_kiwi", [True, False])
def test_sentences_split_on_punctuation_and_lines(use_kiwi):
    text = "첫 문장이다. 둘째 문장은 3.5% 올랐다.\n제목 줄\n셋째 문장이다."
    sentences = [text[a:b] for a, b in split_sentences(text, use_kiwi=use_kiwi)]
    assert sentences == ["첫 문장이다.", "둘째 문장은 3.5% 올랐다.", "제목 줄", "셋째 문장이다."]


def test_sentences_split_without_space_after_period():
    text = "광주의 미래 자산이다.인공지능 시대의 과제다."
    sentences = [text[a:b] for a, b in split_sentences(text, use_kiwi=False)]
    assert sentences == ["광주의 미래 자산이다.", "인공지능 시대의 과제다."]


def test_a_very_long_line_is_split_by_punctuation_without_kiwi(monkeypatch):
    from pledges.korean import normalize

    def no_kiwi():
        raise AssertionError("Kiwi must not analyse a line this long")

    line = "광주시가 사업을 시작했다. " * (normalize.KIWI_MAX_LINE_CHARS // 10)
    monkeypatch.setattr(
        normalize, "get_kiwi", lambda: type("K", (), {"split_into_sents": no_kiwi})()
    )
    spans = normalize.split_sentences(line)
    assert len(spans) == line.count("했다.")
    assert all(line[s:e] == "광주시가 사업을 시작했다." for s, e in spans)


def test_snippet_sentences_with_glued_words_are_respaced_for_readers():
    from pledges.korean.normalize import has_glued_words, respace_sentence

    glued = (
        "광주시는AI집적단지조성이마무리하고 AX실증밸리를 완결해 AI중심도시로 도약을 꿈꾸고 있다."
    )
    assert has_glued_words(glued)
    spaced = respace_sentence(glued)
    assert "광주시는 AI 집적" in spaced
    assert spaced.replace(" ", "") == glued.replace(" ", "")
    already = "AI 집적 단지는 광주시가 추진 중인 AI 1단계 사업으로 마무리 수순이다."
    assert not has_glued_words(already)
    assert respace_sentence(already) == already
