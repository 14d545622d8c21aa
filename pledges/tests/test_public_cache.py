"""Cached public pages (pledges/site/cache.py) and the public version (pledges/publishing.py):
a page is served from the cache until an editor publishes, and the next view after that shows
what was published; language, host and query string each have their own entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges import publishing, review
from pledges.models import BudgetStage, Funder, Milestone, MilestoneKind, ReviewState, Status
from pledges.site.cache import HIT_HEADER
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge():
    return PledgeFactory(is_published=True, title="캐시 시험 공약", title_en="Cache test pledge")


def test_a_second_view_is_served_from_the_cache_without_a_query(client, pledge):
    first = client.get(pledge.get_absolute_url())
    assert first[HIT_HEADER] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(pledge.get_absolute_url())
    assert second[HIT_HEADER] == "hit"
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_confirming_evidence_shows_it_on_the_next_view(client, pledge, editor):
    suggestion = EvidenceFactory(
        pledge=pledge, article=ArticleFactory(title="새로 확인된 캐시 기사"), state="suggested"
    )
    for url in (pledge.get_absolute_url(), "/", "/feed/"):
        assert "새로 확인된 캐시 기사" not in client.get(url).content.decode()
        assert client.get(url)[HIT_HEADER] == "hit"
    review.confirm_evidence(evidence=suggestion, reviewer=editor)
    for url in (pledge.get_absolute_url(), "/", "/feed/"):
        response = client.get(url)
        assert response[HIT_HEADER] == "miss", url
        assert "새로 확인된 캐시 기사" in response.content.decode(), url


def test_a_new_suggestion_from_the_matcher_keeps_the_cache(client, pledge):
    client.get("/")
    before = publishing.public_version()
    EvidenceFactory(pledge=pledge, state=ReviewState.SUGGESTED)
    assert publishing.public_version() == before
    assert client.get("/")[HIT_HEADER] == "hit"


def test_status_change_figure_milestone_and_pledge_edit_each_publish(client, pledge, editor):
    url = pledge.get_absolute_url()

    def shows_after(change, text: str) -> None:
        client.get(url)
        assert client.get(url)[HIT_HEADER] == "hit"
        change()
        assert text in client.get(url).content.decode()

    shows_after(
        lambda: review.record_status_change(
            pledge=pledge,
            to_status=Status.STALLED,
            effective_date=dt.date(2025, 6, 10),
            rationale="캐시 시험: 예산 확보가 늦어짐",
            recorded_by=editor,
        ),
        "캐시 시험: 예산 확보가 늦어짐",
    )
    shows_after(
        lambda: BudgetFigureFactory(
            pledge=pledge,
            amount_krw=95_700_000_000,
            stage=BudgetStage.SECURED,
            funder=Funder.NATIONAL,
        ),
        "957억",
    )
    shows_after(
        lambda: review.save_milestone(
            milestone=Milestone(
                pledge=pledge,
                kind=MilestoneKind.DESIGN,
                title="캐시 시험 기본설계",
                planned_date=dt.date(2026, 3, 1),
            ),
            editor=editor,
        ),
        "캐시 시험 기본설계",
    )

    def edit():
        pledge.summary = "캐시 시험: 고친 요약"
        review.save_pledge(pledge=pledge, changed_fields=["summary"], editor=editor)

    shows_after(edit, "캐시 시험: 고친 요약")


def test_language_query_string_and_host_each_have_their_own_entry(client, pledge):
    korean = client.get("/pledges/")
    english = client.get("/en/pledges/")
    assert english[HIT_HEADER] == "miss"
    assert "Cache test pledge" in english.content.decode()
    assert "Cache test pledge" not in korean.content.decode()
    assert client.get("/pledges/?status=stalled")[HIT_HEADER] == "miss"
    assert "캐시 시험 공약" not in client.get("/pledges/?status=stalled").content.decode()
    assert client.get("/pledges/", HTTP_HOST="localhost")[HIT_HEADER] == "miss"
    assert client.get("/pledges/")[HIT_HEADER] == "hit"


def test_unpublishing_a_pledge_removes_it_at_once(client, pledge):
    assert "캐시 시험 공약" in client.get("/pledges/").content.decode()
    pledge.is_published = False
    pledge.save()
    assert "캐시 시험 공약" not in client.get("/pledges/").content.decode()
    assert client.get(pledge.get_absolute_url()).status_code == 404


def test_errors_and_redirects_are_not_kept(client):
    assert client.get("/pledges/no-such-pledge/").status_code == 404
    assert not client.get("/pledges/no-such-pledge/").has_header(HIT_HEADER)
    assert client.get("/?status=stalled").status_code == 301
    assert not client.get("/?status=stalled").has_header(HIT_HEADER)


def test_the_trivial_view_is_never_cached(client):
    response = client.get("/ping/")
    assert response.content == b"ok\n"
    assert not response.has_header(HIT_HEADER)


def test_a_lost_version_counter_never_revives_old_entries(client, pledge):
    client.get("/")
    cache.delete(publishing.VERSION_KEY)  # evicted or flushed
    assert client.get("/")[HIT_HEADER] == "miss"


def test_a_cache_that_does_not_answer_serves_the_page_uncached(client, pledge, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.get(pledge.get_absolute_url())
    assert response.status_code == 200
    assert "캐시 시험 공약" in response.content.decode()
    assert not response.has_header(HIT_HEADER)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_a_committed_confirmation_shows_on_the_next_view(client, redis_cache):
    """The real cache of production: the write commits, the version moves in Redis for every
    process, and the next view renders the page again."""
    from django.contrib.auth import get_user_model

    raw, prefix = redis_cache

    reviewer = get_user_model().objects.create_user("cache-editor")
    pledge = PledgeFactory(is_published=True, title="레디스 캐시 공약")
    suggestion = EvidenceFactory(
        pledge=pledge, article=ArticleFactory(title="레디스로 확인된 기사"), state="suggested"
    )
    url = pledge.get_absolute_url()
    assert client.get(url)[HIT_HEADER] == "miss"
    assert client.get(url)[HIT_HEADER] == "hit"
    assert raw.keys(f"{prefix}:*public-page*")  # kept in Redis, not in this process
    version_key = f"{prefix}:1:{publishing.VERSION_KEY}"
    before = int(raw.get(version_key))
    review.confirm_evidence(evidence=suggestion, reviewer=reviewer)  # commits
    # Moved by the writes of the transaction and once more after its commit.
    assert int(raw.get(version_key)) > before
    response = client.get(url)
    assert response[HIT_HEADER] == "miss"
    assert "레디스로 확인된 기사" in response.content.decode()
    assert client.get(url)[HIT_HEADER] == "hit"


def test_confirmed_evidence_created_directly_publishes(client, pledge):
    client.get(pledge.get_absolute_url())
    ConfirmedEvidenceFactory(pledge=pledge, article=ArticleFactory(title="직접 확인된 기사"))
    assert "직접 확인된 기사" in client.get(pledge.get_absolute_url()).content.decode()


def test_while_one_reader_renders_a_published_change_others_get_the_previous_page(
    client, pledge, editor, rf
):
    """No stampede: a busy page is rendered again once after a publication, not once per reader
    waiting for it; the others are served the previous version meanwhile."""
    from pledges.site.cache import cache_key

    url = pledge.get_absolute_url()
    client.get(url)
    suggestion = EvidenceFactory(pledge=pledge, article=ArticleFactory(title="경합 중 확인된 기사"))
    review.confirm_evidence(evidence=suggestion, reviewer=editor)
    request = rf.get(url)
    request.LANGUAGE_CODE = "ko"
    cache.add(f"{cache_key(request)}:rendering", 1)  # another reader's render is running
    stale = client.get(url)
    assert stale[HIT_HEADER] == "stale"
    assert "경합 중 확인된 기사" not in stale.content.decode()
    cache.delete(f"{cache_key(request)}:rendering")  # it finished
    fresh = client.get(url)
    assert fresh[HIT_HEADER] == "miss"
    assert "경합 중 확인된 기사" in fresh.content.decode()
    assert not cache.get(f"{cache_key(request)}:rendering")


def test_browsers_that_accept_gzip_get_the_page_compressed(client, pledge):
    import gzip

    plain = client.get(pledge.get_absolute_url())
    for how in ("miss", "hit"):
        if how == "miss":
            cache.clear()
        packed = client.get(pledge.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert packed[HIT_HEADER] == how
        assert packed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed["Vary"]
        assert gzip.decompress(packed.content) == plain.content
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 3
    assert not plain.has_header("Content-Encoding")


def test_a_process_may_reuse_its_version_read_but_sees_its_own_changes_at_once(
    client, pledge, settings
):
    settings.PUBLIC_VERSION_CHECK_SECONDS = 60
    client.get("/")
    cache.incr(publishing.VERSION_KEY)  # another process published
    assert client.get("/")[HIT_HEADER] == "hit"  # seen here within the minute, not at once
    pledge.title = "이 프로세스에서 고친 제목"
    pledge.save()
    response = client.get("/")
    assert response[HIT_HEADER] == "miss"
    assert "이 프로세스에서 고친 제목" in response.content.decode()


def test_the_api_is_cached_and_a_confirmation_shows_on_its_next_read(client, pledge, editor):
    suggestion = EvidenceFactory(
        pledge=pledge, article=ArticleFactory(title="API 캐시 기사"), state="suggested"
    )
    url = "/api/v1/evidence/"
    assert client.get(url)[HIT_HEADER] == "miss"
    second = client.get(url, HTTP_ORIGIN="https://example.org")
    assert second[HIT_HEADER] == "hit"
    assert second["Access-Control-Allow-Origin"] == "*"  # CORS is added to cached answers too
    assert "API 캐시 기사" not in second.content.decode()
    review.confirm_evidence(evidence=suggestion, reviewer=editor)
    response = client.get(url)
    assert response[HIT_HEADER] == "miss"
    assert "API 캐시 기사" in response.content.decode()
