"""Thin Celery tasks: take ids and URLs, re-read state, call one service, safe to run twice.

Each task is one step of the pipeline (pledges/ingest/pipeline.py), which addresses them by
name (``pipeline.TaskName``); a task runs its step and queues the next. Task names end in
``_task`` so that none is mistaken for the service or engine function it calls.

Routing (settings.CELERY_TASK_ROUTES): poll_* and ingest_* go to the "fetch" queue (network
bound: many slow sites), match_*, rematch_* and refit_* to "match" (CPU bound: Kiwi, fitting).
``acks_late`` and ``reject_on_worker_lost`` are global, so a task whose worker dies is run
again; every task here is idempotent because the database enforces exactly-once articles and
evidence pairs.

Transient fetch errors (network, timeout, 5xx, 429) are retried with exponential backoff and
jitter; after the last retry, or at once for a permanent error (4xx, unsafe URL, not HTML), the
error is written to the source's error log. Feed polls are not retried by Celery: the source's
own backoff (``next_poll_at``) is their retry, so a failing feed is never dropped.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import random

from celery import Task, shared_task
from celery.signals import (
    beat_init,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
)
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils import timezone

from pledges import matching
from pledges.ingest import pipeline
from pledges.ingest.dedupe import prune_similarity_keys
from pledges.ingest.errors import IngestError, TransientFetchError
from pledges.ingest.failures import prune_failures, resolve_failure
from pledges.ingest.sources import record_article_failure
from pledges.ingest.store import fetch_and_store_article
from pledges.ingest.text import warm_up_date_parser
from pledges.models import Pledge, Source
from pledges.ops import health

logger = logging.getLogger(__name__)

MAX_RETRIES = getattr(settings, "INGEST_TASK_MAX_RETRIES", 5)
RETRY_BACKOFF_MAX = getattr(settings, "INGEST_RETRY_BACKOFF_MAX", 600)
RETRYABLE = (TransientFetchError, OperationalError, InterfaceError)


@worker_init.connect
def _load_shared_before_forking(**_kwargs) -> None:
    """Load the Kiwi model once in the worker's main process, and build its analyser by using
    it, before the pool forks: the children share its pages copy-on-write, so an added worker
    process does not hold another copy of the model. The compiled pledge book likewise (tens of
    MB at 10,000 pledges): a child keeps the parent's while the book's version has not moved,
    and compiles its own only after an editor's change.

    Then ``gc.freeze()``: the collector in a child would otherwise write to the header of every
    object inherited from the parent at its full collections, copying those pages into the
    child (the pattern the ``gc`` documentation gives for fork without exec)."""
    _warm_korean_engine()
    _compile_pledge_book_before_forking()
    gc.freeze()


def _compile_pledge_book_before_forking() -> None:
    if not getattr(settings, "WARM_PLEDGE_BOOK_ON_WORKER_START", True):
        return
    try:
        matching.pledge_book()
    except Exception:  # no database yet: each child compiles the book at its first article
        logger.exception("could not compile the pledge book at worker start")
    finally:
        # A connection opened here must not be inherited: the children would share its socket
        # (the stall an earlier attempt ran into).
        connections.close_all()


@worker_init.connect
def _warm_date_parser_before_forking(**_kwargs) -> None:
    """Compile trafilatura's date patterns once, before the pool forks (see
    ``warm_up_date_parser``): seconds of a fresh process's first articles otherwise."""
    if not getattr(settings, "WARM_DATE_PARSER_ON_WORKER_START", True):
        return
    try:
        warm_up_date_parser()
    except Exception:  # a failed warm-up costs only time: the articles compile what they need
        logger.exception("could not warm up the date parser at worker start")


@worker_process_init.connect
def _warm_korean_engine(**_kwargs) -> None:
    """Make sure each worker process has the Kiwi model before the first task needs it (a
    no-op when the parent loaded it before forking; solo and thread pools load it here)."""
    if not getattr(settings, "WARM_KIWI_ON_WORKER_START", True):
        return
    try:
        from pledges.korean.kiwi import warm_kiwi

        warm_kiwi()
    except Exception:  # a missing model must not stop the worker; the task will report it
        logger.exception("could not load the Kiwi model at worker start")


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender=None, **_kwargs) -> None:
    """What Django does around each web request, around each task: close the connection if it
    is older than CONN_MAX_AGE or an error made it unusable; otherwise the next task reuses it
    (CELERY_DB_REUSE_MAX keeps Celery from closing it every time). Not in eager mode: there the
    task runs inside the caller's request or transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


class IngestTask(Task):
    """Records the final failure of an article fetch on its source."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        url = kwargs.get("url") or (args[0] if args else "")
        source_id = kwargs.get("source_id") or (args[1] if len(args) > 1 else None)
        try:
            record_article_failure(source_id, url, exc)
        except Exception:
            logger.exception("could not record the failure of %s", url)


@shared_task(name=pipeline.TaskName.POLL_DUE_SOURCES)
def poll_due_sources_task() -> int:
    """Poll every active feed that is due (beat runs this every FEED_POLL_SECONDS)."""
    run = pipeline.IngestRun(mode=pipeline.Mode.QUEUE)
    return len(pipeline.ingest_feeds(run))


@shared_task(name=pipeline.TaskName.POLL_SOURCE)
def poll_source_task(source_id: int, force: bool = False) -> dict:
    """Poll one feed and queue its new entries for ingestion."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:  # deleted since it was queued
        return {"source_id": source_id, "error": "no such source"}
    run = pipeline.IngestRun(mode=pipeline.Mode.QUEUE)
    poll = pipeline.ingest_feed(source, run, force=force)
    return {
        "source_id": source_id,
        "not_modified": poll.not_modified,
        "entries": len(poll.entries),
        "queued": len(poll.new_entries),
        "error": str(poll.error) if poll.error else "",
    }


@shared_task(
    name=pipeline.TaskName.INGEST_URL,
    bind=True,
    base=IngestTask,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def ingest_url_task(
    self, url: str, source_id: int | None = None, hints: dict | None = None
) -> dict:
    """Fetch, extract and store one article; queue its matching."""
    source = Source.objects.filter(pk=source_id).first() if source_id else None
    try:
        result = fetch_and_store_article(url, source=source, hints=hints)
    except IngestError as error:
        if not error.permanent:
            retry_after = getattr(error, "retry_after", None)
            if retry_after is not None and self.request.retries < self.max_retries:
                # The host asked us to wait (Retry-After, Crawl-delay, busy): come back then.
                raise self.retry(exc=error, countdown=retry_after + random.uniform(0, 1)) from error
            raise  # autoretry; the last failure is recorded by IngestTask.on_failure
        record_article_failure(source_id, url, error)
        return {"url": url, "status": "failed", "error": str(error)}
    resolve_failure(url)
    pipeline.after_store(result, pipeline.IngestRun(mode=pipeline.Mode.QUEUE))
    return {"url": url, "status": result.reason, "article_id": result.article.pk}


@shared_task(
    name=pipeline.TaskName.MATCH_ARTICLE,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def match_article_task(article_id: int, checked: list[int] | None = None) -> int:
    """Suggest evidence for one stored article (a wire copy is linked instead). ``checked``:
    the articles the store step found to be no original of it (not compared again)."""
    return matching.match_stored_article(article_id, checked=checked or ())


@shared_task(name=pipeline.TaskName.REQUEUE_UNMATCHED)
def requeue_unmatched_articles_task() -> int:
    """The sweep (beat, every UNMATCHED_SWEEP_SECONDS): queue matching for stored articles
    whose match message never reached a worker."""
    return len(pipeline.requeue_unmatched_articles())


@shared_task(name=pipeline.TaskName.REMATCH_PLEDGE)
def rematch_pledge_task(pledge_id: int) -> dict:
    """An editor changed a pledge's matcher terms: match recent articles against it again, in
    batches on the match queue (progress in the admin: re-match runs). Only articles that name
    one of its terms or hold a suggestion for it are matched. Reviewed evidence is never
    touched; suggestions that no longer match are withdrawn."""
    pledge = Pledge.objects.filter(pk=pledge_id).first()
    if pledge is None:
        return {"pledge_id": pledge_id, "articles": 0, "suggestions": 0}
    since = timezone.now() - dt.timedelta(days=settings.REMATCH_WINDOW_DAYS)
    run, batch_ids = matching.plan_rematch(pledge=pledge, since=since)
    for batch_id in batch_ids:
        pipeline.enqueue(pipeline.TaskName.REMATCH_BATCH, batch_id=batch_id)
    run.refresh_from_db()  # run inline (eager mode): the batches are done already
    return {
        "pledge_id": pledge_id,
        "run_id": run.pk,
        "batches": run.batches_total,
        "articles": run.articles_matched,
        "suggestions": run.suggestions,
    }


@shared_task(
    name=pipeline.TaskName.REMATCH_BATCH,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def rematch_batch_task(batch_id: int) -> int:
    """One batch of a pledge's re-match (articles by id range); counted once if run twice."""
    return matching.run_rematch_batch(batch_id)


@shared_task(name=pipeline.TaskName.REMATCH_RECENT)
def rematch_recent_task(
    days: int | None = None,
    pledge_slugs: list[str] | None = None,
    since: str | None = None,
    every_article: bool = False,
) -> dict:
    """Match articles published since ``since`` (ISO 8601), or of the last ``days`` (default
    REMATCH_WINDOW_DAYS), or ``every_article``, against all pledges (or only ``pledge_slugs``)
    again, e.g. after the matcher itself changed."""
    if every_article:
        start = None
    elif since:
        start = dt.datetime.fromisoformat(since)
    else:
        days = days if days is not None else settings.REMATCH_WINDOW_DAYS
        start = timezone.now() - dt.timedelta(days=days)
    articles, suggestions = matching.rematch_articles(pledge_slugs=pledge_slugs, since=start)
    return {"articles": articles, "suggestions": suggestions}


@shared_task(name=pipeline.TaskName.REFIT_CALIBRATOR)
def refit_calibrator_task(pledge_id: int) -> dict:
    """Fit a pledge's matcher calibrator on its editors' decisions (refitting is idempotent)."""
    pledge = Pledge.objects.filter(pk=pledge_id).first()
    if pledge is None:
        return {"pledge_id": pledge_id, "fitted": False, "decisions": 0}
    calibrator = matching.refit_calibrator(pledge)
    return {"pledge_id": pledge_id, "fitted": calibrator.fitted, "decisions": calibrator.decisions}


@beat_init.connect
def _beat_started(**_kwargs) -> None:
    """Beat says it is up at once; the scheduled task below keeps saying so."""
    if not settings.REDIS_URL:
        return
    try:
        with health.redis_client() as client:
            health.record_beat_heartbeat(client)
    except Exception:  # Redis down at start: beat itself retries the broker
        logger.exception("could not record the beat heartbeat")


@shared_task(name=pipeline.TaskName.RECORD_BEAT_HEARTBEAT, ignore_result=True)
def record_beat_heartbeat_task() -> None:
    """Scheduled by beat every HEALTH_HEARTBEAT_SECONDS, run by a worker: /healthz sees both."""
    if settings.REDIS_URL:
        with health.redis_client() as client:
            health.record_beat_heartbeat(client)


@shared_task(name=pipeline.TaskName.PRUNE_FAILURES)
def prune_ingest_failures_task(older_than_days: int | None = None) -> int:
    """Remove failure rows older than INGEST_FAILURE_RETENTION_DAYS (beat: daily)."""
    return prune_failures(older_than_days=older_than_days)


@shared_task(name=pipeline.TaskName.PRUNE_SIMILARITY_KEYS)
def prune_similarity_keys_task(older_than_days: int | None = None) -> int:
    """Remove wire-copy keys older than SIMILARITY_KEY_RETENTION_DAYS (beat: daily)."""
    return prune_similarity_keys(older_than_days=older_than_days)
