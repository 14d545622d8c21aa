"""The pipeline, wired once: each entry point runs its next step inline or queues it by name."""

from __future__ import annotations

import pytest

from pledges import review
from pledges.ingest import pipeline
from pledges.ingest.store import store_article
from pledges.models import Article, Evidence, Pledge
from pledges.tests.http_fixture import LocalServer, Response, html_page
from pledges.tests.ingest_samples import AI_CENTER
from tracker.celery import app

pytestmark = pytest.mark.django_db


def _page():
    return Response(
        html_page("광주 국가AI컴퓨팅센터", AI_CENTER), headers={"Content-Type": "text/html"}
    )


def test_every_step_names_a_registered_task():
    for name in pipeline.TaskName:
        assert str(name) in app.tasks, name


def test_default_mode_queues_when_there_are_workers():
    previous = app.conf.task_always_eager  # restored by hand: fixtures also set this flag
    try:
        app.conf.task_always_eager = True
        assert pipeline.default_mode() == pipeline.Mode.INLINE
        app.conf.task_always_eager = False
        assert pipeline.default_mode() == pipeline.Mode.QUEUE
    finally:
        app.conf.task_always_eager = previous


def test_inline_url_is_fetched_stored_and_matched_here(allow_private, demo_data):
    lines = []
    run = pipeline.IngestRun(mode=pipeline.Mode.INLINE, progress=lines.append)
    with LocalServer({"/1": _page()}) as server:
        result = pipeline.ingest_url(server.url("/1"), run)
    assert result is not None and result.created
    assert (run.fetched, run.new, run.matched, run.queued) == (1, 1, 1, 0)
    assert Evidence.objects.filter(article=result.article).exists()
    assert "suggestion(s)" in lines[-1]


def test_queued_url_goes_to_the_ingest_task(
    allow_private, demo_data, django_capture_on_commit_callbacks
):
    """QUEUE mode only sends the task (eager here, so it runs at once, as a worker would)."""
    run = pipeline.IngestRun(mode=pipeline.Mode.QUEUE)
    with LocalServer({"/1": _page()}) as server:
        with django_capture_on_commit_callbacks(execute=True):
            assert pipeline.ingest_url(server.url("/1"), run) is None
    assert run.queued == 1 and run.fetched == 0
    article = Article.objects.get(canonical_url=server.url("/1"))
    assert article.matched_at is not None  # the task queued matching after commit


def test_a_failed_url_is_counted_and_logged_on_its_source(allow_private):
    from pledges.models import Source

    source = Source.objects.create(name="가일보")
    failures = []
    run = pipeline.IngestRun(on_failure=failures.append)
    with LocalServer({"/gone": Response(b"", 404)}) as server:
        assert pipeline.ingest_url(server.url("/gone"), run, source=source) is None
    source.refresh_from_db()
    assert run.failed == 1 and "HTTP 404" in failures[0]
    assert "HTTP 404" in source.last_error


def test_after_store_in_queue_mode_matches_after_commit(
    demo_data, django_capture_on_commit_callbacks
):
    result = store_article(title="광주 국가AI컴퓨팅센터 유치", body="\n".join(AI_CENTER))
    run = pipeline.IngestRun(mode=pipeline.Mode.QUEUE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pipeline.after_store(result, run)
    assert len(callbacks) == 1  # nothing runs before the article's row is committed
    assert not Evidence.objects.filter(article=result.article).exists()
    callbacks[0]()
    assert Evidence.objects.filter(article=result.article).exists()


def test_changing_matcher_terms_queues_a_rematch_after_commit(
    demo_data, django_capture_on_commit_callbacks
):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    pledge.match_aliases = [*pledge.match_aliases, "빛그린 모빌리티 특구"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert review.save_pledge(pledge=pledge, changed_fields=["match_aliases"])
    assert len(callbacks) == 1
    pledge.title_en = "AI mobility pilot city (renamed)"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert not review.save_pledge(pledge=pledge, changed_fields=["title_en"])
    assert callbacks == []


# --- broker outages: a stored article is matched eventually ----------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """Every send to the broker fails as kombu fails when Redis refuses the connection."""
    from kombu.exceptions import OperationalError

    sent = []

    def refuse(task, **kwargs):
        sent.append(task)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(pipeline, "enqueue", refuse)
    return sent


def test_a_match_that_cannot_be_queued_is_not_an_ingest_failure(
    allow_private, broker_down, django_capture_on_commit_callbacks
):
    from pledges import tasks
    from pledges.models import Source

    source = Source.objects.create(name="가일보", kind="feed")
    with LocalServer({"/1": _page()}) as server:
        with django_capture_on_commit_callbacks(execute=True):
            result = tasks.ingest_url_task.delay(server.url("/1"), source_id=source.pk).get()
    source.refresh_from_db()
    assert result["status"] == "new"
    assert broker_down == [pipeline.TaskName.MATCH_ARTICLE]
    assert source.last_error == "" and source.last_error_at is None
    article = Article.objects.get(pk=result["article_id"])
    assert article.matched_at is None  # left for the sweep


def test_a_url_that_cannot_be_queued_is_counted_not_blamed_on_the_source(broker_down):
    from pledges.models import Source

    source = Source.objects.create(name="가일보")
    run = pipeline.IngestRun(mode=pipeline.Mode.QUEUE)
    assert pipeline.ingest_url("https://news.example.org/1", run, source=source) is None
    source.refresh_from_db()
    assert run.failed == 1 and "could not queue" in run.errors[0]
    assert source.last_error == ""


def test_the_sweep_queues_old_unmatched_originals_in_a_bounded_batch(demo_data):
    import datetime as dt

    from django.utils import timezone

    old = timezone.now() - dt.timedelta(hours=1)
    from pledges.tests.http_fixture import synthetic_article

    def distinct(number):
        title, lines = synthetic_article(number, mention_pledge=number == 0)
        return store_article(title=title, body="\n".join(lines))

    stored = [distinct(n) for n in range(3)]
    fresh = distinct(3)
    ids = [r.article.pk for r in stored]
    assert all(r.created and r.article.duplicate_of_id is None for r in [*stored, fresh])
    Article.objects.filter(pk__in=ids).update(fetched_at=old)
    Article.objects.filter(pk=stored[2].article.pk).update(duplicate_of=stored[0].article)

    first = pipeline.requeue_unmatched_articles(limit=1)  # eager here: matched at once
    assert first == [ids[0]]
    assert pipeline.requeue_unmatched_articles() == [ids[1]]  # the copy and the fresh one wait
    assert pipeline.requeue_unmatched_articles() == []  # nothing left: running it again is free
    assert Article.objects.get(pk=fresh.article.pk).matched_at is None
    assert Evidence.objects.filter(article_id=ids[0]).exists()


def test_the_sweep_runs_on_beat():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert pipeline.TaskName.REQUEUE_UNMATCHED in tasks
    assert str(pipeline.TaskName.REQUEUE_UNMATCHED) in app.tasks
