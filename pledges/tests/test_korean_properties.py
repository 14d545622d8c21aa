"""Property tests: no input crashes a public function; normalization keeps every Hangul syllable."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledges.korean import (
    PledgeSpec,
    extract_amounts,
    format_krw,
    match_article,
    match_key,
    normalize_text,
    parse_amount,
    split_newspaper_page,
    split_sentences,
    strip_footers,
)

SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

hangul = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
korean_ish = st.text(
    alphabet=st.one_of(
        hangul,
        st.sampled_from(list(" \n\n.,()<>◇/@=-0123456789조억만천원AIXㄱㅋ㈜㎡ⓒＡ１　\u200b\t\r")),
    ),
    max_size=300,
)
any_text = st.one_of(st.text(max_size=300), korean_ish)


def syllables(s: str) -> list[str]:
    return [c for c in s if "\uac00" <= c <= "\ud7a3"]


@st.composite
def column_pages(draw):
    """PDF-like pages: lines of Hangul of one width, blank lines between, a byline."""
    width = draw(st.integers(8, 24))
    lines = draw(
        st.lists(st.text(alphabet=hangul, min_size=1, max_size=width), min_size=6, max_size=30)
    )
    if draw(st.booleans()):
        lines.insert(len(lines) // 2, "/홍길동기자 hong@example.co.kr")
    return "\n\n".join(lines)


SPEC = PledgeSpec(
    slug="x",
    title="국가AI컴퓨팅센터",
    aliases=("AI 컴퓨팅 센터",),
    keywords=("AI 2단계",),
    exclusions=("글로벌 AI컴퓨팅센터",),
    region_terms=("광주",),
    region_exclusions=("경기 광주",),
    context_terms=("GPU",),
)


@SETTINGS
@given(any_text)
def test_normalization_keeps_every_hangul_syllable_in_order(text):
    assert syllables(normalize_text(text)) == syllables(text)


@SETTINGS
@given(column_pages())
def test_column_glue_keeps_every_hangul_syllable_in_order(text):
    assert syllables(normalize_text(text)) == syllables(text)


@SETTINGS
@given(any_text)
def test_footer_stripping_only_removes_hangul(text):
    out = syllables(strip_footers(normalize_text(text, footers=True)))
    it = iter(syllables(text))
    assert all(c in it for c in out)  # a subsequence of the input's syllables


@SETTINGS
@given(any_text, any_text)
def test_no_input_crashes_the_public_functions(title, text):
    match_article(title, text, [SPEC], review_threshold=0.0)
    match_article(title, text, [SPEC], review_threshold=0.0, use_kiwi=False)
    for amount in extract_amounts(text):
        assert amount.krw > 0
        assert text[amount.start : amount.end] == amount.text
    json.dumps([a.as_dict() for a in split_newspaper_page(text)], ensure_ascii=False)
    for use_kiwi in (True, False):
        for start, end in split_sentences(text, use_kiwi=use_kiwi):
            assert 0 <= start <= end <= len(text)
    normalize_text(text, restore=True, footers=True)
    match_key(text)
    parse_amount(text)


@SETTINGS
@given(column_pages())
def test_pages_keep_their_hangul(text):
    items = split_newspaper_page(text, restore=False)
    joined = "".join("".join([i.title, *i.subtitles, *i.captions, i.body, i.byline]) for i in items)
    assert len(syllables(joined)) >= len(syllables(text)) - 3 * text.count("기자")


@SETTINGS
@given(st.integers(min_value=0, max_value=10**18))
def test_format_and_parse_round_trip(krw):
    written = format_krw(krw)
    if krw:
        assert parse_amount(written) == krw
