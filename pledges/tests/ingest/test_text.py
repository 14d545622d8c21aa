"""Ingestion text: decoding (EUC-KR/CP949 too), HTML to plain text, article extraction."""

from __future__ import annotations

from pledges.ingest.text import decode_bytes, extract_article, html_to_text, warm_up_date_parser
from pledges.tests.http_fixture import html_page
from pledges.tests.ingest_samples import AI_CENTER, HANGUL

# --- decoding ---------------------------------------------------------------------------------


def test_euc_kr_page_with_meta_decodes_to_hangul():
    raw = f'<html><head><meta charset="euc-kr"></head><body>{HANGUL}</body></html>'.encode("cp949")
    text, codec = decode_bytes(raw)
    assert HANGUL in text
    assert codec == "cp949"


def test_euc_kr_header_charset_wins_and_decodes_cp949_extensions():
    raw = f"<html><body>{HANGUL}</body></html>".encode("cp949")
    text, _ = decode_bytes(raw, "EUC-KR")
    assert HANGUL in text


def test_undeclared_euc_kr_is_detected():
    raw = f"<html><body>{HANGUL} {' '.join(AI_CENTER)}</body></html>".encode("cp949")
    text, _ = decode_bytes(raw)
    assert HANGUL in text


def test_latin1_header_yields_to_page_declaration():
    raw = f'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">{HANGUL}'.encode(
        "cp949"
    )
    text, _ = decode_bytes(raw, "ISO-8859-1")
    assert HANGUL in text


def test_utf8_bom_wins():
    text, codec = decode_bytes("\ufeff한글".encode(), "euc-kr")
    assert text == "한글"
    assert codec == "utf-8"


# --- sanitising and extraction ----------------------------------------------------------------


def test_html_to_text_drops_tags_scripts_and_styles():
    dirty = (
        "<p>광주 <b>AI</b> &amp; 데이터</p><script>alert('x')</script><style>p{}</style>끝<br>줄"
    )
    assert html_to_text(dirty) == "광주 AI & 데이터\n끝\n줄"
    assert html_to_text("<i>제목</i>\n 둘", single_line=True) == "제목 둘"


def test_extraction_keeps_article_text_and_drops_page_chrome():
    extracted = extract_article(
        html_page("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER).decode(), url="http://e.kr/1"
    )
    assert extracted.title == "광주 국가AI컴퓨팅센터 유치 총력"
    assert AI_CENTER[0] in extracted.text
    assert "광고 스크립트" not in extracted.text
    assert "무단 전재" not in extracted.text


def test_the_date_parser_warm_up_compiles_every_locale_once():
    # What a worker does before forking: dateparser's ~200 locales compiled, not left to the
    # first articles (its class-level cache is what the articles' date searches then read).
    from dateparser.languages.dictionary import Dictionary

    warm_up_date_parser()
    assert sum(len(locales) for locales in Dictionary._split_regex_cache.values()) >= 200
