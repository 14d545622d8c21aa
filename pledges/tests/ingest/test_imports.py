"""Ingestion imports: newspaper pages split into articles, and bulk JSONL/CSV files."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pledges import matching
from pledges.ingest.imports import store_article_file, store_newspaper_page
from pledges.ingest.text import SEOUL
from pledges.models import Article, Evidence, ReviewState, Source
from pledges.tests.ingest_samples import AI_CENTER, SEED_PAGE, SHORT_PAGE, WEATHER

# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_is_split_into_articles_with_outlet_and_date():
    results = store_newspaper_page(text=SHORT_PAGE, outlet="시험일보", published="2025-06-10")
    assert [r.created for r in results] == [True, True]
    first = results[0].article
    assert first.title.startswith("광주시 AI 실증밸리")
    assert first.outlet == "시험일보" and first.source.kind == Source.Kind.PRINT
    assert first.canonical_url is None
    assert first.byline == "김민수"
    assert first.published_at.astimezone(SEOUL).date() == dt.date(2025, 6, 10)
    again = store_newspaper_page(text=SHORT_PAGE, outlet="시험일보", published="2025-06-10")
    assert not any(r.created for r in again)
    assert Article.objects.count() == 2


@pytest.mark.django_db
def test_seed_page_reuses_the_demo_article_and_leaves_its_review_alone(demo_data):
    seed = demo_data.article
    confirmed = set(Evidence.objects.filter(article=seed).values_list("pk", "state"))
    results = store_newspaper_page(
        text=SEED_PAGE.read_text(encoding="utf-8"), outlet="광주일보", published="2025-06-10"
    )
    assert len(results) == 3  # three articles; the photo item is not an article
    assert results[0].article.pk == seed.pk and not results[0].created
    assert all(r.created for r in results[1:])
    for result in results:
        if result.needs_match:
            matching.match_stored_article(result.article.pk)
    assert set(Evidence.objects.filter(article=seed).values_list("pk", "state")) == confirmed
    assert not Evidence.objects.filter(article__in=[r.article for r in results[1:]]).exists()


@pytest.mark.django_db
def test_seed_page_first_article_is_suggested_for_the_gwangju_pledges(demo_data):
    Article.objects.filter(pk=demo_data.article.pk).delete()  # as if the page arrived fresh
    results = store_newspaper_page(
        text=SEED_PAGE.read_text(encoding="utf-8"), outlet="광주일보", published="2025-06-10"
    )
    first = results[0].article
    assert results[0].created and first.byline == "정병호"
    assert matching.match_stored_article(first.pk) >= 2
    suggested = set(
        Evidence.objects.filter(article=first, state=ReviewState.SUGGESTED).values_list(
            "pledge__slug", flat=True
        )
    )
    assert {"national-ai-computing-center", "ax-demonstration-valley"} <= suggested
    assert all(p.startswith(("national-ai", "ax-", "ai-")) for p in suggested)


# --- bulk import ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_import_stores_good_rows_and_reports_bad_ones():
    rows = [
        "url,title,text,published,outlet",
        f"https://a.kr/1,광주 AI,{' '.join(AI_CENTER)},2025-06-10,가일보",
        f"https://a.kr/2,날씨,{' '.join(WEATHER)},2025.06.11 09:30,",
        "https://a.kr/3,빈 기사,,2025-06-10,가일보",
        "https://a.kr/4,날짜 오류,본문이 있다,어제,가일보",
        "ftp://a.kr/5,주소 오류,본문이 있다,2025-06-10,가일보",
        f"https://a.kr/1?utm_source=x,중복,{' '.join(AI_CENTER)},2025-06-10,가일보",
    ]
    report = store_article_file(("\n".join(rows) + "\n").encode("cp949"), outlet="기본일보")
    assert report.rows == 6
    assert [e.line for e in report.errors] == [4, 5, 6]
    assert "no text" in report.errors[0].reason
    assert "빈 기사" in report.errors[0].raw
    assert [r.reason for r in report.results] == ["new", "new", "same_url"]
    weather = report.results[1].article
    assert weather.outlet == "기본일보"
    assert weather.published_at == dt.datetime(2025, 6, 11, 9, 30, tzinfo=SEOUL)


@pytest.mark.django_db
def test_jsonl_import_reports_invalid_lines_and_keeps_the_rest():
    lines = [
        json.dumps({"url": "https://a.kr/1", "title": "하나", "text": "\n".join(AI_CENTER)}),
        "{not json",
        "",
        json.dumps(["a list"]),
        json.dumps({"title": "둘", "text": "\n".join(WEATHER), "published": "2025-06-10"}),
    ]
    report = store_article_file("\n".join(lines).encode())
    assert [(e.line, e.reason.split(" ")[0]) for e in report.errors] == [(2, "invalid"), (4, "not")]
    assert len(report.results) == 2
    assert report.results[1].article.canonical_url is None
