"""Articles that arrive without a crawl: newspaper pages (PDF text) and bulk files (JSONL/CSV).

Both only store; matching is the pipeline's next step (``on_stored`` is called per article).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import DataError, IntegrityError, transaction

from pledges.ingest.errors import IngestError
from pledges.ingest.http import canonicalize_url
from pledges.ingest.store import StoreResult, store_article
from pledges.ingest.text import SEOUL, decode_text_file, parse_datetime, without_nul
from pledges.korean.pages import split_newspaper_page
from pledges.models import Source


def store_newspaper_page(
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
    outlet = without_nul(outlet).strip()
    if not outlet:
        raise IngestError("a newspaper page needs its outlet")
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


# --- Bulk files ------------------------------------------------------------------------------

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


def store_article_file(
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
    content = decode_text_file(data, what="article file")
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
            # A savepoint per row: a value the database refuses fails this row only.
            with transaction.atomic():
                result = store_article(
                    title=str(row.get("title") or ""),
                    body=text,
                    url=url,
                    outlet=str(row.get("outlet") or "") or outlet,
                    source=source,
                    published_at=parse_datetime(row.get("published") or None),
                )
        except (ValueError, IngestError, DataError) as error:
            report.errors.append(RowError(number, str(error).strip()[:500], raw))
            continue
        report.results.append(result)
        if on_stored is not None:
            on_stored(result)
    return report
