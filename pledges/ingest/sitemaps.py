"""Sitemaps as sources: telling a feed from a sitemap by its content, and reading sitemaps.

Reads sitemaps.org ``<urlset>`` (``loc``, ``lastmod``), Google News sitemaps (``news:title``,
``news:publication_date``) and ``<sitemapindex>`` files, plain or gzipped.

Why our own small parser rather than ultimate-sitemap-parser: that library fetches what it
parses with its own HTTP client (and follows indexes and robots.txt by itself), which would
step around the guarded ``fetch`` (SSRF guard, size cap, robots.txt, per-host politeness).
Here the bytes come from ``polite_fetch``, and lxml reads them incrementally with entities and
network access off, clearing each element once read, so a 50,000-URL sitemap (the protocol's
limit) stays within the size cap and a small, flat amount of memory.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import io
from dataclasses import dataclass, field

from lxml import etree

from pledges.ingest.errors import FeedError, ResponseTooLarge
from pledges.ingest.text import html_to_text, parse_datetime

RSS, ATOM, SITEMAP, SITEMAP_INDEX = "rss", "atom", "sitemap", "sitemap index"
MAX_URL_LENGTH = 2048  # sitemaps.org: a loc is "less than 2,048 characters"


@dataclass
class SitemapEntry:
    url: str
    title: str = ""
    published: str = ""  # ISO 8601: news:publication_date, else lastmod


@dataclass
class ParsedSitemap:
    kind: str  # SITEMAP or SITEMAP_INDEX
    entries: list[SitemapEntry] = field(default_factory=list)
    children: list[SitemapEntry] = field(default_factory=list)  # of an index, newest first


def ungzip(content: bytes, *, max_bytes: int, url: str = "") -> bytes:
    """A gzipped sitemap (``sitemap.xml.gz``) inflated, refusing more than ``max_bytes``."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    data = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
            # In chunks: read(max_bytes) would set aside the whole cap up front.
            while chunk := stream.read(256 * 1024):
                data += chunk
                if len(data) > max_bytes:
                    raise ResponseTooLarge(
                        f"sitemap inflates to more than {max_bytes:,} bytes", url=url
                    )
    except (OSError, EOFError) as error:
        raise FeedError(f"broken gzip data: {error}", url=url) from error
    return bytes(data)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parser_events(content: bytes, events: tuple[str, ...], tag: list[str] | None = None):
    return etree.iterparse(
        io.BytesIO(content),
        events=events,
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def detect_format(content: bytes) -> str:
    """RSS, ATOM, SITEMAP, SITEMAP_INDEX, or "" if the bytes are none of them (by the root
    element, whatever the Content-Type says: many servers label all XML text/html)."""
    try:
        for _event, element in _parser_events(content, ("start",)):
            root = _local(element.tag).lower()
            return {
                "rss": RSS,
                "rdf": RSS,  # RSS 1.0
                "feed": ATOM,
                "urlset": SITEMAP,
                "sitemapindex": SITEMAP_INDEX,
            }.get(root, "")
    except etree.XMLSyntaxError:
        return ""
    return ""


@functools.lru_cache(maxsize=4096)  # a sitemap repeats the same few dates
def _iso(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parse_datetime(value)
        except ValueError:
            return ""
    if parsed.tzinfo is None:
        parsed = parse_datetime(parsed)
    return parsed.isoformat()


def parse_sitemap(content: bytes, *, url: str = "") -> ParsedSitemap:
    """A ``<urlset>`` or ``<sitemapindex>`` → its entries (or child sitemaps).

    Raises FeedError if the bytes are not a well-formed sitemap."""
    kind = detect_format(content)
    if kind not in (SITEMAP, SITEMAP_INDEX):
        raise FeedError("not a sitemap (no <urlset> or <sitemapindex> root)", url=url)
    parsed = ParsedSitemap(kind=kind)
    wanted = "url" if kind == SITEMAP else "sitemap"
    fields = ("loc", "lastmod", "title", "publication_date")
    tags = [f"{{*}}{name}" for name in (*fields, wanted)]
    current: dict[str, str] = {}
    try:
        for _event, element in _parser_events(content, ("end",), tag=tags):
            name = _local(element.tag)
            if name != wanted:
                current[name] = (element.text or "").strip()
                continue
            _add(parsed, current, kind)
            current = {}
            element.clear(keep_tail=False)
            # Drop the elements read before too, so memory stays flat however long the file.
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise FeedError(f"malformed sitemap: {error}", url=url) from error
    if kind == SITEMAP_INDEX:
        parsed.children.sort(key=lambda child: child.published, reverse=True)
    return parsed


def _add(parsed: ParsedSitemap, values: dict[str, str], kind: str) -> None:
    loc = values.get("loc", "")
    if not loc.startswith(("http://", "https://")) or len(loc) >= MAX_URL_LENGTH:
        return
    published = _iso(values.get("publication_date", "")) or _iso(values.get("lastmod", ""))
    entry = SitemapEntry(
        url=loc,
        title=html_to_text(values["title"], single_line=True) if values.get("title") else "",
        published=published,
    )
    (parsed.entries if kind == SITEMAP else parsed.children).append(entry)
