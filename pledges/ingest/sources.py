"""Incoming sources (RSS/Atom feeds and news sitemaps): parsing, polling with conditional
requests, back-off, claiming the sources that are due, and each source's error log.

What a feed URL is (RSS, Atom, a sitemap or a sitemap index) is told by its content on every
poll, not by its Content-Type or its name; the format found is kept on the source.

Not to be confused with the outgoing Atom syndication of the public site (pledges/site).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from pledges.ingest import sitemaps
from pledges.ingest.errors import FeedError, IngestError
from pledges.ingest.failures import record_failure, resolve_failure
from pledges.ingest.http import FEED_ACCEPT, FetchResult, canonicalize_url
from pledges.ingest.politeness import polite_fetch
from pledges.ingest.text import html_to_text
from pledges.models import Article, Source

logger = logging.getLogger(__name__)


MAX_BACKOFF = dt.timedelta(hours=24)
MAX_ERROR_LINES = 20


@dataclass
class FeedEntry:
    url: str
    title: str = ""
    summary: str = ""
    published: str = ""  # ISO 8601
    author: str = ""

    def hints(self, outlet: str = "") -> dict[str, str]:
        return {
            "title": self.title,
            "summary": self.summary[:20_000],
            "published": self.published,
            "author": self.author,
            "outlet": outlet,
        }


@dataclass
class ParsedFeed:
    title: str
    entries: list[FeedEntry]


def _entry_time(entry) -> str:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return dt.datetime(*value[:6], tzinfo=dt.UTC).isoformat()
    return ""


def parse_feed(content: bytes, *, url: str = "", content_type: str = "") -> ParsedFeed:
    """RSS or Atom bytes → entries with absolute links. Raises FeedError if it is no feed."""
    parsed = feedparser.parse(
        content,
        response_headers={
            "content-type": content_type or "application/xml",
            "content-location": url,
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            for candidate in entry.get("links", []):
                if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                    link = candidate["href"]
                    break
        if not link:
            continue
        link = urljoin(url, link)
        body = ""
        if entry.get("content"):
            body = max((c.get("value", "") for c in entry.content), key=len)
        body = body or entry.get("summary", "")
        entries.append(
            FeedEntry(
                url=link,
                title=html_to_text(entry.get("title", ""), single_line=True),
                summary=html_to_text(body),
                published=_entry_time(entry),
                author=html_to_text(entry.get("author", ""), single_line=True),
            )
        )
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no RSS/Atom entries"
        raise FeedError(f"malformed feed: {reason}", url=url)
    title = html_to_text(parsed.get("feed", {}).get("title", ""), single_line=True)
    return ParsedFeed(title=title, entries=entries)


@dataclass
class FeedPoll:
    source_id: int
    not_modified: bool = False
    entries: list[FeedEntry] = field(default_factory=list)
    new_entries: list[FeedEntry] = field(default_factory=list)  # links not stored yet
    error: IngestError | None = None


def _backoff(source: Source, failures: int) -> dt.timedelta:
    interval = dt.timedelta(minutes=max(1, source.poll_interval_minutes))
    return min(interval * (2 ** min(failures, 16)), MAX_BACKOFF)


def _error_line(message: str) -> str:
    return f"{timezone.now():%Y-%m-%d %H:%M:%S%z} {message}".replace("\n", " ")[:1000]


def _append_error(previous: str, message: str) -> str:
    lines = [_error_line(message), *(previous or "").splitlines()]
    return "\n".join(lines[:MAX_ERROR_LINES])


@transaction.atomic
def record_poll_failure(source_id: int, error: Exception) -> Source:
    """Count a failed poll; the next poll is pushed back exponentially (capped at a day)."""
    source = Source.objects.select_for_update().get(pk=source_id)
    source.consecutive_failures += 1
    source.last_error = _append_error(source.last_error, f"feed: {error}")
    source.last_error_at = timezone.now()
    source.next_poll_at = timezone.now() + _backoff(source, source.consecutive_failures)
    source.save(
        update_fields=["consecutive_failures", "last_error", "last_error_at", "next_poll_at"]
    )
    if source.feed_url:
        record_failure(
            url=getattr(error, "url", "") or source.feed_url,
            error=error,
            source_id=source.pk,
            is_feed=True,
        )
    logger.warning(
        "feed %s failed %d time(s) in a row: %s", source, source.consecutive_failures, error
    )
    return source


def record_poll_success(
    source_id: int,
    *,
    etag: str | None,
    last_modified: str | None,
    feed_format: str | None = None,
) -> None:
    source = Source.objects.get(pk=source_id)
    if source.feed_url:
        resolve_failure(source.feed_url)
    values: dict[str, Any] = {
        "last_success_at": timezone.now(),
        "consecutive_failures": 0,
        "next_poll_at": timezone.now() + _backoff(source, 0),
    }
    if etag is not None:
        values["etag"] = etag[:300]
    if last_modified is not None:
        values["last_modified"] = last_modified[:100]
    if feed_format:
        values["feed_format"] = feed_format
        if source.kind in (Source.Kind.FEED, Source.Kind.SITEMAP):
            is_sitemap = feed_format in (sitemaps.SITEMAP, sitemaps.SITEMAP_INDEX)
            values["kind"] = Source.Kind.SITEMAP if is_sitemap else Source.Kind.FEED
    Source.objects.filter(pk=source_id).update(**values)


def record_article_failure(source_id: int | None, url: str, error: Exception) -> None:
    """An article could not be ingested: a failure row, and a line in its source's log."""
    logger.warning("could not ingest %s: %s", url, error)
    record_failure(url=url, error=error, source_id=source_id)
    if not source_id:
        return
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            return
        source.last_error = _append_error(source.last_error, f"{url}: {error}")
        source.last_error_at = timezone.now()
        source.save(update_fields=["last_error", "last_error_at"])


def poll_source(source_id: int, *, force: bool = False) -> FeedPoll:
    """Fetch a source's feed or sitemap (conditionally, with its ETag/Last-Modified unless
    ``force``) and list its entries. Success and failure are recorded on the source; never
    raises for a fetch or feed error (it is in ``FeedPoll.error`` and on the source)."""
    source = Source.objects.get(pk=source_id)
    poll = FeedPoll(source_id=source_id)
    if not source.feed_url:
        poll.error = IngestError("source has no feed URL")
        record_poll_failure(source_id, poll.error)
        return poll
    try:
        result = polite_fetch(
            source.feed_url,
            source=source,
            accept=FEED_ACCEPT,
            etag="" if force else source.etag,
            last_modified="" if force else source.last_modified,
            max_bytes=_poll_max_bytes(source),
        )
        if result.not_modified:
            poll.not_modified = True
            record_poll_success(source_id, etag=None, last_modified=None)
            return poll
        feed_format, entries = read_feed_or_sitemap(result, source=source)
    except IngestError as error:
        poll.error = error
        record_poll_failure(source_id, error)
        return poll
    poll.entries = entries
    known = set(
        Article.objects.filter(
            canonical_url__in=[_safe_canonical(e.url) for e in entries]
        ).values_list("canonical_url", flat=True)
    )
    seen: set[str] = set()
    for entry in entries:
        key = _safe_canonical(entry.url)
        if key and key not in known and key not in seen:
            seen.add(key)
            poll.new_entries.append(entry)
    # The validators are kept only once every entry is stored. Until then the next poll fetches
    # the whole feed and lists the unstored entries again, so an entry whose ingest message was
    # lost (broker down) or whose fetch failed is never hidden behind "304 Not Modified".
    settled = not poll.new_entries
    record_poll_success(
        source_id,
        etag=result.headers.get("ETag", "") if settled else "",
        last_modified=result.headers.get("Last-Modified", "") if settled else "",
        feed_format=feed_format,
    )
    return poll


def _poll_max_bytes(source: Source) -> int:
    """Feeds are small; a sitemap may be up to 50 MB (sitemaps.org). Until the first poll tells
    what the URL is, the larger cap applies."""
    if source.feed_format in (sitemaps.RSS, sitemaps.ATOM):
        return settings.INGEST_MAX_BYTES
    return max(settings.INGEST_MAX_BYTES, settings.INGEST_SITEMAP_MAX_BYTES)


def read_feed_or_sitemap(
    result: FetchResult, *, source: Source | None = None
) -> tuple[str, list[FeedEntry]]:
    """The entries of fetched RSS, Atom, sitemap or sitemap-index bytes, told apart by content.

    A sitemap index's newest child sitemaps (at most INGEST_SITEMAP_MAX_CHILDREN) are fetched
    and read too; a child that fails is recorded and skipped. Raises FeedError if the bytes are
    none of these."""
    content = sitemaps.ungzip(
        result.content, max_bytes=settings.INGEST_SITEMAP_MAX_BYTES, url=result.url
    )
    feed_format = sitemaps.detect_format(content)
    if feed_format in (sitemaps.SITEMAP, sitemaps.SITEMAP_INDEX):
        parsed = sitemaps.parse_sitemap(content, url=result.url)
        entries = list(parsed.entries)
        for child in parsed.children[: settings.INGEST_SITEMAP_MAX_CHILDREN]:
            entries.extend(_child_sitemap_entries(child.url, source))
        return feed_format, _recent(_sitemap_feed_entries(entries))
    feed = parse_feed(result.content, url=result.url, content_type=result.content_type)
    return feed_format or sitemaps.RSS, feed.entries


def inspect_feed_url(url: str) -> str:
    """What ``url`` serves: RSS, ATOM, SITEMAP or SITEMAP_INDEX (told by content). Fetched
    politely like any poll; raises IngestError if it cannot be read or is none of these."""
    result = polite_fetch(
        url,
        accept=FEED_ACCEPT,
        max_bytes=max(settings.INGEST_MAX_BYTES, settings.INGEST_SITEMAP_MAX_BYTES),
    )
    content = sitemaps.ungzip(result.content, max_bytes=settings.INGEST_SITEMAP_MAX_BYTES, url=url)
    feed_format = sitemaps.detect_format(content)
    if feed_format in (sitemaps.SITEMAP, sitemaps.SITEMAP_INDEX):
        sitemaps.parse_sitemap(content, url=url)  # well-formed all through
        return feed_format
    feed = parse_feed(result.content, url=result.url, content_type=result.content_type)
    if not feed.entries and not feed_format:
        raise FeedError("neither an RSS/Atom feed nor a sitemap", url=url)
    return feed_format or sitemaps.RSS


def _child_sitemap_entries(url: str, source: Source | None) -> list[sitemaps.SitemapEntry]:
    try:
        result = polite_fetch(
            url, source=source, accept=FEED_ACCEPT, max_bytes=settings.INGEST_SITEMAP_MAX_BYTES
        )
        content = sitemaps.ungzip(
            result.content, max_bytes=settings.INGEST_SITEMAP_MAX_BYTES, url=url
        )
        child = sitemaps.parse_sitemap(content, url=url)
    except IngestError as error:
        record_failure(url=url, error=error, source_id=source.pk if source else None, is_feed=True)
        return []
    resolve_failure(url)
    return child.entries  # an index inside an index is not allowed (sitemaps.org): not followed


def _sitemap_feed_entries(entries: list[sitemaps.SitemapEntry]) -> list[FeedEntry]:
    return [FeedEntry(url=e.url, title=e.title, published=e.published) for e in entries]


def _recent(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Sitemap entries dated within INGEST_SITEMAP_MAX_AGE_DAYS (undated ones are kept): a
    site's archive sitemap should not queue every article it ever published."""
    days = settings.INGEST_SITEMAP_MAX_AGE_DAYS
    if not days:
        return entries
    cutoff = timezone.now() - dt.timedelta(days=days)
    return [
        e for e in entries if not e.published or dt.datetime.fromisoformat(e.published) >= cutoff
    ]


def _safe_canonical(url: str) -> str:
    try:
        return canonicalize_url(url)
    except ValueError:
        return ""


def claim_due_sources(now: dt.datetime | None = None) -> list[int]:
    """Active feed sources due for a poll, each claimed with a conditional update so that two
    schedulers never poll one feed twice; the claim is a lease of one poll interval."""
    now = now or timezone.now()
    due = Source.objects.filter(is_active=True, feed_url__isnull=False).exclude(feed_url="")
    due = due.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
    claimed = []
    for source in due.only("pk", "next_poll_at", "poll_interval_minutes"):
        lease = now + dt.timedelta(minutes=max(1, source.poll_interval_minutes))
        won = (
            Source.objects.filter(pk=source.pk, next_poll_at=source.next_poll_at).update(
                next_poll_at=lease
            )
            if source.next_poll_at is not None
            else Source.objects.filter(pk=source.pk, next_poll_at__isnull=True).update(
                next_poll_at=lease
            )
        )
        if won:
            claimed.append(source.pk)
    return claimed


def feed_source_for(url: str, *, name: str = "") -> Source:
    """The Source polling this feed or sitemap URL, created on first use (kind feed; the first
    poll tells a sitemap by its content and sets the kind)."""
    source = Source.objects.filter(feed_url=url).first()
    if source is not None:
        return source
    base = name or urlsplit(url).hostname or url
    candidate, n = base[:100], 1
    while Source.objects.filter(name=candidate).exists():
        n += 1
        candidate = f"{base[:94]} ({n})"
    try:
        with transaction.atomic():
            return Source.objects.create(name=candidate, kind=Source.Kind.FEED, feed_url=url)
    except IntegrityError:
        return Source.objects.get(feed_url=url)
