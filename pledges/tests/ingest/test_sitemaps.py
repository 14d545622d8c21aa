"""News sitemaps and sitemap indexes as sources, told from feeds by content."""

from __future__ import annotations

import datetime as dt
import gzip

import pytest
from django.core.management import call_command
from django.utils import timezone

from pledges.ingest import sitemaps
from pledges.ingest.errors import FeedError
from pledges.ingest.sources import poll_source
from pledges.models import Article, FailureKind, IngestFailure, Source
from pledges.tests.http_fixture import LocalServer, Response, atom_feed, html_page, rss_feed
from pledges.tests.ingest_samples import AI_CENTER, WEATHER

pytestmark = pytest.mark.django_db

NS = (
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
)


def news_sitemap(items: list[tuple[str, str, str]]) -> bytes:
    """(loc, title, publication date) → a Google News sitemap."""
    urls = "".join(
        f"<url><loc>{loc}</loc><news:news><news:publication><news:name>시험일보</news:name>"
        f"<news:language>ko</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news></url>"
        for loc, title, date in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{urls}</urlset>'.encode()


def sitemap_index(children: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<sitemap><loc>{loc}</loc><lastmod>{lastmod}</lastmod></sitemap>"
        for loc, lastmod in children
    )
    return f'<?xml version="1.0"?><sitemapindex {NS}>{entries}</sitemapindex>'.encode()


def _xml(body: bytes, **headers: str) -> Response:
    return Response(body, headers={"Content-Type": "application/xml", **headers})


def _html(title: str, lines: list[str]) -> Response:
    return Response(html_page(title, lines), headers={"Content-Type": "text/html"})


def _recent(hours: int) -> dt.datetime:
    return (timezone.now() - dt.timedelta(hours=hours)).replace(microsecond=0)


def test_news_sitemap_is_ingested_with_its_titles_and_dates(allow_private, capsys):
    first, second = _recent(3), _recent(2)
    with LocalServer(
        {"/a/1": _html("페이지 제목", AI_CENTER), "/a/2": _html("x", WEATHER)}
    ) as server:
        body = news_sitemap(
            [
                (server.url("/a/1"), "광주 AI센터 유치 총력", first.isoformat()),
                (server.url("/a/2"), "내일 날씨 &amp; 미세먼지", second.isoformat()),
            ]
        )
        server.routes["/news-sitemap.xml"] = _xml(body)
        call_command("ingest_feed", server.url("/news-sitemap.xml"))
    articles = {a.url: a for a in Article.objects.all()}
    assert articles[server.url("/a/1")].title == "광주 AI센터 유치 총력"  # news:title wins
    assert articles[server.url("/a/1")].published_at == first
    assert articles[server.url("/a/2")].title == "내일 날씨 & 미세먼지"
    source = Source.objects.get(feed_url=server.url("/news-sitemap.xml"))
    assert (source.kind, source.feed_format) == (Source.Kind.SITEMAP, sitemaps.SITEMAP)
    assert "new 2" in capsys.readouterr().out


def test_sitemap_index_is_followed_to_its_news_sitemaps(allow_private):
    when = _recent(1)
    with LocalServer({"/a/1": _html("x", AI_CENTER), "/a/2": _html("y", WEATHER)}) as server:
        server.routes["/s/1.xml"] = _xml(
            news_sitemap([(server.url("/a/1"), "첫째 기사", when.isoformat())])
        )
        server.routes["/s/2.xml.gz"] = Response(
            gzip.compress(news_sitemap([(server.url("/a/2"), "둘째 기사", when.isoformat())])),
            headers={"Content-Type": "application/gzip"},
        )
        server.routes["/index.xml"] = _xml(
            sitemap_index(
                [(server.url("/s/1.xml"), "2025-06-10"), (server.url("/s/2.xml.gz"), "2025-06-11")]
            )
        )
        call_command("ingest_feed", server.url("/index.xml"))
    assert sorted(Article.objects.values_list("title", flat=True)) == ["둘째 기사", "첫째 기사"]
    assert Source.objects.get().feed_format == sitemaps.SITEMAP_INDEX


def test_sitemap_is_polled_with_conditional_requests(allow_private):
    seen_headers = []

    def sitemap(handler):
        seen_headers.append(handler.headers.get("If-None-Match"))
        if handler.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return _xml(news_sitemap([]), ETag='"v1"')

    with LocalServer({"/sitemap.xml": sitemap}) as server:
        source = Source.objects.create(
            name="가일보", kind="feed", feed_url=server.url("/sitemap.xml")
        )
        assert poll_source(source.pk).error is None
        assert poll_source(source.pk).not_modified
    assert seen_headers == [None, '"v1"']


def test_a_sitemap_of_50000_urls_is_read_within_the_size_cap(allow_private):
    body = (
        f'<?xml version="1.0"?><urlset {NS}>'.encode()
        + b"".join(
            b"<url><loc>https://news.example.kr/article/%06d</loc></url>" % n for n in range(50_000)
        )
        + b"</urlset>"
    )
    assert 2_500_000 < len(body) < allow_private.INGEST_SITEMAP_MAX_BYTES
    allow_private.INGEST_MAX_BYTES = 1024 * 1024  # feeds and pages stay small
    with LocalServer({"/big.xml": _xml(body)}) as server:
        source = Source.objects.create(name="큰일보", kind="feed", feed_url=server.url("/big.xml"))
        poll = poll_source(source.pk)
    assert poll.error is None
    assert len(poll.new_entries) == 50_000


def test_a_sitemap_over_the_size_cap_is_a_too_large_failure(allow_private):
    allow_private.INGEST_SITEMAP_MAX_BYTES = allow_private.INGEST_MAX_BYTES = 100_000
    body = news_sitemap([(f"https://a.kr/{n}", "제목", "2025-06-10") for n in range(2000)])
    with LocalServer({"/big.xml": _xml(body)}) as server:
        source = Source.objects.create(name="큰일보", kind="feed", feed_url=server.url("/big.xml"))
        poll = poll_source(source.pk)
    assert poll.error is not None
    assert IngestFailure.objects.get().kind == FailureKind.TOO_LARGE


def test_old_sitemap_entries_are_not_fetched(allow_private):
    allow_private.INGEST_SITEMAP_MAX_AGE_DAYS = 14
    old = (timezone.now() - dt.timedelta(days=30)).isoformat()
    new = _recent(1).isoformat()
    body = news_sitemap(
        [("https://a.kr/old", "옛 기사", old), ("https://a.kr/new", "새 기사", new)]
    )
    with LocalServer({"/s.xml": _xml(body)}) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/s.xml"))
        poll = poll_source(source.pk)
    assert [e.url for e in poll.new_entries] == ["https://a.kr/new"]


def test_formats_are_told_apart_by_content_not_by_label():
    assert sitemaps.detect_format(rss_feed("t", [])) == sitemaps.RSS
    assert sitemaps.detect_format(atom_feed("t", [])) == sitemaps.ATOM
    assert sitemaps.detect_format(news_sitemap([])) == sitemaps.SITEMAP
    assert sitemaps.detect_format(sitemap_index([])) == sitemaps.SITEMAP_INDEX
    assert sitemaps.detect_format(b"<!doctype html><html><body>hi</body></html>") == ""
    assert sitemaps.detect_format(b"not xml at all") == ""


def test_entities_are_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>https://a.kr/&b;</loc></url></urlset>"
    )
    parsed = sitemaps.parse_sitemap(bomb)
    assert all("aaaa" not in e.url for e in parsed.entries)


def test_a_malformed_sitemap_is_a_feed_error():
    with pytest.raises(FeedError):
        sitemaps.parse_sitemap(b"<urlset><url><loc>https://a.kr/1</loc></url>")


def _add_source(admin_client, url: str):
    return admin_client.post(
        "/admin/pledges/source/add/",
        {"name": "시험일보", "kind": "feed", "feed_url": url, "poll_interval_minutes": 30},
    )


def test_admin_source_form_tells_a_sitemap_from_a_feed(admin_client, allow_private):
    routes = {
        "/sitemap.xml": _xml(news_sitemap([])),
        "/rss": Response(rss_feed("가일보", [{"title": "t", "link": "https://a.kr/1"}])),
    }
    with LocalServer(routes) as server:
        assert _add_source(admin_client, server.url("/sitemap.xml")).status_code == 302
        source = Source.objects.get(feed_url=server.url("/sitemap.xml"))
        assert (source.kind, source.feed_format) == (Source.Kind.SITEMAP, sitemaps.SITEMAP)
        admin_client.post(
            f"/admin/pledges/source/{source.pk}/delete/", {"post": "yes"}
        )  # the name is unique
        assert _add_source(admin_client, server.url("/rss")).status_code == 302
    source = Source.objects.get(feed_url=server.url("/rss"))
    assert (source.kind, source.feed_format) == (Source.Kind.FEED, sitemaps.RSS)


def test_admin_source_form_refuses_a_url_that_is_neither(admin_client, allow_private):
    page = Response(html_page("홈", ["안녕하세요"]), headers={"Content-Type": "text/html"})
    with LocalServer({"/": page}) as server:
        response = _add_source(admin_client, server.url("/"))
    assert response.status_code == 200  # the form again, with the reason
    assert "RSS" in response.content.decode()
    assert not Source.objects.exists()


def test_requests_name_the_product_and_a_contact_url(allow_private):
    agents = []

    def sitemap(handler):
        agents.append(handler.headers.get("User-Agent"))
        return _xml(news_sitemap([]))

    with LocalServer({"/s.xml": sitemap}) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/s.xml"))
        poll_source(source.pk)
    assert agents[0].startswith("PledgeTracker/")
    assert allow_private.INGEST_CONTACT_URL in agents[0]
