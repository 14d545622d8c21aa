"""Exactly-once storing: one Article row per canonical URL and per normalized text.

The database guards it: ``Article.canonical_url`` and ``Article.content_hash`` are unique, and
``store_article`` inserts first and, on a unique violation, returns the row that won (no
check-then-insert race between workers). ``fetch_and_store_article`` is the whole step for one
article page: fetch, decode, extract, store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from pledges.ingest.dedupe import (
    content_hash,
    find_original,
    index_similarity_keys,
    similarity_keys,
)
from pledges.ingest.errors import (
    ArticleTooLong,
    ExtractionError,
    IngestError,
    UnsafeURLError,
    UnsupportedContent,
)
from pledges.ingest.http import FetchResult, canonicalize_url
from pledges.ingest.politeness import polite_fetch
from pledges.ingest.text import (
    decode_bytes,
    extract_article,
    html_to_text,
    parse_datetime,
    parse_datetime_or_none,
    without_nul,
)
from pledges.korean.normalize import normalize_text
from pledges.models import Article, Source

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class StoreResult:
    article: Article
    created: bool
    reason: str  # "new", "copy" (near-duplicate stored and linked), "same_url", "same_content"
    # The stored articles the wire-copy look at store time compared the text with and found to
    # be no original: the match step's second look (matching.match_stored_article) skips them.
    checked: tuple[int, ...] = field(default=())

    @property
    def needs_match(self) -> bool:
        """Match new originals, and old rows never matched (a crash between store and match)."""
        return self.article.duplicate_of_id is None and self.article.matched_at is None


def _clip(value: str, limit: int) -> str:
    return without_nul(value or "")[:limit]


def _check_length(text: str, url: str, *, markup: bool) -> None:
    """Refuse texts over INGEST_MAX_TEXT_CHARS before the costly steps (normalizing, hashing,
    shingling): a 49 MB "article" once took 32 s and 1.6 GB. Raw input may be HTML, so it is
    allowed ten times the cap before its markup is stripped."""
    limit = settings.INGEST_MAX_TEXT_CHARS
    if len(text) > (10 * limit if markup else limit):
        raise ArticleTooLong(
            f"article text of {len(text):,} characters is over the limit of {limit:,} "
            "(INGEST_MAX_TEXT_CHARS)",
            url=url,
        )


def store_article(
    *,
    title: str,
    body: str,
    url: str = "",
    outlet: str = "",
    source: Source | None = None,
    published_at: dt.datetime | dt.date | str | None = None,
    byline: str = "",
    language: str = "ko",
) -> StoreResult:
    """Store one article exactly once. Safe to call concurrently from many workers.

    The title and body are sanitised to plain text; the normalized body's SHA-256 and the
    canonical URL are unique in the database. On a unique violation the existing row is
    returned (``created`` False). A near copy of a stored story (wire copy) is stored with
    ``duplicate_of`` set and is never matched into the review queue.
    """
    _check_length(body or "", url, markup=True)
    title = _clip(html_to_text(title, single_line=True), 500)
    body = html_to_text(body)
    if not body:
        raise ExtractionError("no article text", url=url)
    _check_length(body, url, markup=False)
    url = without_nul(url)
    canonical = canonicalize_url(url) if url else None
    if canonical and len(canonical) > 1000:
        raise IngestError("URL longer than 1000 characters", url=url)
    try:
        published = parse_datetime(published_at)
    except ValueError as error:
        raise IngestError(str(error), url=url) from error
    normalized = normalize_text(body)
    digest = content_hash(normalized)
    keys = similarity_keys(normalized)
    checked: list[int] = []
    original = find_original(text=normalized, keys=keys, published_at=published, checked=checked)
    fields = {
        "source": source,
        "outlet": _clip(outlet or (source.name if source else ""), 100),
        "url": _clip(url, 1000),
        "canonical_url": canonical,
        "title": title,
        "published_at": published,
        "body": body,
        "normalized_body": normalized,
        "content_hash": digest,
        "language": language,
        "byline": _clip(html_to_text(byline, single_line=True), 200),
        "duplicate_of": original,
    }
    try:
        with transaction.atomic():
            article = Article.objects.create(**fields)
            index_similarity_keys(article, keys)
    except IntegrityError:
        existing = None
        if canonical:
            existing = Article.objects.filter(canonical_url=canonical).first()
            if existing is not None:
                return StoreResult(existing, False, "same_url")
        existing = Article.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return StoreResult(existing, False, "same_content")
    return StoreResult(article, True, "copy" if original else "new", tuple(checked))


# --- One article page ------------------------------------------------------------------------


def _is_html(result: FetchResult) -> bool:
    if result.content_type in HTML_TYPES:
        return True
    if result.content_type:
        return False
    head = result.content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def fetch_and_store_article(
    url: str,
    *,
    source: Source | None = None,
    hints: Mapping[str, Any] | None = None,
    skip_known: bool = True,
) -> StoreResult:
    """Fetch an article page and store it (exactly once).

    ``hints`` come from a feed entry (title, summary, published, author, outlet): the summary is
    the fallback text when the page yields none; the feed's date wins over the page's. Raises
    FetchError (transient or permanent, robots.txt refusals included) or ExtractionError.
    """
    hints = hints or {}
    try:
        canonical = canonicalize_url(url)
    except ValueError as error:
        raise UnsafeURLError(f"refused: {error}", url=url) from error
    if skip_known:
        known = Article.objects.filter(canonical_url=canonical).first()
        if known is not None:
            return StoreResult(known, False, "same_url")
    result = polite_fetch(url, source=source)
    if not _is_html(result):
        raise UnsupportedContent(
            f"not an HTML page ({result.content_type or 'no content type'})", url=url
        )
    page_html, _codec_used = decode_bytes(result.content, result.charset)
    extracted = extract_article(page_html, url=result.url)
    text = extracted.text
    summary = html_to_text(str(hints.get("summary") or ""))
    if len(text) < 40 and len(summary) > len(text):
        text = summary
    if not text:
        raise ExtractionError("no article text found on the page", url=url)
    # A feed's date wins, unless it is no usable date (then the page's own, if any).
    published = parse_datetime_or_none(hints.get("published")) or extracted.published_at
    outlet = str(hints.get("outlet") or (source.name if source else "")) or (
        urlsplit(result.url).hostname or ""
    )
    return store_article(
        title=str(hints.get("title") or "") or extracted.title,
        body=text,
        url=result.url,
        outlet=outlet,
        source=source,
        published_at=published,
        byline=str(hints.get("author") or "") or extracted.byline,
    )
