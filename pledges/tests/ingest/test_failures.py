"""Failures as data: one row per failed URL with the right kind, counted, retried, pruned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pledges.ingest.failures import prune_failures, sources_failing_often
from pledges.ingest.pipeline import IngestRun, import_article_file, ingest_feed, ingest_url
from pledges.models import Article, FailureKind, IngestFailure, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page
from pledges.tests.ingest_samples import AI_CENTER

pytestmark = pytest.mark.django_db

ROUTES = {
    "/robots.txt": Response(b"User-agent: *\nDisallow: /private\n"),
    "/private/1": Response(b"secret", headers={"Content-Type": "text/html"}),
    "/gone": Response(b"gone", 410),
    "/slow": Response(b"late", delay=2.5, headers={"Content-Type": "text/html"}),
    "/huge": Response(headers={"Content-Type": "text/html"}, chunked_size=3 * 2**20),
    "/image": Response(b"\x89PNG\r\n\x1a\n" + bytes(100), headers={"Content-Type": "image/png"}),
    "/empty": Response(
        b"<html><head><title>t</title></head><body></body></html>",
        headers={"Content-Type": "text/html"},
    ),
}
EXPECTED = {
    "/private/1": FailureKind.ROBOTS,
    "/gone": FailureKind.HTTP_STATUS,
    "/slow": FailureKind.TIMEOUT,
    "/huge": FailureKind.TOO_LARGE,
    "/image": FailureKind.UNSUPPORTED,
    "/empty": FailureKind.EXTRACTION,
}


def test_every_failure_kind_is_recorded_once_with_the_right_kind(allow_private):
    allow_private.INGEST_TIMEOUT_SECONDS = 1.0
    allow_private.INGEST_MAX_BYTES = 2**20
    source = Source.objects.create(name="가일보")
    with LocalServer(ROUTES) as server:
        for _round in range(2):
            for path in EXPECTED:
                ingest_url(server.url(path), IngestRun(), source=source)
    rows = {row.url.removeprefix(server.base): row for row in IngestFailure.objects.all()}
    assert {path: row.kind for path, row in rows.items()} == EXPECTED
    assert {row.attempts for row in rows.values()} == {2}
    assert rows["/gone"].http_status == 410 and "HTTP 410" in rows["/gone"].last_message
    assert "Disallow: /private" in rows["/private/1"].last_message
    source.refresh_from_db()
    assert source.failing_urls == len(EXPECTED)


def test_a_bad_import_row_is_a_bad_row_failure(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text('{"title": "제목"}\nnot json\n', encoding="utf-8")
    import_article_file(IngestRun(), path)
    failures = IngestFailure.objects.all()
    assert {f.kind for f in failures} == {FailureKind.BAD_ROW}
    assert {f.url for f in failures} == {"articles.jsonl#line=1", "articles.jsonl#line=2"}


def test_a_failing_feed_is_a_feed_failure_and_success_removes_it(allow_private):
    answers = iter(
        [Response(b"down", 500), Response(b"<rss version='2.0'><channel></channel></rss>")]
    )
    with LocalServer({"/rss": lambda _h: next(answers)}) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/rss"))
        ingest_feed(source, IngestRun())
        failure = IngestFailure.objects.get()
        assert (failure.is_feed, failure.kind, failure.http_status) == (True, "http", 500)
        ingest_feed(source, IngestRun(), force=True)
    assert not IngestFailure.objects.exists()
    source.refresh_from_db()
    assert source.failing_urls == 0


def test_old_failures_are_pruned():
    source = Source.objects.create(name="가일보")
    for n, days in enumerate([1, 100, 200]):
        IngestFailure.objects.create(
            url=f"https://a.kr/{n}",
            source=source,
            kind=FailureKind.TIMEOUT,
            last_failed_at=timezone.now() - dt.timedelta(days=days),
        )
    assert prune_failures(older_than_days=90) == 2
    assert list(IngestFailure.objects.values_list("url", flat=True)) == ["https://a.kr/0"]
    source.refresh_from_db()
    assert source.failing_urls == 1


def test_sources_failing_often_are_the_ones_with_a_high_recent_rate(settings):
    settings.INGEST_FAILURE_ALERT_MIN = 3
    settings.INGEST_FAILURE_ALERT_RATE = 0.5
    bad, good = Source.objects.create(name="나쁜일보"), Source.objects.create(name="좋은일보")
    for n in range(4):
        for source in (bad, good):
            IngestFailure.objects.create(
                url=f"https://{source.pk}.kr/{n}",
                source=source,
                kind=FailureKind.HTTP_STATUS,
                last_failed_at=timezone.now(),
            )
    for n in range(10):  # the good one stored many articles meanwhile
        Article.objects.create(source=good, body=f"본문 {n}", content_hash=f"h{n}")
    flagged = sources_failing_often()
    assert [(item.source, item.failed, item.rate) for item in flagged] == [(bad, 4, 1.0)]


def test_retry_from_the_admin_fetches_again_and_clears_the_row(admin_client, allow_private):
    answers = iter([Response(b"oops", 500), Response(html_page("광주 AI센터", AI_CENTER))])
    with LocalServer({"/1": lambda _h: next(answers)}) as server:
        source = Source.objects.create(name="가일보")
        ingest_url(server.url("/1"), IngestRun(), source=source)
        failure = IngestFailure.objects.get()
        listing = admin_client.get("/admin/pledges/ingestfailure/?kind__exact=http")
        assert server.url("/1") in listing.content.decode()
        response = admin_client.post(
            "/admin/pledges/ingestfailure/",
            {"action": "retry_selected", "_selected_action": [failure.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert Article.objects.filter(url=server.url("/1")).exists()
    assert not IngestFailure.objects.exists()


def test_admin_index_lists_sources_failing_often(admin_client, settings):
    settings.INGEST_FAILURE_ALERT_MIN = 1
    source = Source.objects.create(name="나쁜일보")
    IngestFailure.objects.create(
        url="https://a.kr/1", source=source, kind="timeout", last_failed_at=timezone.now()
    )
    page = admin_client.get("/admin/").content.decode()
    assert 'id="failing-sources"' in page and "나쁜일보" in page
