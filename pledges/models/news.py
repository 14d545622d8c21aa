"""News: incoming sources, stored articles, the wire-copy index, and evidence linking an
article to a pledge with its review state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from pledges.models.pledges import Pledge
from pledges.models.vocabulary import (
    MatchMethod,
    ReviewState,
    _in_choices,
)

# --- News -----------------------------------------------------------------------------------


class SourceKind(models.TextChoices):
    FEED = "feed", _("RSS/Atom feed")
    SITEMAP = "sitemap", _("News sitemap")
    WEBSITE = "website", _("Website (single URLs)")
    PRINT = "print", _("Print pages")
    ARCHIVE = "archive", _("Bulk archive")


class Source(models.Model):
    Kind = SourceKind

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WEBSITE)
    homepage = models.URLField(_("homepage"), max_length=500, blank=True)
    feed_url = models.URLField(_("feed URL"), max_length=500, null=True, blank=True, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    poll_interval_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=30)
    etag = models.CharField(_("ETag"), max_length=300, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    # What the feed URL turned out to be (rss, atom, sitemap, sitemap index), told by content.
    feed_format = models.CharField(_("feed format"), max_length=20, blank=True)
    # Politeness toward this source's host; empty: the INGEST_HOST_* defaults.
    max_concurrent_fetches = models.PositiveSmallIntegerField(
        _("at most this many fetches at once"),
        null=True,
        blank=True,
        help_text=_("Per host, across all workers. Empty: the site-wide default."),
    )
    min_fetch_interval_seconds = models.FloatField(
        _("seconds between fetches"),
        null=True,
        blank=True,
        help_text=_(
            "Per host, across all workers; a longer Crawl-delay in robots.txt wins. "
            "Empty: the site-wide default."
        ),
    )
    # The summary of its failure rows (IngestFailure), kept by ingest/failures.py.
    failing_urls = models.PositiveIntegerField(_("failing URLs"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", SourceKind), name="source_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(min_fetch_interval_seconds__isnull=True)
                | Q(min_fetch_interval_seconds__gte=0),
                name="source_fetch_interval_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FailureKind(models.TextChoices):
    ROBOTS = "robots", _("Disallowed by robots.txt")
    HTTP_STATUS = "http", _("HTTP error status")
    TIMEOUT = "timeout", _("Timed out")
    NETWORK = "network", _("Network error")
    TOO_LARGE = "too_large", _("Too large")
    UNSUPPORTED = "unsupported", _("Unsupported content")
    EXTRACTION = "extraction", _("No article text")
    BAD_ROW = "bad_row", _("Bad row in an import file")
    REFUSED = "refused", _("Refused address")
    HOST_BUSY = "host_busy", _("Host busy (politeness limit)")
    OTHER = "other", _("Other")


class IngestFailure(models.Model):
    """One URL (feed, sitemap or article) that could not be ingested: one row per URL, its
    attempts counted. Written by ingest/failures.py; removed once the URL succeeds."""

    Kind = FailureKind

    source = models.ForeignKey(
        Source,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="failures",
        verbose_name=_("source"),
    )
    url = models.CharField(_("URL"), max_length=1000)
    is_feed = models.BooleanField(_("feed or sitemap"), default=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_message = models.TextField(_("last message"), blank=True)
    first_failed_at = models.DateTimeField(_("first failed"), auto_now_add=True)
    last_failed_at = models.DateTimeField(_("last failed"), db_index=True)

    class Meta:
        ordering = ["-last_failed_at"]
        verbose_name = _("ingestion failure")
        verbose_name_plural = _("ingestion failures")
        constraints = [
            models.UniqueConstraint(fields=["url"], name="ingest_failure_url_unique"),
            models.CheckConstraint(
                condition=_in_choices("kind", FailureKind), name="ingest_failure_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.url


class Article(models.Model):
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("source"),
    )
    outlet = models.CharField(_("outlet"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    # Null for articles without a URL (newspaper page text); unique otherwise.
    canonical_url = models.URLField(
        _("canonical URL"), max_length=1000, null=True, blank=True, unique=True
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    body = models.TextField(_("body as extracted"))
    normalized_body = models.TextField(_("normalized body"), blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, unique=True)
    # MinHash band keys of the normalized body (" 0:1a2b3c4d 1:… "): finds wire copies fast.
    language = models.CharField(_("language"), max_length=8, default="ko")
    byline = models.CharField(_("byline"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copy of"),
    )
    fetched_at = models.DateTimeField(_("fetched at"), auto_now_add=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.CheckConstraint(condition=~Q(content_hash=""), name="article_hash_set"),
        ]
        indexes = [
            # The sweep for articles never matched (broker down) reads only these few rows.
            models.Index(
                fields=["fetched_at"],
                name="article_unmatched",
                condition=Q(matched_at__isnull=True, duplicate_of__isnull=True),
            ),
            # The admin's article list and exports read newest first.
            models.Index(fields=["-published_at", "-id"], name="article_newest_first"),
        ]

    def __str__(self) -> str:
        return self.title or self.canonical_url or f"#{self.pk}"


class SimilarityKey(models.Model):
    """MinHash band keys of an article's text: an index to find wire copies without a scan."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="similarity_key_rows",
        verbose_name=_("article"),
    )
    key = models.CharField(_("key"), max_length=16, db_index=True)

    class Meta:
        verbose_name = _("near-duplicate key")
        verbose_name_plural = _("near-duplicate keys")
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="similarity_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class Evidence(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("article")
    )
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("pledge")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.SUGGESTED
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    snippet = models.TextField(_("snippet"), blank=True)
    matched_terms = models.JSONField(_("matched terms"), default=list, blank=True)
    amounts = models.JSONField(_("amounts found"), default=list, blank=True)
    # What the matcher's rules saw (korean.match.FEATURE_NAMES): the label's inputs when an
    # editor confirms or rejects, and the "why" shown in the review queue.
    match_features = models.JSONField(_("match features"), default=dict, blank=True)
    method = models.CharField(
        _("method"), max_length=10, choices=MatchMethod.choices, default=MatchMethod.AUTO
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reject_reason = models.TextField(_("reject reason"), blank=True)
    # How many of its budget amounts no editor has decided yet, by the rule of
    # ``budget_offers.open_offer_count``, stored by every write that changes it
    # (``budget_offers.refresh_open_offers``): the desk sums and filters this column instead of
    # reading every evidence's amounts. The database default serves rows inserted in SQL.
    open_offer_count = models.PositiveIntegerField(
        _("open budget amounts"), default=0, db_default=0, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "pledge"], name="evidence_article_pledge_unique"
            ),
            models.CheckConstraint(
                condition=_in_choices("state", ReviewState), name="evidence_state_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("method", MatchMethod), name="evidence_method_known"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1)),
                name="evidence_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(state=ReviewState.SUGGESTED) | Q(reviewed_at__isnull=False),
                name="evidence_reviewed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "pledge"]),
            # The review queue: suggestions, best first (the admin's ordering).
            models.Index(fields=["state", "-score", "-created_at"], name="evidence_queue"),
            # The queue as the admin orders it (newest day first, best score first within it,
            # the last tie by id; admin/queue.py DESK_ORDER): read from this index and stopped
            # after a page, instead of sorting every waiting suggestion per request (142 ms →
            # 31 ms at 20,000 waiting; bench-scale). The day is in TIME_ZONE as it was when
            # migrating, as the admin's TruncDate computes it.
            models.Index(
                TruncDate("created_at").desc(),
                F("score").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="evidence_queue_by_day",
                condition=Q(state="suggested"),
            ),
            # The desk's other views in the same order: everything waiting, budget amounts
            # waiting, all evidence. A page is read from here and stopped after 50 matching
            # rows, instead of sorting every match, wide rows spilling to disk (50-110 ms at
            # 200,000 evidence rows, 33,000 waiting).
            models.Index(
                TruncDate("created_at").desc(),
                F("score").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="evidence_desk_order",
            ),
            # The front page's latest confirmations: read from here and stopped after five,
            # instead of sorting every confirmed row (150-340 ms at 180,000; bench-scale).
            models.Index(
                fields=["-reviewed_at", "-id"],
                name="evidence_newly_confirmed",
                condition=Q(state="confirmed"),
            ),
            # The desk's budget amounts waiting: summed and filtered from here, a few thousand
            # entries, instead of every evidence row.
            models.Index(
                fields=["open_offer_count"],
                name="evidence_open_offers",
                condition=Q(open_offer_count__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pledge} ← {self.article}"
