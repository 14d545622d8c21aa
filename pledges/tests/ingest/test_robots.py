"""robots.txt: obeyed before any page or feed fetch, cached per host, failures by convention."""

from __future__ import annotations

import time

import pytest

from pledges.ingest import robots
from pledges.ingest.errors import RobotsDisallowed, RobotsUnavailable
from pledges.ingest.pipeline import IngestRun, ingest_feed, ingest_url
from pledges.ingest.politeness import polite_fetch
from pledges.ingest.store import fetch_and_store_article
from pledges.models import Article, FailureKind, IngestFailure, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page, rss_feed
from pledges.tests.ingest_samples import AI_CENTER

pytestmark = pytest.mark.django_db

ROBOTS = (
    b"User-agent: *\nDisallow: /private/\n\n"
    b"User-agent: PledgeTracker\nDisallow: /members/\nAllow: /members/open\nCrawl-delay: 2\n"
)


def _page():
    return Response(html_page("광주 AI센터", AI_CENTER), headers={"Content-Type": "text/html"})


def _robots(body: bytes = ROBOTS, status: int = 200) -> Response:
    return Response(body, status, {"Content-Type": "text/plain"})


def test_disallowed_page_is_never_requested_and_refusal_names_the_rule(allow_private):
    routes = {"/robots.txt": _robots(), "/members/1": _page()}
    with LocalServer(routes) as server:
        with pytest.raises(RobotsDisallowed) as refused:
            fetch_and_store_article(server.url("/members/1"))
    assert server.hits == ["/robots.txt"]  # the page itself: never
    assert "Disallow: /members/" in str(refused.value)
    assert "PledgeTracker" in str(refused.value)
    assert refused.value.permanent


def test_our_group_wins_over_the_star_group_and_allow_is_longest_match(allow_private):
    routes = {"/robots.txt": _robots(), "/private/1": _page(), "/members/open": _page()}
    with LocalServer(routes) as server:
        # The PledgeTracker group applies, not "*": /private/ is allowed for us.
        assert polite_fetch(server.url("/private/1")).status == 200
        assert polite_fetch(server.url("/members/open")).status == 200
        assert robots.check_robots(server.url("/x")) == 2.0  # Crawl-delay of our group
    assert server.hits.count("/robots.txt") == 1  # read once, then cached


def test_a_feed_disallowed_by_robots_is_not_polled(allow_private):
    routes = {
        "/robots.txt": _robots(b"User-agent: *\nDisallow: /rss\n"),
        "/rss": Response(rss_feed("가일보", [])),
    }
    with LocalServer(routes) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/rss"))
        run = IngestRun()
        poll = ingest_feed(source, run)
    assert isinstance(poll.error, RobotsDisallowed)
    assert server.page_hits == []
    failure = IngestFailure.objects.get(url=server.url("/rss"))
    assert failure.kind == FailureKind.ROBOTS and failure.is_feed


def test_robots_refusal_is_recorded_once_and_not_retried_by_the_task(allow_private):
    from pledges import tasks

    routes = {"/robots.txt": _robots(b"User-agent: *\nDisallow: /\n"), "/1": _page()}
    with LocalServer(routes) as server:
        result = tasks.ingest_url_task.delay(url=server.url("/1")).get()
    assert result["status"] == "failed"
    assert server.page_hits == []
    failure = IngestFailure.objects.get()
    assert (failure.kind, failure.attempts) == (FailureKind.ROBOTS, 1)


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_robots_txt_answering_4xx_allows_everything(allow_private, status):
    routes = {"/robots.txt": _robots(b"nope", status), "/1": _page()}
    with LocalServer(routes) as server:
        run = IngestRun()
        assert ingest_url(server.url("/1"), run) is not None
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "route", [Response(b"down", 503), Response(b"slow", delay=3.0)], ids=["5xx", "timeout"]
)
def test_robots_txt_failing_with_5xx_or_timeout_stops_fetching_for_a_while(allow_private, route):
    allow_private.INGEST_TIMEOUT_SECONDS = 1.0
    allow_private.INGEST_ROBOTS_RETRY_SECONDS = 600
    with LocalServer({"/robots.txt": route, "/1": _page(), "/2": _page()}) as server:
        with pytest.raises(RobotsUnavailable) as waiting:
            polite_fetch(server.url("/1"))
        with pytest.raises(RobotsUnavailable):
            polite_fetch(server.url("/2"))
    assert not waiting.value.permanent
    assert 500 < waiting.value.retry_after <= 600
    assert server.page_hits == []
    assert server.hits.count("/robots.txt") == 1  # the failure is remembered, not hammered


def test_robots_rules_are_shared_through_redis_and_expire(allow_private, require_redis):
    allow_private.INGEST_ROBOTS_CACHE_SECONDS = 1
    routes = {"/robots.txt": _robots(b"User-agent: *\nDisallow: /a\n"), "/b": _page()}
    with LocalServer(routes) as server:
        polite_fetch(server.url("/b"))
        robots.forget_cached_rules()  # another worker process: reads Redis, not the site
        polite_fetch(server.url("/b"))
        assert server.hits.count("/robots.txt") == 1
        time.sleep(1.1)
        robots.forget_cached_rules()
        polite_fetch(server.url("/b"))
    assert server.hits.count("/robots.txt") == 2  # expired: read again


def test_a_redirect_into_a_disallowed_path_is_not_followed(allow_private):
    routes = {
        "/robots.txt": _robots(b"User-agent: *\nDisallow: /secret\n"),
        "/go": Response(status=302, headers={"Location": "/secret/1"}),
        "/secret/1": _page(),
    }
    with LocalServer(routes) as server:
        with pytest.raises(RobotsDisallowed):
            polite_fetch(server.url("/go"))
    assert "/secret/1" not in server.hits
