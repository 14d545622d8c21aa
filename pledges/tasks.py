"""Thin Celery tasks: take ids and URLs, re-read state, call one service, safe to run twice.

Routing (settings.CELERY_TASK_ROUTES): fetch_* and ingest_* go to the "fetch" queue (network
bound: many slow sites), match_* and rematch_* to "match" (CPU bound: Kiwi). ``acks_late`` and
``reject_on_worker_lost`` are global, so a task whose worker dies is run again; every task here
is idempotent because the database enforces exactly-once articles and evidence pairs.

Transient fetch errors (network, timeout, 5xx, 429) are retried with exponential backoff and
jitter; after the last retry, or at once for a permanent error (4xx, unsafe URL, not HTML), the
error is written to the source's error log. Feed polls are not retried by Celery: the source's
own backoff (``next_poll_at``) is their retry, so a failing feed is never dropped.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task, shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from pledges import ingest
from pledges.models import Pledge, Source

logger = logging.getLogger(__name__)

MAX_RETRIES = getattr(settings, "INGEST_TASK_MAX_RETRIES", 5)
RETRY_BACKOFF_MAX = getattr(settings, "INGEST_RETRY_BACKOFF_MAX", 600)
RETRYABLE = (ingest.TransientFetchError, OperationalError, InterfaceError)


@worker_process_init.connect
def _warm_korean_engine(**_kwargs) -> None:
    """Load the Kiwi model once per worker process, before the first task needs it."""
    if not getattr(settings, "WARM_KIWI_ON_WORKER_START", True):
        return
    try:
        from pledges.korean.kiwi import get_kiwi

        get_kiwi()
    except Exception:  # a missing model must not stop the worker; the task will report it
        logger.exception("could not load the Kiwi model at worker start")


class IngestTask(Task):
    """Records the final failure of an article fetch on its source."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        url = kwargs.get("url") or (args[0] if args else "")
        source_id = kwargs.get("source_id") or (args[1] if len(args) > 1 else None)
        try:
            ingest.record_article_failure(source_id, url, exc)
        except Exception:
            logger.exception("could not record the failure of %s", url)


def _enqueue_match(article_id: int) -> None:
    transaction.on_commit(lambda: match_article.delay(article_id))


@shared_task
def fetch_due_sources() -> int:
    """Poll every active feed that is due (beat runs this every FEED_POLL_SECONDS)."""
    claimed = ingest.claim_due_sources()
    for source_id in claimed:
        fetch_feed.delay(source_id)
    return len(claimed)


@shared_task
def fetch_feed(source_id: int, force: bool = False) -> dict:
    """Poll one feed and queue its new entries for ingestion."""
    outlet = Source.objects.filter(pk=source_id).values_list("name", flat=True).first()
    if outlet is None:  # deleted since it was queued
        return {"source_id": source_id, "error": "no such source"}
    poll = ingest.poll_source(source_id, force=force)
    for entry in poll.new_entries:
        ingest_url.delay(entry.url, source_id=source_id, hints=entry.hints(outlet or ""))
    return {
        "source_id": source_id,
        "not_modified": poll.not_modified,
        "entries": len(poll.entries),
        "queued": len(poll.new_entries),
        "error": str(poll.error) if poll.error else "",
    }


@shared_task(
    bind=True,
    base=IngestTask,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def ingest_url(self, url: str, source_id: int | None = None, hints: dict | None = None) -> dict:
    """Fetch, extract and store one article; queue its matching."""
    source = Source.objects.filter(pk=source_id).first() if source_id else None
    try:
        result = ingest.ingest_url(url, source=source, hints=hints)
    except ingest.IngestError as error:
        if not error.permanent:
            raise  # autoretry; the last failure is recorded by IngestTask.on_failure
        ingest.record_article_failure(source_id, url, error)
        return {"url": url, "status": "failed", "error": str(error)}
    if result.needs_match:
        _enqueue_match(result.article.pk)
    return {"url": url, "status": result.reason, "article_id": result.article.pk}


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def match_article(article_id: int) -> int:
    """Suggest evidence for one stored article (a wire copy is linked instead)."""
    return ingest.match_stored_article(article_id)


@shared_task
def rematch_pledge(pledge_id: int) -> dict:
    """An editor changed a pledge's matcher terms: match recent articles against it again.
    Reviewed evidence is never touched; suggestions that no longer match are withdrawn."""
    slug = Pledge.objects.filter(pk=pledge_id).values_list("slug", flat=True).first()
    if slug is None:
        return {"pledge_id": pledge_id, "articles": 0, "suggestions": 0}
    since = timezone.now() - dt.timedelta(days=settings.REMATCH_WINDOW_DAYS)
    articles, suggestions = ingest.rematch_articles(pledge_slugs=[slug], since=since)
    return {"pledge_id": pledge_id, "articles": articles, "suggestions": suggestions}


@shared_task
def rematch_recent(days: int | None = None, pledge_slugs: list[str] | None = None) -> dict:
    """Match articles of the last ``days`` (default REMATCH_WINDOW_DAYS) against all pledges
    (or only ``pledge_slugs``) again, e.g. after the matcher itself changed."""
    days = days if days is not None else settings.REMATCH_WINDOW_DAYS
    since = timezone.now() - dt.timedelta(days=days)
    articles, suggestions = ingest.rematch_articles(pledge_slugs=pledge_slugs, since=since)
    return {"articles": articles, "suggestions": suggestions}
