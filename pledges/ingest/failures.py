"""Failures as data: one IngestFailure row per URL that could not be ingested, so editors can
filter, count and retry them; the Source keeps a summary (``failing_urls``).

A row is written (or its attempts counted up) each time a URL finally fails, and removed when
the URL later succeeds. Old rows are pruned (``prune_failures``, a daily task).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from pledges.ingest.errors import (
    ExtractionError,
    FeedError,
    FetchDeadlineExceeded,
    FetchError,
    FetchTimeout,
    HostBusy,
    ResponseTooLarge,
    RobotsDisallowed,
    RobotsUnavailable,
    UnsafeURLError,
    UnsupportedContent,
)
from pledges.models import Article, FailureKind, IngestFailure, Source

logger = logging.getLogger(__name__)

MAX_MESSAGE = 2000


def failure_kind(error: BaseException) -> FailureKind:
    """Which kind of failure an exception is (the admin's filter)."""
    if isinstance(error, RobotsDisallowed | RobotsUnavailable):
        return FailureKind.ROBOTS
    if isinstance(error, FetchTimeout | FetchDeadlineExceeded):
        return FailureKind.TIMEOUT
    if isinstance(error, HostBusy):
        return FailureKind.HOST_BUSY
    if isinstance(error, ResponseTooLarge):
        return FailureKind.TOO_LARGE
    if isinstance(error, UnsupportedContent | FeedError):
        return FailureKind.UNSUPPORTED
    if isinstance(error, ExtractionError):
        return FailureKind.EXTRACTION
    if isinstance(error, UnsafeURLError):
        return FailureKind.REFUSED
    if isinstance(error, FetchError):
        if getattr(error, "status", None):
            return FailureKind.HTTP_STATUS
        return FailureKind.NETWORK
    return FailureKind.OTHER


def _refresh_summary(source_id: int | None) -> None:
    if source_id:
        count = IngestFailure.objects.filter(source_id=source_id).count()
        Source.objects.filter(pk=source_id).update(failing_urls=count)


def record_failure(
    *,
    url: str,
    error: BaseException,
    source_id: int | None = None,
    is_feed: bool = False,
    kind: FailureKind | None = None,
) -> IngestFailure:
    """Count one final failure of ``url``: its row created, or its attempts counted up with the
    latest kind and message. Safe under concurrent workers (row lock; unique URL)."""
    kind = kind or failure_kind(error)
    status = getattr(error, "status", None)
    values = {
        "kind": kind,
        "http_status": status if isinstance(status, int) and 100 <= status < 600 else None,
        "last_message": str(error)[:MAX_MESSAGE],
        "last_failed_at": timezone.now(),
    }
    url = url[:1000]
    for _attempt in range(2):
        try:
            with transaction.atomic():
                row = IngestFailure.objects.select_for_update().filter(url=url).first()
                if row is None:
                    row = IngestFailure.objects.create(
                        url=url, source_id=source_id, is_feed=is_feed, **values
                    )
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.attempts += 1
                    row.source_id = row.source_id or source_id
                    row.save()
            break
        except IntegrityError:  # another worker created it first: count up on that row
            continue
    _refresh_summary(row.source_id)
    logger.info("ingest failure (%s) %s: %s", kind, url, error)
    return row


def resolve_failure(url: str) -> None:
    """``url`` was ingested after all: its failure row goes."""
    rows = IngestFailure.objects.filter(url=url[:1000])
    # One read in the usual case (the URL never failed): no DELETE is sent for nothing.
    found = list(rows.values_list("pk", "source_id"))
    if found and IngestFailure.objects.filter(pk__in=[pk for pk, _ in found]).delete()[0]:
        for source_id in {source_id for _, source_id in found}:
            _refresh_summary(source_id)


def prune_failures(*, older_than_days: int | None = None) -> int:
    """Remove rows whose last failure is older than the retention (default
    INGEST_FAILURE_RETENTION_DAYS); returns how many went."""
    days = settings.INGEST_FAILURE_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    old = IngestFailure.objects.filter(last_failed_at__lt=cutoff)
    source_ids = set(old.values_list("source_id", flat=True))
    deleted = old.delete()[0]
    for source_id in source_ids:
        _refresh_summary(source_id)
    return deleted


@dataclass
class FailingSource:
    source: Source
    failed: int  # URLs that failed in the window
    stored: int  # articles stored in the window

    @property
    def rate(self) -> float:
        total = self.failed + self.stored
        return self.failed / total if total else 0.0


def sources_failing_often(now: dt.datetime | None = None) -> list[FailingSource]:
    """Sources whose recent failure rate is high (the admin index warns about them): at least
    INGEST_FAILURE_ALERT_MIN failed URLs in the last INGEST_FAILURE_WINDOW_HOURS, making up at
    least INGEST_FAILURE_ALERT_RATE of what was tried there."""
    now = now or timezone.now()
    since = now - dt.timedelta(hours=settings.INGEST_FAILURE_WINDOW_HOURS)
    candidates = Source.objects.annotate(
        failed=Count("failures", filter=Q(failures__last_failed_at__gte=since), distinct=True)
    ).filter(failed__gte=settings.INGEST_FAILURE_ALERT_MIN)
    flagged = []
    for source in candidates:
        stored = Article.objects.filter(source=source, fetched_at__gte=since).count()
        item = FailingSource(source=source, failed=source.failed, stored=stored)
        if item.rate >= settings.INGEST_FAILURE_ALERT_RATE:
            flagged.append(item)
    return sorted(flagged, key=lambda item: item.rate, reverse=True)
