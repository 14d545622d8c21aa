"""The public version: one counter that moves whenever anything readers may see could change.

Every cached public response (pledges/site/cache.py) has the version in its key, so invalidation
is one atomic increment, the same for every process that shares the cache (Redis when REDIS_URL
is set): after it, no process finds the old entries any more, and they expire on their own.

The counter moves after the transaction that changed the data commits (a reader racing the
write caches the old page under the old version, which nobody asks for again), at most once per
transaction, from model signals: a new or edited pledge, promiser, region or category, a
revision, a status change (and the evidence attached to it), a milestone, a budget figure, an
evidence row that is or was confirmed, an article edited, and every editor action of review.py
(each writes a trail entry, even when it updates rows with ``QuerySet.update``, which sends no
signal). Machine suggestions arriving from matching move nothing: they are not public.
Bulk writes outside review.py (``bulk_create``, ``update``) must call ``public_data_changed()``.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from pledges.models import (
    Article,
    BudgetFigure,
    Category,
    Evidence,
    Jurisdiction,
    Milestone,
    Pledge,
    PledgeRevision,
    Promiser,
    ReviewState,
    StatusChange,
)

VERSION_KEY = "public-version"
logger = logging.getLogger(__name__)


# (version, when read) of the last read in this process, for PUBLIC_VERSION_CHECK_SECONDS.
_last_read: tuple[int, float] | None = None


def public_version() -> int:
    """The current public version. A counter the cache lost (flushed, evicted) starts again
    from a value no process used before, so an old entry never passes for a fresh one.

    Read from the cache every time by default. With PUBLIC_VERSION_CHECK_SECONDS > 0, a process
    reuses its last read that long (saving a round trip to Redis per page view): a change made
    in another process then shows here up to that many seconds later; its own at once.
    """
    global _last_read
    reuse_for = settings.PUBLIC_VERSION_CHECK_SECONDS
    if reuse_for > 0 and _last_read is not None and time.monotonic() - _last_read[1] < reuse_for:
        return _last_read[0]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    _last_read = (version, time.monotonic())
    return version


def _bump() -> None:
    global _last_read
    _last_read = None  # this process sees its own change at once
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no counter yet (first write, or the cache was flushed)
            public_version()
            cache.incr(VERSION_KEY)
    except Exception:  # the cache is down: the write stands; pages are served uncached then
        logger.exception("could not move the public version")


def public_data_changed() -> None:
    """Move the public version now, and once more when the current transaction commits.

    Now: this process (and a test, whose transaction never commits) sees the change at once.
    After the commit: a reader that rendered the old data meanwhile stored it under the
    in-between version, which nobody asks for any more. The one move after the commit serves
    every change of the transaction.
    """
    _bump()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        entry[1] is _bump for entry in connection.run_on_commit
    ):
        transaction.on_commit(_bump)


PUBLIC_MODELS = (
    Pledge,
    Promiser,
    Jurisdiction,
    Category,
    PledgeRevision,
    StatusChange,
    Milestone,
    BudgetFigure,
)


def _saved_or_deleted(sender, **kwargs) -> None:
    public_data_changed()


for _model in PUBLIC_MODELS:
    post_save.connect(_saved_or_deleted, sender=_model, dispatch_uid=f"public-{_model.__name__}-s")
    post_delete.connect(
        _saved_or_deleted, sender=_model, dispatch_uid=f"public-{_model.__name__}-d"
    )


@receiver(post_save, sender=Evidence, dispatch_uid="public-evidence-saved")
@receiver(post_delete, sender=Evidence, dispatch_uid="public-evidence-deleted")
def _evidence_changed(sender, instance: Evidence, **kwargs) -> None:
    # A suggestion stored by the matcher is not public; a confirmation, a rejection (perhaps of
    # evidence that was confirmed) or a deletion may be.
    if instance.state != ReviewState.SUGGESTED:
        public_data_changed()


@receiver(post_save, sender=Article, dispatch_uid="public-article-saved")
def _article_changed(sender, instance: Article, created: bool, **kwargs) -> None:
    # A new article is nobody's evidence yet; an edited one may be shown as evidence.
    if not created:
        public_data_changed()


@receiver(m2m_changed, sender=StatusChange.evidence.through, dispatch_uid="public-change-evidence")
def _status_change_evidence_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        public_data_changed()


@receiver(post_save, sender=LogEntry, dispatch_uid="public-editor-action")
def _editor_acted(sender, **kwargs) -> None:
    # Every editor action (review.py, the admin) leaves a trail entry in its transaction.
    public_data_changed()
