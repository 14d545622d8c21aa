"""One bad row never stops a run: NUL characters, impossible dates, binary files, huge texts,
and a feed with one bad entry. Each case was once a crash of the whole import or poll."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges.ingest import pipeline
from pledges.ingest.errors import ArticleTooLong, IngestError, UnsupportedContent
from pledges.ingest.imports import store_article_file
from pledges.ingest.store import store_article
from pledges.ingest.text import decode_text_file, parse_datetime
from pledges.models import Article, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page, rss_feed
from pledges.tests.ingest_samples import AI_CENTER, SHORT_PAGE, WEATHER

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n" + bytes(
    (i * 37) % 256 for i in range(4000)
)


def _jsonl(*rows: dict) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n").encode()


def test_nul_characters_are_dropped_not_a_database_error(require_postgres):
    result = store_article(
        title="광주\x00 AI",
        body="\n".join(WEATHER) + "\x00",
        url="https://a.kr/1\x00",
        outlet="가\x00일보",
        byline="홍길동\x00",
    )
    article = Article.objects.get(pk=result.article.pk)
    assert (article.title, article.outlet, article.byline) == ("광주 AI", "가일보", "홍길동")
    assert "\x00" not in article.body and article.url == "https://a.kr/1"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
def test_an_impossible_date_is_a_clear_error(day):
    with pytest.raises(ValueError, match="not a publication date"):
        parse_datetime(day)
    with pytest.raises(IngestError, match="not a publication date"):
        store_article(title="t", body="\n".join(WEATHER), published_at=day)


def test_bad_rows_of_every_kind_fail_alone_and_the_rest_is_stored(require_postgres, settings):
    settings.INGEST_MAX_TEXT_CHARS = 5000
    data = _jsonl(
        {"title": "좋은 기사", "text": "\n".join(AI_CENTER), "published": "2025-06-10"},
        {"title": "NUL", "text": "본문\x00이 있다. " * 10, "outlet": "가\x00일보"},
        {"title": "먼 미래", "text": "미래의 기사 본문. " * 10, "published": "9999-12-31"},
        {"title": "먼 과거", "text": "과거의 기사 본문. " * 10, "published": "0001-01-01"},
        {"title": "너무 김", "text": "아주 긴 기사. " * 1000},
        {"title": "날씨", "text": "\n".join(WEATHER), "published": "2025-06-11"},
    )
    report = store_article_file(data)
    assert report.rows == 6
    assert [e.line for e in report.errors] == [3, 4, 5]
    assert "9999-12-31" in report.errors[0].reason and "0001-01-01" in report.errors[1].reason
    assert "over the limit of 5,000" in report.errors[2].reason
    assert "아주 긴 기사" in report.errors[2].raw  # the rejected row is kept whole, not lost
    stored = dict(Article.objects.values_list("title", "outlet"))
    assert set(stored) == {"좋은 기사", "NUL", "날씨"}
    assert stored["NUL"] == "가일보"


def test_import_command_exits_non_zero_when_rows_fail(tmp_path: Path, capsys):
    data = tmp_path / "a.jsonl"
    data.write_bytes(
        _jsonl({"title": "날씨", "text": "\n".join(WEATHER)}, {"title": "x", "published": "어제"})
    )
    with pytest.raises(CommandError, match="1 of 2 row"):
        call_command("import_articles", str(data))
    assert "new 1" in capsys.readouterr().out
    assert Article.objects.filter(title="날씨").exists()


@pytest.mark.parametrize("content", [PNG, PDF], ids=["png", "pdf"])
def test_a_binary_file_is_refused_with_a_clear_error(tmp_path: Path, content):
    with pytest.raises(UnsupportedContent, match="not a text"):
        decode_text_file(content)
    path = tmp_path / "page.bin"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="not a text page"):
        call_command("ingest_page", str(path), "--outlet", "시험일보", "--published", "2025-06-10")
    with pytest.raises(CommandError, match="not a text article file"):
        call_command("import_articles", str(path))
    assert not Article.objects.exists()  # never an article of U+FFFD


def test_text_files_in_korean_encodings_are_not_mistaken_for_binary():
    assert decode_text_file(SHORT_PAGE.encode("cp949")) == SHORT_PAGE
    assert decode_text_file(SHORT_PAGE.encode("utf-16")) == SHORT_PAGE


def test_an_overlong_article_is_refused_before_the_costly_steps(settings):
    settings.INGEST_MAX_TEXT_CHARS = 1000
    with pytest.raises(ArticleTooLong, match="INGEST_MAX_TEXT_CHARS"):
        store_article(title="t", body="가" * 1001)
    with pytest.raises(ArticleTooLong):  # markup allowed 10×, but not more
        store_article(title="t", body="<p>가</p>" * 2000)
    assert store_article(title="t", body="<p>가나다라</p>" * 200).created


@pytest.fixture
def allow_private(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    settings.INGEST_TIMEOUT_SECONDS = 2.0
    return settings


def _page(title: str, lines: list[str]) -> Response:
    return Response(html_page(title, lines), headers={"Content-Type": "text/html"})


def test_a_feed_with_bad_entries_is_ingested_and_the_next_feed_polled(
    allow_private, require_postgres, capsys
):
    """NUL in a title and an impossible date in one feed; a broken feed before another."""
    with LocalServer() as server:
        bad_items = [
            {
                "title": "광주\x00 AI",
                "link": server.url("/a/1"),
                "date": "Fri, 31 Dec 9999 00:00:00 +0000",
            },
            {
                "title": "날씨",
                "link": server.url("/a/2"),
                "date": "Mon, 01 Jan 0001 00:00:00 +0000",
            },
        ]
        body = rss_feed("가일보", bad_items).replace(b"\\x00", b"\x00")
        server.routes.update(
            {
                "/bad": Response(body, headers={"Content-Type": "application/rss+xml"}),
                "/good": Response(
                    rss_feed("나일보", [{"title": "둘", "link": server.url("/b/1")}]),
                    headers={"Content-Type": "application/rss+xml"},
                ),
                "/a/1": _page("광주\x00 국가AI컴퓨팅센터", AI_CENTER),
                "/a/2": _page("내일 날씨", WEATHER),
                "/b/1": _page("둘", [*WEATHER, "나일보의 다른 기사다."]),
            }
        )
        Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/bad"))
        Source.objects.create(name="나일보", kind="feed", feed_url=server.url("/good"))
        call_command("fetch_sources", "--all")
    out = capsys.readouterr().out
    assert "new 3" in out and "failed 0" in out
    stored = Article.objects.order_by("url")
    assert [a.url for a in stored] == [server.url(p) for p in ["/a/1", "/a/2", "/b/1"]]
    assert all(a.published_at is None or 1900 <= a.published_at.year <= 2100 for a in stored)


def test_a_feed_that_crashes_does_not_starve_the_feeds_after_it(allow_private, monkeypatch, capsys):
    """Whatever one feed triggers (here: an unexpected error), the others are still polled and
    the failure is kept on the feed that caused it."""
    real_poll = pipeline.poll_source
    first = Source.objects.create(name="가일보", kind="feed", feed_url="http://a.invalid/feed")
    with LocalServer({"/feed": Response(rss_feed("나일보", []))}) as server:
        second = Source.objects.create(name="나일보", kind="feed", feed_url=server.url("/feed"))

        def poll(source_id, **kwargs):
            if source_id == first.pk:
                raise RuntimeError("unexpected entry")
            return real_poll(source_id, **kwargs)

        monkeypatch.setattr(pipeline, "poll_source", poll)
        run = pipeline.IngestRun()
        pipeline.ingest_feeds(run, every_active=True)
        assert server.page_hits == ["/feed"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert run.failed == 1 and "unexpected entry" in run.errors[0]
    assert first.consecutive_failures == 1 and "unexpected entry" in first.last_error
    assert second.last_success_at is not None
    assert dt.datetime.now(dt.UTC) - second.last_success_at < dt.timedelta(minutes=1)
