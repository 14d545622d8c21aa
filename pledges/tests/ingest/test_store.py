"""Ingestion store: exactly-once store_article, and fetch_and_store_article for one page."""

from __future__ import annotations

import pytest

from pledges.ingest.errors import ExtractionError, UnsupportedContent
from pledges.ingest.store import fetch_and_store_article, store_article
from pledges.models import Article
from pledges.tests.http_fixture import LocalServer, Response, html_page
from pledges.tests.ingest_samples import AI_CENTER, HANGUL

# --- exactly-once storage ---------------------------------------------------------------------


@pytest.mark.django_db
def test_stored_title_and_body_are_plain_text():
    result = store_article(
        title="<script>alert(1)</script>광주 <em>AI</em> 센터",
        body="<p>" + "</p><p>".join(AI_CENTER) + "</p><script>steal()</script>",
        url="https://e.kr/a/1",
    )
    article = result.article
    assert article.title == "광주 AI 센터"
    assert "<" not in article.body and "steal" not in article.body
    assert article.normalized_body


@pytest.mark.django_db
def test_same_canonical_url_is_stored_once():
    first = store_article(title="t", body="\n".join(AI_CENTER), url="https://e.kr/a?id=1")
    again = store_article(
        title="t2", body="다른 본문입니다.", url="HTTPS://E.KR/a?id=1&utm_source=x#c"
    )
    assert first.created and not again.created
    assert again.reason == "same_url"
    assert again.article.pk == first.article.pk
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_same_text_under_another_url_is_stored_once():
    first = store_article(title="a", body="\n".join(AI_CENTER), url="https://a.kr/1")
    again = store_article(title="b", body="\n".join(AI_CENTER), url="https://b.kr/9")
    assert not again.created and again.reason == "same_content"
    assert again.article.pk == first.article.pk


@pytest.mark.django_db
def test_empty_text_is_not_stored():
    with pytest.raises(ExtractionError):
        store_article(title="제목", body="<script>x()</script>", url="https://e.kr/e")
    assert not Article.objects.exists()


# --- single URLs ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_url_stores_extracted_text(allow_private):
    page = html_page("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER)
    with LocalServer({"/news/1": Response(page, headers={"Content-Type": "text/html"})}) as s:
        result = fetch_and_store_article(s.url("/news/1?utm_campaign=x"))
    article = result.article
    assert result.created
    assert article.title == "광주 국가AI컴퓨팅센터 유치 총력"
    assert AI_CENTER[1] in article.body
    assert "광고 스크립트" not in article.body
    assert article.canonical_url == s.url("/news/1")
    assert article.outlet == "127.0.0.1"


@pytest.mark.django_db
def test_euc_kr_article_page_is_stored_as_correct_hangul(allow_private):
    lines = [*AI_CENTER, HANGUL]
    page = html_page("광주 뷁 센터", lines, charset="euc-kr")
    headers = {"Content-Type": "text/html; charset=EUC-KR"}
    with LocalServer({"/euc": Response(page, headers=headers)}) as server:
        article = fetch_and_store_article(server.url("/euc")).article
    assert article.title == "광주 뷁 센터"
    assert HANGUL in article.body


@pytest.mark.django_db
def test_known_url_is_not_fetched_again(allow_private):
    page = html_page("제목", AI_CENTER)
    with LocalServer({"/1": Response(page, headers={"Content-Type": "text/html"})}) as server:
        first = fetch_and_store_article(server.url("/1"))
        again = fetch_and_store_article(server.url("/1#comments"))
    assert again.article.pk == first.article.pk and not again.created
    assert server.page_hits == ["/1"]


@pytest.mark.django_db
def test_non_html_body_is_refused(allow_private):
    pdf = Response(b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    with LocalServer({"/doc.pdf": pdf}) as server:
        with pytest.raises(UnsupportedContent):
            fetch_and_store_article(server.url("/doc.pdf"))
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_feed_summary_is_the_fallback_text(allow_private):
    empty = Response(
        b"<html><body><div id='app'></div></body></html>", headers={"Content-Type": "text/html"}
    )
    hints = {"title": "피드 제목", "summary": "<p>" + " ".join(AI_CENTER) + "</p>"}
    with LocalServer({"/spa": empty}) as server:
        article = fetch_and_store_article(server.url("/spa"), hints=hints).article
    assert article.title == "피드 제목"
    assert AI_CENTER[0] in article.body
