"""CSV and JSON writers (XLSX: exports/xlsx.py): streamed in ~64 KiB chunks, Excel-friendly CSV, formula-safe cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils import timezone

from pledges.exports.glossary import header
from pledges.exports.spec import (
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    TEXT,
    Column,
    ExportStats,
)

FLUSH_CHARS = 64 * 1024  # characters buffered before a chunk is handed to the client
BOM = "\ufeff".encode()
# Spreadsheets run a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _seoul_datetime(value: dt.datetime) -> str:
    return timezone.localtime(value, timezone.get_default_timezone()).isoformat(timespec="seconds")


def _decimal(value: float) -> float:
    return round(value, 4)


def _neutralise(value: str) -> str:
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_formatter(kind: str) -> Callable[[Any], Any] | None:
    """How a non-empty value of this kind is written into a CSV cell; None: as it is."""
    return {
        TEXT: _neutralise,
        INTEGER: None,
        DECIMAL: lambda v: f"{v:.4f}".rstrip("0").rstrip(".") if isinstance(v, float) else v,
        BOOLEAN: lambda v: "true" if v else "false",
        DATE: dt.date.isoformat,
        DATETIME: _seoul_datetime,
    }[kind]


def _json_formatter(kind: str) -> Callable[[Any], Any] | None:
    return {
        TEXT: None,
        INTEGER: None,
        DECIMAL: _decimal,
        BOOLEAN: bool,
        DATE: dt.date.isoformat,
        DATETIME: _seoul_datetime,
    }[kind]


def _row_formatter(
    columns: Iterable[Column], formatter_for: Callable[[str], Callable | None]
) -> Callable[[tuple], list]:
    formatters = [formatter_for(c.kind) for c in columns]
    if all(f is None for f in formatters):
        return list
    plan = [(i, f) for i, f in enumerate(formatters) if f is not None]

    def format_row(row: tuple) -> list:
        values = list(row)
        for i, f in plan:
            value = values[i]
            if value is not None:
                values[i] = f(value)
        return values

    return format_row


def _csv_writer(buffer: io.StringIO):
    return csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def csv_header(columns: Iterable[Column], *, bom: bool = True, korean: bool = False) -> bytes:
    """The first bytes of every CSV export: the BOM (unless `bom=False`) and the header line,
    with the English column names or (`korean=True`, `?headers=ko`) the Korean ones."""
    buffer = io.StringIO()
    _csv_writer(buffer).writerow([header(c, korean=korean) for c in columns])
    return (BOM if bom else b"") + buffer.getvalue().encode("utf-8")


def stream_csv(
    columns: Iterable[Column],
    rows: Iterable[tuple],
    *,
    bom: bool = True,
    korean: bool = False,
    stats: ExportStats | None = None,
) -> Iterator[bytes]:
    """RFC 4180 CSV in UTF-8 (with a BOM unless `bom=False`), CRLF line ends, header first.

    Text cells that a spreadsheet would run as a formula get a leading `'`; numbers never do.
    The header is yielded at once, then chunks of about FLUSH_CHARS characters.
    """
    columns = tuple(columns)
    stats = stats if stats is not None else ExportStats()
    format_row = _row_formatter(columns, _csv_formatter)
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    yield csv_header(columns, bom=bom, korean=korean)
    count = 0
    for row in rows:
        writer.writerow(format_row(row))
        count += 1
        if buffer.tell() >= FLUSH_CHARS:
            stats.rows = count
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    stats.rows = count
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def stream_json(
    columns: Iterable[Column], rows: Iterable[tuple], *, stats: ExportStats | None = None
) -> Iterator[bytes]:
    """A JSON array of objects, one object per line, keys in column order, UTF-8 (no BOM)."""
    columns = tuple(columns)
    names = [c.name for c in columns]
    stats = stats if stats is not None else ExportStats()
    format_row = _row_formatter(columns, _json_formatter)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    yield b"["
    parts: list[str] = []
    size = 0
    count = 0
    separator = "\n"
    for row in rows:
        text = separator + dumps(dict(zip(names, format_row(row), strict=True)))
        separator = ",\n"
        parts.append(text)
        size += len(text)
        count += 1
        if size >= FLUSH_CHARS:
            stats.rows = count
            yield "".join(parts).encode("utf-8")
            parts.clear()
            size = 0
    stats.rows = count
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")
