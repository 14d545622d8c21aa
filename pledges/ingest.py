"""Sources → Article rows: fetch, decode, extract, sanitise, dedupe, store; feed bookkeeping.

Every step is a plain function called alike by Celery tasks, management commands, the admin and
tests. The database guards exactly-once storage: ``Article.canonical_url`` and
``Article.content_hash`` are unique, and ``store_article`` inserts first and, on a unique
violation, returns the row that won (no check-then-insert race between workers).

Network safety: every request goes through ``fetch``: timeouts, a size cap enforced while
streaming, redirects followed by hand so that each hop is checked, and an SSRF guard that refuses
loopback, private, link-local (cloud metadata) and other non-public addresses both before
connecting and on the connected socket (so DNS rebinding cannot slip past the check).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import html
import io
import ipaddress
import json
import logging
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import charset_normalizer
import feedparser
import nh3
import requests
import trafilatura
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from pledges.korean.normalize import normalize_text
from pledges.korean.pages import split_newspaper_page
from pledges.models import (
    Article,
    Evidence,
    MatchMethod,
    Pledge,
    ReviewState,
    SimilarityKey,
    Source,
)

logger = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")
MAX_BACKOFF = dt.timedelta(hours=24)
MAX_ERROR_LINES = 20
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

__all__ = [
    "ExtractionError",
    "FeedEntry",
    "FeedError",
    "FetchError",
    "FetchResult",
    "ImportReport",
    "IngestError",
    "IngestStats",
    "PermanentFetchError",
    "ResponseTooLarge",
    "StoreResult",
    "TransientFetchError",
    "UnsafeURLError",
    "UnsupportedContent",
    "canonicalize_url",
    "check_url_allowed",
    "claim_due_sources",
    "decode_bytes",
    "extract_article",
    "fetch",
    "find_original",
    "html_to_text",
    "import_articles",
    "index_similarity_keys",
    "ingest_page",
    "ingest_url",
    "match_stored_article",
    "parse_feed",
    "poll_source",
    "record_article_failure",
    "rematch_articles",
    "similarity_keys",
    "store_article",
]


# --- Errors ---------------------------------------------------------------------------------


class IngestError(Exception):
    """Something could not be ingested. ``permanent``: retrying the same input will not help."""

    permanent = True

    def __init__(self, message: str, *, url: str = "", status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class FetchError(IngestError):
    """A request failed. Transient (network, timeout, 5xx, 429) or permanent (4xx, unsafe…)."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        status: int | None = None,
        permanent: bool | None = None,
    ):
        super().__init__(message, url=url, status=status)
        if permanent is not None:
            self.permanent = permanent

    @classmethod
    def for_status(cls, status: int, url: str) -> FetchError:
        if status in (408, 425, 429) or status >= 500:
            return TransientFetchError(f"HTTP {status}", url=url, status=status)
        return PermanentFetchError(f"HTTP {status}", url=url, status=status)


class TransientFetchError(FetchError):
    permanent = False


class PermanentFetchError(FetchError):
    permanent = True


class UnsafeURLError(PermanentFetchError):
    """The URL is not http(s) or resolves to an address the fetcher must not reach."""


class ResponseTooLarge(PermanentFetchError):
    pass


class UnsupportedContent(PermanentFetchError):
    """The body is not what was asked for (e.g. a PDF or image where HTML was expected)."""


class FeedError(PermanentFetchError):
    """The body is not a readable RSS/Atom feed."""


class ExtractionError(IngestError):
    """No article text could be found."""


# --- Canonical URLs -------------------------------------------------------------------------

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gbraid",
        "wbraid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def canonicalize_url(url: str) -> str:
    """One spelling per article URL: the key of ``Article.canonical_url``.

    Lower-case scheme and host (IDNA for non-ASCII hosts), no default port, no user info, no
    fragment, no tracking parameters (utm_*, fbclid, gclid, …), remaining parameters sorted,
    percent-escapes upper-case and non-ASCII percent-encoded. Raises ValueError if not http(s).
    """
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL without a host: {url!r}")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        host = host.lower()
    port = parts.port  # ValueError for a bad port
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _PERCENT.sub(lambda m: m.group().upper(), quote(parts.path or "/", safe=_PATH_SAFE))
    params = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    query = urlencode(sorted(params))
    return urlunsplit((scheme, netloc, path, query, ""))


# --- SSRF guard -----------------------------------------------------------------------------


def _address_is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _private_allowed() -> bool:
    return bool(getattr(settings, "INGEST_ALLOW_PRIVATE_ADDRESSES", False))


def check_url_allowed(url: str) -> None:
    """Refuse non-http(s) URLs and hosts resolving to non-public addresses (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise UnsafeURLError(f"refused: not an http(s) URL: {url}", url=url)
    if _private_allowed():
        return
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme.lower()]
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except ValueError as error:
        raise UnsafeURLError(f"refused: bad URL {url}: {error}", url=url) from error
    except OSError as error:
        raise TransientFetchError(f"cannot resolve {parts.hostname}: {error}", url=url) from error
    for info in infos:
        address = info[4][0]
        if not _address_is_public(address):
            raise UnsafeURLError(
                f"refused: {parts.hostname} resolves to a non-public address ({address})", url=url
            )


class _GuardedConnectionMixin:
    """Checks the address actually connected to, closing the DNS-rebinding gap."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not _private_allowed():
            try:
                address = sock.getpeername()[0]
            except OSError:
                address = ""
            if not _address_is_public(address):
                sock.close()
                raise UnsafeURLError(f"refused: connected to a non-public address ({address})")
        return sock


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (and per worker process: created after the fork)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False  # no proxies or .netrc from the environment
        adapter = _GuardedAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _local.session = session
    return session


# --- Fetching -------------------------------------------------------------------------------

_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass
class FetchResult:
    url: str  # the final URL, after redirects
    status: int
    headers: Mapping[str, str]
    content: bytes = b""
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", self.headers.get("Content-Type", ""))
        return match.group(1) if match else None


def fetch(
    url: str,
    *,
    accept: str = HTML_ACCEPT,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> FetchResult:
    """GET ``url`` safely. Raises TransientFetchError or PermanentFetchError (or a subclass).

    ``timeout`` bounds the connection and each read, and (twice over) the whole fetch, so a
    server trickling bytes cannot hold a worker. Redirects are followed by hand, at most
    ``INGEST_MAX_REDIRECTS``, each hop checked by the SSRF guard; a loop is a permanent error.
    """
    timeout = timeout if timeout is not None else settings.INGEST_TIMEOUT_SECONDS
    max_bytes = max_bytes if max_bytes is not None else settings.INGEST_MAX_BYTES
    deadline = time.monotonic() + 2 * timeout
    headers = {"User-Agent": settings.INGEST_USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    seen = {url}
    for _hop in range(settings.INGEST_MAX_REDIRECTS + 1):
        check_url_allowed(current)
        try:
            response = _session().get(
                current,
                headers=headers,
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
            )
        except FetchError as error:
            error.url = error.url or current
            raise
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as error:
            raise PermanentFetchError(f"invalid URL: {error}", url=current) from error
        except requests.Timeout as error:
            raise TransientFetchError(f"timed out: {error}", url=current) from error
        except requests.RequestException as error:
            raise TransientFetchError(f"network error: {error}", url=current) from error
        with response:
            status = response.status_code
            if status in _REDIRECTS and response.headers.get("Location"):
                target = urljoin(current, response.headers["Location"])
                if target in seen:
                    raise PermanentFetchError(f"redirect loop at {target}", url=url, status=status)
                seen.add(target)
                current = target
                continue
            if status == 304:
                return FetchResult(current, status, dict(response.headers), not_modified=True)
            if status >= 400:
                raise FetchError.for_status(status, current)
            if status >= 300:
                raise PermanentFetchError(f"HTTP {status} without a target", url=current)
            content = _read_capped(response, current, max_bytes, deadline)
            return FetchResult(current, status, dict(response.headers), content)
    raise PermanentFetchError(
        f"more than {settings.INGEST_MAX_REDIRECTS} redirects", url=url, status=None
    )


def _read_capped(response, url: str, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"body of {int(declared):,} bytes exceeds {max_bytes:,}", url=url)
    buffer = bytearray()
    try:
        for chunk in response.iter_content(64 * 1024):
            buffer += chunk
            if len(buffer) > max_bytes:
                raise ResponseTooLarge(f"body exceeds {max_bytes:,} bytes", url=url)
            if time.monotonic() > deadline:
                raise TransientFetchError("download took too long", url=url)
    except requests.RequestException as error:
        raise TransientFetchError(f"download failed: {error}", url=url) from error
    return bytes(buffer)


# --- Decoding -------------------------------------------------------------------------------

_WEAK_CHARSETS = {"ascii", "latin_1", "iso8859-1", "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _codec(label: str | None) -> str | None:
    """Python codec for a charset label; EUC-KR labels mean CP949 (its superset), as in browsers."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    if name in {"euc_kr", "cp949", "johab"} or label.lower() in {"x-windows-949", "windows-949"}:
        return "cp949" if name != "johab" else "johab"
    return name


def _try(content: bytes, codec: str | None) -> str | None:
    if not codec:
        return None
    try:
        return content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(content: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Bytes → (text, codec). Order: BOM, HTTP header charset, <meta>/<?xml?> declaration,
    UTF-8, charset-normalizer's detection. A declared charset whose decoding fails is skipped;
    a "latin-1" header (the old HTTP default, often wrong) is only believed after the page's own
    declaration. EUC-KR is decoded as CP949 so that every Hangul syllable comes out."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, errors="replace"), codec
    header = _codec(header_charset)
    head = content[:4096]
    declared_match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    declared = _codec(declared_match.group(1).decode("ascii", "ignore")) if declared_match else None
    order = []
    if header and header not in _WEAK_CHARSETS:
        order.append(header)
    order.append(declared)
    order.append("utf-8")
    for codec in order:
        text = _try(content, codec)
        if text is not None:
            return text, codec
    best = charset_normalizer.from_bytes(content).best()
    if best is not None and best.encoding:
        codec = _codec(best.encoding) or best.encoding
        text = _try(content, codec)
        if text is not None:
            return text, codec
    if header:
        text = _try(content, header)
        if text is not None:
            return text, header
    return content.decode("utf-8", errors="replace"), "utf-8"


# --- Sanitising and extraction --------------------------------------------------------------

_BLOCK_END = re.compile(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/tr|/blockquote)\s*>")
_HSPACE = re.compile(r"[ \t\u00a0\u3000]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def html_to_text(value: str, *, single_line: bool = False) -> str:
    """Plain text from HTML or text: tags, scripts and styles removed, entities decoded.

    nh3 (ammonia) does the stripping; script/style contents are dropped with their tags.
    """
    if not value:
        return ""
    value = _BLOCK_END.sub("\n", value)
    text = html.unescape(nh3.clean(value, tags=set()))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        return _HSPACE.sub(" ", text.replace("\n", " ")).strip()
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


@dataclass
class ExtractedArticle:
    title: str
    text: str
    published_at: dt.datetime | None = None
    byline: str = ""


def extract_article(page_html: str, *, url: str = "") -> ExtractedArticle:
    """Main text and metadata of an article page (trafilatura); empty text if none was found."""
    try:
        document = trafilatura.bare_extraction(
            page_html,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
        )
    except Exception as error:  # trafilatura/lxml raise many kinds on broken markup
        logger.warning("extraction failed for %s: %s", url, error)
        document = None
    if document is None:
        return ExtractedArticle(title=_html_title(page_html), text="")
    title = html_to_text(getattr(document, "title", "") or "", single_line=True)
    title = title or _html_title(page_html)
    text = html_to_text(getattr(document, "text", "") or "")
    lines = text.split("\n")
    if title and lines and lines[0].strip() == title:
        text = "\n".join(lines[1:]).strip()
    return ExtractedArticle(
        title=title,
        text=text,
        published_at=_parse_datetime(getattr(document, "date", None)),
        byline=html_to_text(getattr(document, "author", "") or "", single_line=True),
    )


def _html_title(page_html: str) -> str:
    match = re.search(r"(?is)<title[^>]*>(.*?)</title>", page_html[:100_000])
    return html_to_text(match.group(1), single_line=True) if match else ""


def _parse_datetime(value: Any) -> dt.datetime | None:
    """ISO date/datetime (also "2025.06.10", "2025-06-10 09:30"); naive values are Seoul time."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(0, 0))
    else:
        text = str(value).strip().replace(".", "-").replace("/", "-")
        text = re.sub(r"-+$", "", text)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"not a date: {value!r}") from error
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=SEOUL)
    return parsed


# --- Near-duplicates (wire copies) ----------------------------------------------------------

SHINGLE_CHARS = 5
SIGNATURE_BANDS = 20
SIGNATURE_ROWS = 3
MIN_SHINGLES = 80
NEAR_DUPLICATE_JACCARD = 0.5
NEAR_DUPLICATE_CONTAINMENT = 0.8
NEAR_DUPLICATE_WINDOW = dt.timedelta(days=7)
_NON_WORD = re.compile(r"[\W_]+")
_MIX = 0x9E3779B1


def content_hash(normalized_text: str) -> str:
    """The identity of an article's text: the same normalized body is the same article."""
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()


def _shingles(text: str) -> set[int]:
    """Character 5-grams of the text without spaces or punctuation (robust to re-spacing)."""
    key = _NON_WORD.sub("", (text or "").lower())
    return {
        zlib.crc32(key[i : i + SHINGLE_CHARS].encode("utf-8"))
        for i in range(max(0, len(key) - SHINGLE_CHARS + 1))
    }


def similarity_keys(text: str) -> list[str]:
    """MinHash (one-permutation, binned) LSH band keys; none for short texts.

    Two texts share a band key with probability ≈ 1-(1-J³)²⁰ for shingle Jaccard J: 0.93 at
    J=0.5, 0.15 at J=0.2. Candidates are then verified on the real shingle sets.
    """
    shingles = _shingles(text)
    if len(shingles) < MIN_SHINGLES:
        return []
    bins = SIGNATURE_BANDS * SIGNATURE_ROWS
    minimum = [None] * bins
    for value in shingles:
        b = ((value * _MIX) & 0xFFFFFFFF) % bins
        if minimum[b] is None or value < minimum[b]:
            minimum[b] = value
    keys = []
    for band in range(SIGNATURE_BANDS):
        rows = minimum[band * SIGNATURE_ROWS : (band + 1) * SIGNATURE_ROWS]
        if any(r is None for r in rows):
            continue
        digest = zlib.crc32(",".join(map(str, rows)).encode("ascii"))
        keys.append(f"{band}:{digest:08x}")
    return keys


def index_similarity_keys(article: Article, keys: list[str]) -> None:
    """Store an article's band keys in the indexed table that find_original looks up."""
    SimilarityKey.objects.bulk_create(
        [SimilarityKey(article=article, key=key) for key in keys], ignore_conflicts=True
    )


def _is_near_copy(a: set[int], b: set[int]) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    jaccard = common / len(a | b)
    containment = common / min(len(a), len(b))
    return jaccard >= NEAR_DUPLICATE_JACCARD or containment >= NEAR_DUPLICATE_CONTAINMENT


def find_original(
    *,
    text: str,
    keys: list[str],
    published_at: dt.datetime | None,
    before_pk: int | None = None,
    exclude_pk: int | None = None,
) -> Article | None:
    """The earliest stored article (not itself a copy) of which ``text`` is a near copy."""
    if not keys:
        return None
    around = published_at or timezone.now()
    window = Q(published_at__range=(around - NEAR_DUPLICATE_WINDOW, around + NEAR_DUPLICATE_WINDOW))
    if published_at is None:
        window |= Q(
            published_at__isnull=True, fetched_at__gte=timezone.now() - 2 * NEAR_DUPLICATE_WINDOW
        )
    candidates = Article.objects.filter(
        window,
        pk__in=SimilarityKey.objects.filter(key__in=keys).values("article_id"),
        duplicate_of__isnull=True,
    )
    if before_pk is not None:
        candidates = candidates.filter(pk__lt=before_pk)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    mine = _shingles(text)
    for candidate in candidates.order_by("pk").only("pk", "normalized_body", "body")[:50]:
        if _is_near_copy(mine, _shingles(candidate.normalized_body or candidate.body)):
            return candidate
    return None


# --- Storing --------------------------------------------------------------------------------


@dataclass
class StoreResult:
    article: Article
    created: bool
    reason: str  # "new", "copy" (near-duplicate stored and linked), "same_url", "same_content"

    @property
    def needs_match(self) -> bool:
        """Match new originals, and old rows never matched (a crash between store and match)."""
        return self.article.duplicate_of_id is None and self.article.matched_at is None


def _clip(value: str, limit: int) -> str:
    return (value or "")[:limit]


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
    title = _clip(html_to_text(title, single_line=True), 500)
    body = html_to_text(body)
    if not body:
        raise ExtractionError("no article text", url=url)
    canonical = canonicalize_url(url) if url else None
    if canonical and len(canonical) > 1000:
        raise IngestError("URL longer than 1000 characters", url=url)
    normalized = normalize_text(body)
    digest = content_hash(normalized)
    published = _parse_datetime(published_at)
    keys = similarity_keys(normalized)
    original = find_original(text=normalized, keys=keys, published_at=published)
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
    return StoreResult(article, True, "copy" if original else "new")


def link_if_copy(article: Article) -> bool:
    """Second look for a wire copy, among articles stored before it (closes the race of two
    copies stored at the same moment). A copy's machine suggestions are withdrawn."""
    if article.duplicate_of_id:
        return True
    text = article.normalized_body or article.body
    keys = similarity_keys(text)
    original = find_original(
        text=text, keys=keys, published_at=article.published_at, before_pk=article.pk
    )
    if original is None:
        return False
    with transaction.atomic():
        Article.objects.filter(pk=article.pk, duplicate_of__isnull=True).update(
            duplicate_of=original
        )
        Evidence.objects.filter(
            article=article, state=ReviewState.SUGGESTED, method=MatchMethod.AUTO
        ).delete()
    article.duplicate_of = original
    return True


# --- Matching stored articles ---------------------------------------------------------------


def match_stored_article(article_id: int) -> int:
    """Link a wire copy or match an article into the review queue. Returns suggestions made."""
    from pledges.matching import suggest_evidence_for_article

    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    if link_if_copy(article):
        Article.objects.filter(pk=article.pk).update(matched_at=timezone.now())
        return 0
    return len(suggest_evidence_for_article(article=article))


def rematch_articles(
    *,
    pledge_slugs: Iterable[str] | None = None,
    since: dt.datetime | None = None,
    progress=None,
) -> tuple[int, int]:
    """Match recent articles again (all pledges, or only these). Reviewed evidence stays as it
    is. Returns (articles matched, suggestions now standing)."""
    from pledges.matching import current_specs, suggest_evidence_for_article

    pledges = Pledge.objects.select_related("jurisdiction").order_by("code")
    slugs = None
    if pledge_slugs is not None:
        slugs = list(pledge_slugs)
        pledges = pledges.filter(slug__in=slugs)
    specs = current_specs(list(pledges))
    if not specs:
        return 0, 0
    articles = Article.objects.filter(duplicate_of__isnull=True)
    if since is not None:
        articles = articles.filter(
            Q(published_at__gte=since) | Q(published_at__isnull=True, fetched_at__gte=since)
        )
    done = suggestions = 0
    for article in articles.order_by("pk").iterator(chunk_size=200):
        suggestions += len(
            suggest_evidence_for_article(article=article, specs=specs, only_slugs=slugs)
        )
        done += 1
        if progress:
            progress(done)
    return done, suggestions


# --- Single URLs ----------------------------------------------------------------------------


def _is_html(result: FetchResult) -> bool:
    if result.content_type in HTML_TYPES:
        return True
    if result.content_type:
        return False
    head = result.content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def ingest_url(
    url: str,
    *,
    source: Source | None = None,
    hints: Mapping[str, Any] | None = None,
    skip_known: bool = True,
) -> StoreResult:
    """Fetch an article page and store it (exactly once).

    ``hints`` come from a feed entry (title, summary, published, author, outlet): the summary is
    the fallback text when the page yields none; the feed's date wins over the page's. Raises
    FetchError (transient or permanent) or ExtractionError.
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
    result = fetch(url)
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
    published = hints.get("published") or extracted.published_at
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


# --- Feeds ----------------------------------------------------------------------------------


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
    logger.warning(
        "feed %s failed %d time(s) in a row: %s", source, source.consecutive_failures, error
    )
    return source


def record_poll_success(source_id: int, *, etag: str | None, last_modified: str | None) -> None:
    source = Source.objects.get(pk=source_id)
    values: dict[str, Any] = {
        "last_success_at": timezone.now(),
        "consecutive_failures": 0,
        "next_poll_at": timezone.now() + _backoff(source, 0),
    }
    if etag is not None:
        values["etag"] = etag[:300]
    if last_modified is not None:
        values["last_modified"] = last_modified[:100]
    Source.objects.filter(pk=source_id).update(**values)


def record_article_failure(source_id: int | None, url: str, error: Exception) -> None:
    """An article of a source could not be ingested: kept in the source's error log."""
    logger.warning("could not ingest %s: %s", url, error)
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
    """Fetch a source's feed (conditionally, with its ETag/Last-Modified unless ``force``) and
    list its entries. Success and failure are recorded on the source; never raises for a
    fetch or feed error (it is in ``FeedPoll.error`` and on the source)."""
    source = Source.objects.get(pk=source_id)
    poll = FeedPoll(source_id=source_id)
    if not source.feed_url:
        poll.error = IngestError("source has no feed URL")
        record_poll_failure(source_id, poll.error)
        return poll
    try:
        result = fetch(
            source.feed_url,
            accept=FEED_ACCEPT,
            etag="" if force else source.etag,
            last_modified="" if force else source.last_modified,
        )
        if result.not_modified:
            poll.not_modified = True
            record_poll_success(source_id, etag=None, last_modified=None)
            return poll
        feed = parse_feed(result.content, url=result.url, content_type=result.content_type)
    except IngestError as error:
        poll.error = error
        record_poll_failure(source_id, error)
        return poll
    poll.entries = feed.entries
    known = set(
        Article.objects.filter(
            canonical_url__in=[_safe_canonical(e.url) for e in feed.entries]
        ).values_list("canonical_url", flat=True)
    )
    seen: set[str] = set()
    for entry in feed.entries:
        key = _safe_canonical(entry.url)
        if key and key not in known and key not in seen:
            seen.add(key)
            poll.new_entries.append(entry)
    record_poll_success(
        source_id,
        etag=result.headers.get("ETag", ""),
        last_modified=result.headers.get("Last-Modified", ""),
    )
    return poll


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
    """The Source polling this feed URL, created on first use (kind feed)."""
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


# --- Statistics for commands ----------------------------------------------------------------


@dataclass
class IngestStats:
    fetched: int = 0
    new: int = 0
    copies: int = 0
    duplicate: int = 0
    failed: int = 0
    matched: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, result: StoreResult) -> None:
        if result.created and result.reason == "copy":
            self.copies += 1
        elif result.created:
            self.new += 1
        else:
            self.duplicate += 1

    def fail(self, what: str, error: Exception) -> None:
        self.failed += 1
        self.errors.append(f"{what}: {error}")

    def line(self) -> str:
        return (
            f"fetched {self.fetched}, new {self.new}, duplicate {self.duplicate} "
            f"(+{self.copies} wire copies), failed {self.failed}, matched {self.matched}"
        )


# --- Newspaper pages ------------------------------------------------------------------------


def ingest_page(
    *,
    text: str,
    outlet: str,
    published: dt.date | str,
    source: Source | None = None,
) -> list[StoreResult]:
    """Split a PDF-extracted newspaper page into its articles and store each (no URL).

    Photo items (a caption and a one-line headline) are not articles and are skipped. The
    publication time is 05:00 Seoul time of the print date. Re-ingesting a page changes nothing.
    """
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    if source is None:
        source = Source.objects.filter(name=outlet).first()
        if source is None:
            try:
                with transaction.atomic():
                    source = Source.objects.create(name=outlet[:100], kind=Source.Kind.PRINT)
            except IntegrityError:
                source = Source.objects.get(name=outlet[:100])
    published_at = dt.datetime.combine(published, dt.time(5, 0), tzinfo=SEOUL)
    results = []
    for item in split_newspaper_page(text):
        if item.kind != "article" or not item.body.strip():
            continue
        results.append(
            store_article(
                title=item.title,
                body=item.body,
                outlet=outlet,
                source=source,
                published_at=published_at,
                byline=item.byline,
            )
        )
    return results


# --- Bulk import ----------------------------------------------------------------------------

IMPORT_FIELDS = ("url", "title", "text", "published", "outlet")


@dataclass
class RowError:
    line: int
    reason: str
    raw: str


@dataclass
class ImportReport:
    results: list[StoreResult] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def _rows(content: str, fmt: str) -> Iterator[tuple[int, dict | None, str, str]]:
    """(line number, row or None, raw text, error) for each non-blank record."""
    if fmt == "jsonl":
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                yield number, None, line, f"invalid JSON ({error})"
                continue
            if not isinstance(row, dict):
                yield number, None, line, "not a JSON object"
                continue
            yield number, row, line, ""
        return
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = [f for f in ("text",) if f not in (reader.fieldnames or [])]
    if missing:
        yield 1, None, ",".join(reader.fieldnames or []), f"CSV header lacks {', '.join(missing)}"
        return
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, None, "", f"unreadable CSV ({error})"
            continue
        raw = ",".join(str(v) for v in row.values() if v is not None)
        if None in row:
            yield start, None, raw, "more fields than the header"
            continue
        yield start, row, raw, ""


def import_articles(
    file: str | Path | IO[bytes] | bytes,
    *,
    fmt: str | None = None,
    source: Source | None = None,
    outlet: str = "",
    on_stored=None,
) -> ImportReport:
    """Store articles from a JSON-lines or CSV file with url, title, text, published, outlet.

    Bad rows (invalid JSON, no text, bad date, bad URL) are reported with their line number and
    raw content; the other rows are stored. Each row is its own transaction. The file may be
    UTF-8 or CP949 (Excel in Korea), detected like a web page. ``on_stored`` is called with
    each StoreResult (used to enqueue matching).
    """
    name = ""
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str | Path):
        name = str(file)
        data = Path(file).read_bytes()
    else:
        name = getattr(file, "name", "") or ""
        data = file.read()
    content, _codec_used = decode_bytes(data)
    if fmt is None:
        stripped = content.lstrip()
        fmt = (
            "jsonl"
            if name.endswith((".jsonl", ".json", ".ndjson")) or stripped[:1] == "{"
            else "csv"
        )
    report = ImportReport()
    for number, row, raw, problem in _rows(content, fmt):
        report.rows += 1
        if row is None:
            report.errors.append(RowError(number, problem, raw))
            continue
        try:
            text = str(row.get("text") or "")
            if not text.strip():
                raise ValueError("no text")
            url = str(row.get("url") or "").strip()
            if url:
                canonicalize_url(url)
            result = store_article(
                title=str(row.get("title") or ""),
                body=text,
                url=url,
                outlet=str(row.get("outlet") or "") or outlet,
                source=source,
                published_at=_parse_datetime(row.get("published") or None),
            )
        except (ValueError, IngestError) as error:
            report.errors.append(RowError(number, str(error), raw))
            continue
        report.results.append(result)
        if on_stored is not None:
            on_stored(result)
    return report
