"""The XLSX writer: a workbook a newsroom opens as it comes, built in bounded memory.

XlsxWriter in `constant_memory` mode writes each row out to a temporary file as soon as the next
one starts and keeps strings inline (no shared-string table), so memory does not grow with the
rows; the workbook itself is assembled in a temporary file on disk. An XLSX is a zip whose
directory comes last, so nothing can be sent before it is complete: the view builds it first, and
a failure (or too many rows for a worksheet) is still an HTTP error, not a truncated file.

- Amounts in won are numbers formatted `#,##0`, with an "억 원" column beside each.
- Dates are dates, times are Seoul wall-clock times (Excel has no time zones), booleans booleans.
- Text is always written with `write_string`: a cell holding `=HYPERLINK(…)` stays text, never a
  formula; URLs stay plain text too.
- The header row is bold and frozen; `korean=True` writes the Korean headers.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from typing import IO

import xlsxwriter
from django.utils import timezone

from pledges.exports.glossary import eok_header, header, is_krw
from pledges.exports.spec import (
    BOOLEAN,
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    Column,
    ExportError,
    ExportStats,
)

MAX_DATA_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header
EOK = 100_000_000  # 1억 원
CHUNK_BYTES = 64 * 1024
_WIDTHS = {DATE: 11, DATETIME: 19, INTEGER: 14, DECIMAL: 10, BOOLEAN: 8}


def write_xlsx(
    columns: Iterable[Column],
    rows: Iterable[tuple],
    target: IO[bytes],
    *,
    sheet_name: str,
    created: dt.date,
    korean: bool = False,
    stats: ExportStats | None = None,
) -> None:
    """Write `rows` as one worksheet to the binary file `target`. `created` (the export's
    day, as in its file name) is the workbook's only date, so the same rows give the same bytes.

    Raises ExportError when the rows do not fit in a worksheet (nothing useful is written then).
    """
    columns = tuple(columns)
    stats = stats if stats is not None else ExportStats()
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "tmpdir": tempfile.gettempdir(),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "use_zip64": True,
        },
    )
    workbook.set_properties(
        {
            "title": f"Pledge Tracker: {sheet_name}",
            "created": dt.datetime.combine(created, dt.time(), tzinfo=dt.UTC),
        }
    )
    try:
        _write_sheet(workbook, columns, rows, sheet_name=sheet_name, korean=korean, stats=stats)
    finally:
        workbook.close()


def _write_sheet(workbook, columns, rows, *, sheet_name, korean, stats) -> None:
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    formats = {
        "krw": workbook.add_format({"num_format": "#,##0"}),
        "eok": workbook.add_format({"num_format": "#,##0"}),
        "eok_fraction": workbook.add_format({"num_format": "#,##0.####"}),
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        DECIMAL: workbook.add_format({"num_format": "0.0000"}),
    }
    # Each spec column becomes one cell writer, amounts two (won, then 억 원).
    writers = []
    headers: list[str] = []
    for column in columns:
        headers.append(header(column, korean=korean))
        if is_krw(column):
            headers.append(eok_header(column, korean=korean))
            writers.append(_krw_writer(formats))
        else:
            writers.append(_cell_writer(column.kind, formats))
    for index, text in enumerate(headers):
        width = max(len(text) + 2, 10)
        sheet.set_column(index, index, min(width, 40))
        sheet.write_string(0, index, text, bold)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, 0, len(headers) - 1)
    seoul = timezone.get_default_timezone()
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > MAX_DATA_ROWS:
            raise ExportError(
                f"More than {MAX_DATA_ROWS:,} rows do not fit in one XLSX worksheet; "
                "download the CSV or narrow the filters."
            )
        col = 0
        for write, value in zip(writers, row, strict=True):
            col = write(sheet, count, col, value, seoul)
        stats.rows = count
    stats.rows = count


def _krw_writer(formats):
    def write(sheet, row, col, value, seoul):
        if value is None:
            return col + 2
        sheet.write_number(row, col, value, formats["krw"])
        eok = value / EOK
        fmt = formats["eok"] if value % EOK == 0 else formats["eok_fraction"]
        sheet.write_number(row, col + 1, eok, fmt)
        return col + 2

    return write


def _cell_writer(kind: str, formats):
    def write(sheet, row, col, value, seoul):
        if value is None or value == "":
            return col + 1
        if kind in (INTEGER, DECIMAL):
            sheet.write_number(row, col, value, formats.get(kind))
        elif kind == BOOLEAN:
            sheet.write_boolean(row, col, bool(value))
        elif kind == DATE:
            sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), formats[DATE])
        elif kind == DATETIME:
            local = timezone.localtime(value, seoul).replace(tzinfo=None)
            sheet.write_datetime(row, col, local, formats[DATETIME])
        else:
            sheet.write_string(row, col, str(value))
        return col + 1

    return write


def xlsx_file(
    columns: Iterable[Column],
    rows: Iterable[tuple],
    *,
    sheet_name: str,
    created: dt.date,
    korean: bool = False,
    stats: ExportStats | None = None,
) -> IO[bytes]:
    """The finished workbook in an anonymous temporary file, positioned at its start (the
    caller closes it; the file disappears then)."""
    target = tempfile.TemporaryFile()
    try:
        write_xlsx(
            columns,
            rows,
            target,
            sheet_name=sheet_name,
            created=created,
            korean=korean,
            stats=stats,
        )
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def read_chunks(file: IO[bytes]):
    """The file's bytes in CHUNK_BYTES pieces; closes it at the end."""
    with file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
