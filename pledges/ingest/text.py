"""Bytes → text: decoding (header, meta, detection; EUC-KR read as CP949), sanitising HTML to
plain text with nh3, extracting an article page's main text with trafilatura, reading dates."""

from __future__ import annotations

import codecs
import datetime as dt
import html
import logging
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import charset_normalizer
import nh3
import trafilatura
from django.utils import timezone

from pledges.ingest.errors import UnsupportedContent

logger = logging.getLogger(__name__)


SEOUL = ZoneInfo("Asia/Seoul")


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


def without_nul(value: str) -> str:
    """The text without NUL characters, which PostgreSQL cannot store in a text column."""
    return value.replace("\x00", "") if value else value


def html_to_text(value: str, *, single_line: bool = False) -> str:
    """Plain text from HTML or text: tags, scripts and styles removed, entities decoded.

    nh3 (ammonia) does the stripping; script/style contents are dropped with their tags.
    """
    if not value:
        return ""
    value = _BLOCK_END.sub("\n", without_nul(value))
    text = without_nul(html.unescape(nh3.clean(value, tags=set())))  # "&#0;" decodes to NUL
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
        published_at=parse_datetime_or_none(getattr(document, "date", None)),
        byline=html_to_text(getattr(document, "author", "") or "", single_line=True),
    )


def warm_up_date_parser() -> None:
    """Compile once what trafilatura's date search (htmldate → dateparser) compiles lazily: the
    word patterns of dateparser's ~200 locales, about 4 s of CPU. Left to the articles, a
    fresh worker process pays it in its first few pages (seconds each, ~16 ms per article
    over a 300-article profile). A worker calls this before its pool forks, so the children
    share the compiled patterns. A text that no locale reads makes dateparser try them all."""
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("10 qqqzx 2025")


def _html_title(page_html: str) -> str:
    match = re.search(r"(?is)<title[^>]*>(.*?)</title>", page_html[:100_000])
    return html_to_text(match.group(1), single_line=True) if match else ""


# A publication date outside these years is a typo or a placeholder (9999-12-31, 0001-01-01),
# and near the ends of the calendar date arithmetic overflows.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def parse_datetime_or_none(value: Any) -> dt.datetime | None:
    """``parse_datetime``, with None for a value that is no usable date (a page's metadata)."""
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def parse_datetime(value: Any) -> dt.datetime | None:
    """ISO date/datetime (also "2025.06.10", "2025-06-10 09:30"); naive values are Seoul time.

    Raises ValueError for text that is no date and for years outside 1900–2100."""
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
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise ValueError(
            f"not a publication date: {value!r} (years {EARLIEST_YEAR}–{LATEST_YEAR} only)"
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=SEOUL)
    return parsed


# --- Text files (newspaper pages, bulk imports) ----------------------------------------------

_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def decode_text_file(data: bytes, *, what: str = "file") -> str:
    """A text file's bytes → text, refusing binary files (PDF, images, archives) with a clear
    error instead of storing replacement characters: NUL bytes outside UTF-16, text that no
    codec decodes, or more than 1 % control characters."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    hint = " (a PDF? extract its text first, e.g. with pdftotext)" if data[:5] == b"%PDF-" else ""
    if b"\x00" in data[:65536] and not utf16:
        raise UnsupportedContent(f"not a text {what}: it holds binary data{hint}")
    text, _codec_used = decode_bytes(data)
    sample = text[:65536]
    replaced = sample.count("\ufffd")
    controls = sum(1 for ch in sample if ch < " " and ch not in _TEXT_CONTROLS)
    if sample and (replaced + controls) > len(sample) / 100:
        raise UnsupportedContent(f"not a text {what}: it is not readable as text{hint}")
    return text
