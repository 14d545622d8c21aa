"""Ingestion sources: parsing RSS/Atom feeds, polling, back-off, claiming due sources."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pledges.ingest.errors import FeedError
from pledges.ingest.sources import claim_due_sources, parse_feed, poll_source
from pledges.ingest.store import store_article
from pledges.models import Source
from pledges.tests.http_fixture import LocalServer, Response, atom_feed, rss_feed

# --- parsing ----------------------------------------------------------------------------------


def test_rss_and_atom_feeds_are_parsed():
    rss = parse_feed(
        rss_feed("가일보", [{"title": "<b>하나</b>", "link": "http://e.kr/1?utm_source=rss"}])
    )
    atom = parse_feed(atom_feed("나일보", [{"title": "둘", "link": "/2"}]), url="http://n.kr/f")
    assert rss.title == "가일보"
    assert rss.entries[0].title == "하나"
    assert rss.entries[0].published.startswith("2025-06-09T20:00")
    assert atom.entries[0].url == "http://n.kr/2"


@pytest.mark.parametrize("body", [b"<rss><channel><item><title>x</title", b"just text", b""])
def test_malformed_feed_is_a_feed_error(body):
    with pytest.raises(FeedError):
        parse_feed(body)


# --- polling and back-off ---------------------------------------------------------------------


@pytest.mark.django_db
def test_feed_poll_uses_conditional_requests(allow_private):
    state = {"conditional": []}

    def feed(handler):
        state["conditional"].append(handler.headers.get("If-None-Match"))
        if handler.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        body = rss_feed("가일보", [{"title": "하나", "link": "http://e.kr/1"}])
        return Response(body, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    with LocalServer({"/feed": feed}) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        first = poll_source(source.pk)
        # Its entry is not stored yet (a lost or failed ingest): the next poll asks for it all.
        again = poll_source(source.pk)
        store_article(title="하나", body="첫 기사 본문입니다.", url="http://e.kr/1")
        settled = poll_source(source.pk)
        third = poll_source(source.pk)
    source.refresh_from_db()
    assert len(first.new_entries) == 1 and not first.not_modified
    assert len(again.new_entries) == 1 and not again.not_modified
    assert settled.new_entries == [] and not settled.not_modified
    assert third.not_modified
    assert state["conditional"] == [None, None, None, '"v1"']
    assert source.etag == '"v1"'
    assert source.last_success_at is not None


@pytest.mark.django_db
def test_failing_feed_backs_off_and_is_never_dropped(allow_private):
    with LocalServer({"/feed": Response(b"oops", 500)}) as server:
        source = Source.objects.create(
            name="가일보", kind="feed", feed_url=server.url("/feed"), poll_interval_minutes=10
        )
        for _ in range(3):
            poll = poll_source(source.pk)
            assert poll.error is not None
    source.refresh_from_db()
    assert source.consecutive_failures == 3
    assert "HTTP 500" in source.last_error
    assert source.last_error.count("\n") == 2  # three errors, newest first
    assert source.is_active
    delay = source.next_poll_at - source.last_error_at
    assert dt.timedelta(minutes=79) < delay <= dt.timedelta(minutes=81)  # 10 min × 2³

    with LocalServer({"/feed": Response(rss_feed("가일보", []))}) as server:
        Source.objects.filter(pk=source.pk).update(feed_url=server.url("/feed"))
        poll_source(source.pk)
    source.refresh_from_db()
    assert source.consecutive_failures == 0
    assert source.next_poll_at > timezone.now() + dt.timedelta(minutes=9)


# --- claiming due sources ---------------------------------------------------------------------


@pytest.mark.django_db
def test_due_sources_are_claimed_once():
    due = Source.objects.create(name="a", kind="feed", feed_url="http://a.kr/feed")
    Source.objects.create(
        name="b",
        kind="feed",
        feed_url="http://b.kr/feed",
        next_poll_at=timezone.now() + dt.timedelta(hours=1),
    )
    Source.objects.create(name="c", kind="feed", feed_url="http://c.kr/feed", is_active=False)
    assert claim_due_sources() == [due.pk]
    assert claim_due_sources() == []
