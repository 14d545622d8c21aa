"""The ingestion pipeline, wired once: one entry point per kind of source.

    feed ──► poll ──► each new entry ──► fetch and store ──► match
    URL ─────────────────────────────────► fetch and store ──► match
    newspaper page / bulk file ──────────► store ────────────► match

Every entry point takes an ``IngestRun``. Its ``mode`` says how the *next* step runs:

- ``Mode.INLINE``: here and now, in this process (commands without ``--enqueue``, tests, the
  development server without Redis);
- ``Mode.QUEUE``: as a Celery task on the workers (commands with ``--enqueue``, the admin, the
  tasks themselves, which do one step and queue the next).

Commands, tasks and the admin all call these functions, so there is one pipeline whichever
door the work comes in by. Tasks are addressed by name (``TaskName``), as a queue is in Zulip's
``queue_json_publish``: this module never imports the entry points that consume the queue.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from pledges import matching
from pledges.ingest.errors import IngestError
from pledges.ingest.failures import record_failure, resolve_failure
from pledges.ingest.imports import ImportReport, store_article_file, store_newspaper_page
from pledges.ingest.sources import (
    FeedPoll,
    claim_due_sources,
    poll_source,
    record_article_failure,
    record_poll_failure,
)
from pledges.ingest.store import StoreResult, fetch_and_store_article
from pledges.models import Article, FailureKind, IngestFailure, Source

logger = logging.getLogger(__name__)


class Mode(StrEnum):
    INLINE = "inline"
    QUEUE = "queue"


class TaskName(StrEnum):
    """The Celery tasks (pledges/tasks.py) that run each step on the workers."""

    POLL_DUE_SOURCES = "pledges.tasks.poll_due_sources_task"
    POLL_SOURCE = "pledges.tasks.poll_source_task"
    INGEST_URL = "pledges.tasks.ingest_url_task"
    MATCH_ARTICLE = "pledges.tasks.match_article_task"
    REMATCH_PLEDGE = "pledges.tasks.rematch_pledge_task"
    REMATCH_RECENT = "pledges.tasks.rematch_recent_task"
    REMATCH_BATCH = "pledges.tasks.rematch_batch_task"
    REFIT_CALIBRATOR = "pledges.tasks.refit_calibrator_task"
    REQUEUE_UNMATCHED = "pledges.tasks.requeue_unmatched_articles_task"
    # Not a pipeline step: beat's heartbeat for /healthz (pledges/ops/health.py).
    RECORD_BEAT_HEARTBEAT = "pledges.tasks.record_beat_heartbeat_task"
    PRUNE_FAILURES = "pledges.tasks.prune_ingest_failures_task"
    PRUNE_SIMILARITY_KEYS = "pledges.tasks.prune_similarity_keys_task"


# What sending to an unreachable broker raises (kombu wraps the Redis client's errors).
BROKER_ERRORS = (KombuError, OSError)
# The database itself is down: a run stops rather than blame each feed or row in turn.
DATABASE_DOWN = (OperationalError, InterfaceError)


def enqueue(task: TaskName, **kwargs: Any) -> None:
    """Send one step to the workers (run at once in eager mode, as in development).
    Raises one of BROKER_ERRORS when the broker cannot be reached."""
    current_app.tasks[str(task)].apply_async(kwargs=kwargs)


def enqueue_on_commit(task: TaskName, **kwargs: Any) -> None:
    """Queue a step once the current transaction commits, so the worker sees its rows.

    The rows are committed whatever happens to the message: a broker that cannot be reached
    is logged, not raised (that would fail an ingest that succeeded), and the periodic sweep
    (``requeue_unmatched_articles``) queues the step again later.
    """

    def send() -> None:
        try:
            enqueue(task, **kwargs)
        except BROKER_ERRORS as error:
            logger.warning("could not queue %s %s (the sweep will): %s", task, kwargs, error)

    transaction.on_commit(send)


def default_mode() -> Mode:
    """What a web request should do: queue to the workers, or run inline when there are none
    (development without Redis, where Celery would run the task eagerly anyway)."""
    return Mode.INLINE if current_app.conf.task_always_eager else Mode.QUEUE


@dataclass
class IngestRun:
    """One run of the pipeline: how next steps run, what happened, and where to say so."""

    mode: Mode = Mode.INLINE
    progress: Callable[[str], None] | None = None
    on_failure: Callable[[str], None] | None = None
    fetched: int = 0
    new: int = 0
    copies: int = 0
    duplicate: int = 0
    failed: int = 0
    matched: int = 0
    queued: int = 0
    errors: list[str] = field(default_factory=list)
    results: list[StoreResult] = field(default_factory=list)

    @property
    def queues(self) -> bool:
        return self.mode == Mode.QUEUE

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def count(self, result: StoreResult) -> None:
        self.results.append(result)
        if result.created and result.reason == "copy":
            self.copies += 1
        elif result.created:
            self.new += 1
        else:
            self.duplicate += 1

    def fail(self, what: str, error: Exception, label: str = "") -> None:
        self.failed += 1
        self.errors.append(f"{what}: {error}")
        if self.on_failure is not None:
            self.on_failure(f"{label}failed       {what}: {error}")

    def line(self) -> str:
        return (
            f"fetched {self.fetched}, new {self.new}, duplicate {self.duplicate} "
            f"(+{self.copies} wire copies), failed {self.failed}, matched {self.matched}"
        )


# --- The step after storing: matching -------------------------------------------------------


def after_store(result: StoreResult, run: IngestRun, label: str = "") -> None:
    """Count a stored article and match it (or queue its matching, after commit)."""
    run.count(result)
    article = result.article
    suffix = ""
    if result.needs_match:
        # The candidates the store step compared the text with are not compared again.
        checked = list(result.checked)
        if run.queues:
            enqueue_on_commit(TaskName.MATCH_ARTICLE, article_id=article.pk, checked=checked)
            suffix = " (match queued)"
        else:
            suggestions = matching.match_stored_article(article.pk, checked=checked)
            if suggestions:
                run.matched += 1
            suffix = f" ({suggestions} suggestion(s))"
    run.say(f"{label}{result.reason:<12} #{article.pk} {article.title[:60]}{suffix}")


# --- Entry points, one per kind of source ---------------------------------------------------


def ingest_url(
    url: str,
    run: IngestRun,
    *,
    source: Source | None = None,
    hints: Mapping[str, Any] | None = None,
    label: str = "",
) -> StoreResult | None:
    """One article URL: fetched, stored once and matched. In QUEUE mode it is only queued.

    A failure is recorded on the source's error log and counted; it does not stop the run.
    """
    if run.queues:
        try:
            enqueue(
                TaskName.INGEST_URL,
                url=url,
                source_id=source.pk if source else None,
                hints=dict(hints) if hints else None,
            )
        except BROKER_ERRORS as error:
            # Not the article's fault: not written to the source's error log. A feed keeps no
            # ETag while entries are unstored, so its next poll lists this one again.
            run.fail(url, Exception(f"could not queue: {error}"), label)
            return None
        run.queued += 1
        run.say(f"{label}queued       {url}")
        return None
    try:
        result = fetch_and_store_article(url, source=source, hints=hints)
    except (IngestError, ValueError) as error:
        record_article_failure(source.pk if source else None, url, error)
        run.fail(url, error, label)
        return None
    resolve_failure(url)
    run.fetched += 1
    after_store(result, run, label)
    return result


def ingest_feed(source: Source, run: IngestRun, *, force: bool = False) -> FeedPoll:
    """Poll one feed source here and ingest its new entries (each queued in QUEUE mode)."""
    poll = poll_source(source.pk, force=force)
    if poll.error:
        run.fail(f"feed {source.feed_url}", poll.error)
        return poll
    if poll.not_modified:
        run.say(f"{source.name}: not modified since the last poll")
        return poll
    run.say(f"{source.name}: {len(poll.entries)} entries, {len(poll.new_entries)} not stored yet")
    run.duplicate += len(poll.entries) - len(poll.new_entries)
    total = len(poll.new_entries)
    for number, entry in enumerate(poll.new_entries, start=1):
        ingest_url(
            entry.url,
            run,
            source=source,
            hints=entry.hints(source.name),
            label=f"[{number}/{total}] ",
        )
    return poll


def ingest_feeds(run: IngestRun, *, every_active: bool = False, force: bool = False) -> list[int]:
    """Poll the feed sources that are due (or every active one). In QUEUE mode each poll is a
    task of its own, so one slow feed never holds up the others."""
    if every_active:
        ids = list(
            Source.objects.filter(is_active=True, feed_url__isnull=False)
            .exclude(feed_url="")
            .values_list("pk", flat=True)
        )
    else:
        ids = claim_due_sources()
    run.say(f"{len(ids)} feed(s) to poll")
    for source in Source.objects.filter(pk__in=ids).order_by("name"):
        if run.queues:
            enqueue(TaskName.POLL_SOURCE, source_id=source.pk, force=force)
            run.queued += 1
            run.say(f"queued feed {source.name}")
            continue
        try:
            ingest_feed(source, run, force=force)
        except DATABASE_DOWN:
            raise
        except Exception as error:
            # One feed's bad data (or a bug it triggers) must not starve the feeds after it:
            # logged with its traceback, kept on the source, and the run goes on.
            logger.exception("polling feed %s failed", source)
            record_poll_failure(source.pk, error)
            run.fail(f"feed {source.feed_url}", error)
    return ids


def ingest_newspaper_page(
    run: IngestRun,
    *,
    text: str,
    outlet: str,
    published: dt.date | str,
    source: Source | None = None,
) -> list[StoreResult]:
    """A PDF-extracted newspaper page: split into articles, each stored once, then matched."""
    results = store_newspaper_page(text=text, outlet=outlet, published=published, source=source)
    run.fetched += len(results)
    for number, result in enumerate(results, start=1):
        after_store(result, run, f"[{number}/{len(results)}] ")
    return results


def import_article_file(
    run: IngestRun,
    file: str | Path | IO[bytes] | bytes,
    *,
    fmt: str | None = None,
    source: Source | None = None,
    outlet: str = "",
) -> ImportReport:
    """A JSON-lines or CSV file of articles: good rows stored and matched, bad rows reported."""
    report = store_article_file(
        file,
        fmt=fmt,
        source=source,
        outlet=outlet,
        on_stored=lambda result: after_store(result, run, f"[{len(run.results) + 1}] "),
    )
    run.fetched = report.rows
    name = getattr(file, "name", "") or (str(file) if isinstance(file, str | Path) else "upload")
    for error in report.errors:
        run.fail(f"line {error.line}", Exception(error.reason))
        record_failure(
            url=f"{Path(name).name}#line={error.line}",
            error=Exception(f"line {error.line}: {error.reason}"),
            source_id=source.pk if source else None,
            kind=FailureKind.BAD_ROW,
        )
    return report


def retry_failures(failure_ids: Iterable[int], run: IngestRun) -> tuple[int, int]:
    """Try failed URLs again (the admin's "retry selected"): a feed or sitemap is polled, an
    article fetched, each queued in QUEUE mode. Rows of bad import rows cannot be fetched again
    and are skipped. Returns (retried, skipped)."""
    retried = skipped = 0
    failures = IngestFailure.objects.filter(pk__in=list(failure_ids)).select_related("source")
    for failure in failures:
        if failure.kind == FailureKind.BAD_ROW:
            skipped += 1
            continue
        retried += 1
        source = failure.source
        if failure.is_feed and source is not None:  # a feed, sitemap or child sitemap
            if run.queues:
                enqueue(TaskName.POLL_SOURCE, source_id=source.pk, force=True)
                run.queued += 1
            else:
                ingest_feed(source, run, force=True)
        else:
            ingest_url(failure.url, run, source=source)
    return retried, skipped


def rematch(
    run: IngestRun,
    *,
    pledge_slugs: Iterable[str] | None = None,
    since: dt.datetime | None = None,
) -> tuple[int, int]:
    """Match stored articles again (all pledges or these), published since ``since``.

    Returns (articles matched, suggestions standing); (0, 0) when queued.
    """
    slugs = list(pledge_slugs) if pledge_slugs is not None else None
    if run.queues:
        enqueue(
            TaskName.REMATCH_RECENT,
            pledge_slugs=slugs,
            since=since.isoformat() if since else None,
            every_article=since is None,
        )
        run.queued += 1
        run.say("rematch queued")
        return 0, 0

    def progress(done: int) -> None:
        if done % 100 == 0:
            run.say(f"{done} articles matched")

    articles, suggestions = matching.rematch_articles(
        pledge_slugs=slugs, since=since, progress=progress
    )
    run.fetched = articles
    run.matched = suggestions
    run.say(f"{articles} article(s) matched again; {suggestions} suggestion(s) stand")
    return articles, suggestions


def requeue_unmatched_articles(
    *, older_than: dt.timedelta | None = None, limit: int | None = None
) -> list[int]:
    """Queue matching again for stored originals never matched, oldest first, at most ``limit``.

    An article is stored before its matching is queued; if the broker was down at that moment
    or lost the message, nothing else would ever match it. Beat runs this every few minutes
    (``UNMATCHED_SWEEP_SECONDS``). Articles younger than ``older_than`` are left to the message
    already on its way; matching is idempotent, so queuing one twice costs only a little time.
    """
    older_than = older_than or dt.timedelta(seconds=settings.UNMATCHED_SWEEP_AGE_SECONDS)
    limit = limit or settings.UNMATCHED_SWEEP_BATCH
    ids = list(
        Article.objects.filter(
            matched_at__isnull=True,
            duplicate_of__isnull=True,
            fetched_at__lte=timezone.now() - older_than,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for article_id in ids:
        enqueue(TaskName.MATCH_ARTICLE, article_id=article_id)
    if ids:
        logger.info("queued %d unmatched article(s) for matching again", len(ids))
    return ids


def rematch_pledge_after_commit(pledge_id: int) -> None:
    """An editor changed a pledge's matcher terms: re-match once the change is committed, so
    the worker reads the new terms, not the old ones."""
    enqueue_on_commit(TaskName.REMATCH_PLEDGE, pledge_id=pledge_id)


def refit_calibrator_after_commit(pledge_id: int) -> None:
    """Editors reviewed enough of a pledge's machine suggestions: learn from their decisions
    once the reviews are committed (the worker must read them)."""
    enqueue_on_commit(TaskName.REFIT_CALIBRATOR, pledge_id=pledge_id)
