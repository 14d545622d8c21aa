"""Celery tasks, run eagerly in-process: thin, idempotent, errors recorded on the source."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pledges import matching, review, tasks
from pledges.ingest.errors import TransientFetchError
from pledges.ingest.store import store_article
from pledges.models import Article, Evidence, Pledge, ReviewState, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page, rss_feed
from pledges.tests.ingest_samples import AI_CENTER, WEATHER
from tracker.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    settings.INGEST_TIMEOUT_SECONDS = 2.0


def _html(title, lines):
    return Response(html_page(title, lines), headers={"Content-Type": "text/html"})


def test_fetch_feed_stores_new_entries_and_suggests_evidence(
    demo_data, django_capture_on_commit_callbacks
):
    routes = {
        "/1": _html("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER),
        "/2": _html("날씨", WEATHER),
    }
    with LocalServer(routes) as server:
        items = [{"title": t, "link": server.url(p)} for p, t in (("/1", "AI"), ("/2", "날씨"))]
        server.routes["/feed"] = Response(rss_feed("가일보", items))
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        with django_capture_on_commit_callbacks(execute=True):
            result = tasks.poll_source_task.delay(source.pk).get()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.poll_source_task.delay(source.pk, force=True).get()
    assert result["queued"] == 2
    assert Article.objects.filter(source=source).count() == 2
    ai = Article.objects.get(canonical_url=server.url("/1"))
    assert ai.matched_at is not None
    assert Evidence.objects.filter(
        article=ai, pledge__slug="national-ai-computing-center", state=ReviewState.SUGGESTED
    ).exists()
    assert server.page_hits.count("/1") == 1  # known entries are not fetched again


def test_permanent_failure_is_recorded_on_the_source_without_retry():
    with LocalServer({"/gone": Response(b"", 404)}) as server:
        source = Source.objects.create(name="가일보", kind="feed")
        result = tasks.ingest_url_task.delay(server.url("/gone"), source_id=source.pk).get()
    source.refresh_from_db()
    assert result["status"] == "failed"
    assert server.page_hits == ["/gone"]
    assert "/gone" in source.last_error and "HTTP 404" in source.last_error
    assert source.consecutive_failures == 0  # article errors do not back off the feed
    assert not Article.objects.exists()


@pytest.fixture
def eager_without_propagation():
    """Eagerly, Celery runs each retry inline at once (no countdown), but only when exceptions
    are not propagated."""
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def test_transient_failure_is_retried_then_recorded(eager_without_propagation):
    with LocalServer({"/busy": Response(b"", 503)}) as server:
        source = Source.objects.create(name="가일보", kind="feed")
        result = tasks.ingest_url_task.delay(server.url("/busy"), source_id=source.pk)
    source.refresh_from_db()
    assert result.state == "FAILURE"
    assert isinstance(result.result, TransientFetchError)
    assert len(server.page_hits) == tasks.MAX_RETRIES + 1
    assert "/busy" in source.last_error and "HTTP 503" in source.last_error
    assert not Article.objects.exists()


def test_ingest_url_twice_stores_once(django_capture_on_commit_callbacks):
    with LocalServer({"/1": _html("제목", AI_CENTER)}) as server:
        with django_capture_on_commit_callbacks(execute=True):
            first = tasks.ingest_url_task.delay(server.url("/1")).get()
            second = tasks.ingest_url_task.delay(server.url("/1?utm_source=x")).get()
    assert first["status"] == "new" and second["status"] == "same_url"
    assert Article.objects.count() == 1


def test_match_article_is_idempotent(demo_data):
    article = store_article(
        title="광주 국가AI컴퓨팅센터", body="\n".join(AI_CENTER), url="https://a.kr/1"
    ).article
    first = tasks.match_article_task.delay(article.pk).get()
    second = tasks.match_article_task.delay(article.pk).get()
    assert first == second >= 1
    assert Evidence.objects.filter(article=article).count() == first
    assert tasks.match_article_task.delay(999_999).get() == 0  # a deleted article is no error


def test_rematch_pledge_applies_new_terms_and_keeps_reviewed_evidence(demo_data, editor):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    text = [
        "광주시는 빛그린 자율주행 실증단지 조성 사업을 본격 추진한다고 밝혔다.",
        "시는 빛그린 자율주행 실증단지에 시험 도로와 관제 센터를 갖출 계획이다.",
        "광주시 관계자는 빛그린 자율주행 실증단지가 미래차 산업의 거점이 될 것이라고 말했다.",
    ]
    article = store_article(title="빛그린 실증단지", body="\n".join(text), url="https://a.kr/m")
    article = article.article
    matching.match_stored_article(article.pk)
    assert not Evidence.objects.filter(article=article, pledge=pledge).exists()
    reviewed = Evidence.objects.filter(article=demo_data.article, pledge=pledge).get()

    pledge.match_aliases = [*pledge.match_aliases, "빛그린 자율주행 실증단지"]
    pledge.save()
    result = tasks.rematch_pledge_task.delay(pledge.pk).get()
    assert result["suggestions"] >= 1
    suggestion = Evidence.objects.get(article=article, pledge=pledge)
    assert suggestion.state == ReviewState.SUGGESTED
    after = Evidence.objects.get(pk=reviewed.pk)
    assert (after.state, after.updated_at) == (reviewed.state, reviewed.updated_at)

    review.reject_evidence(evidence=suggestion, reviewer=editor, reason="not the pledge")
    pledge.match_aliases = pledge.match_aliases[:-1]
    pledge.save()
    tasks.rematch_pledge_task.delay(pledge.pk).get()
    assert Evidence.objects.get(pk=suggestion.pk).state == ReviewState.REJECTED


def test_rematch_pledge_withdraws_suggestions_that_no_longer_match(demo_data):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    pledge.match_aliases = [*pledge.match_aliases, "빛그린 자율주행 실증단지"]
    pledge.save()
    body = "광주시는 빛그린 자율주행 실증단지 조성에 나선다.\n광주 빛그린 자율주행 실증단지는 2027년 문을 연다."
    article = store_article(title="실증단지", body=body, url="https://a.kr/w").article
    matching.match_stored_article(article.pk)
    assert Evidence.objects.filter(article=article, pledge=pledge).exists()
    pledge.match_aliases = pledge.match_aliases[:-1]
    pledge.save()
    tasks.rematch_pledge_task.delay(pledge.pk).get()
    assert not Evidence.objects.filter(article=article, pledge=pledge).exists()


def test_fetch_due_sources_polls_each_due_feed_once(django_capture_on_commit_callbacks):
    with LocalServer() as server:
        server.routes["/feed"] = Response(rss_feed("가일보", []))
        Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        Source.objects.create(
            name="나일보",
            kind="feed",
            feed_url=server.url("/other"),
            next_poll_at=timezone.now() + timezone.timedelta(hours=1),
        )
        assert tasks.poll_due_sources_task.delay().get() == 1
        assert tasks.poll_due_sources_task.delay().get() == 0
    assert server.page_hits == ["/feed"]
    assert Source.objects.get(name="가일보").last_success_at is not None


def test_rematch_recent_covers_all_pledges(demo_data):
    article = store_article(
        title="광주 국가AI컴퓨팅센터", body="\n".join(AI_CENTER), url="https://a.kr/r"
    ).article
    result = tasks.rematch_recent_task.delay(days=3650).get()
    assert result["articles"] >= 1
    assert Evidence.objects.filter(article=article).exists()
