"""Open-data exports (rooms: spec, glossary, tables, writers, xlsx, prepare, schema, page, views,
urls): the public tables as streamed CSV or JSON and bounded-memory XLSX, for spreadsheets and
notebooks, and the page that documents them.

One definition per table (its columns, their meaning and the query that yields its rows) serves
the HTTP endpoint (`/export/<table>.<format>`), the `export` management command and the README,
so the same filters give the same bytes everywhere.

- Pledges are chosen with `PledgeFilter`, the list page's own FilterSet, so a page and its download
  link agree; child tables are restricted to those pledges and may add a range on their own date.
- Only public data: published pledges, confirmed evidence, confirmed budget figures. Editors may
  add suggested evidence and figures (`include_suggested`).
- Constant memory: rows come from a server-side cursor (`.iterator(chunk_size=…)`) and leave as
  ~64 KiB byte chunks; nothing holds all rows.
- CSV is Excel-friendly by default (UTF-8 BOM, CRLF, RFC 4180 quoting) and neutralises formula
  injection in text cells; JSON is an array of objects, one per line, UTF-8, numbers as numbers.
"""

from pledges.exports.page import download_links, export_page, file_url
from pledges.exports.prepare import (
    CONTROL_PARAMETERS,
    Export,
    ExportOptions,
    filter_parameters,
    get_table,
    parse_options,
    prepare_export,
)
from pledges.exports.schema import data_dictionary, json_schema
from pledges.exports.spec import FORMATS, Column, ExportError, ExportStats, ExportTable
from pledges.exports.tables import TABLES, evidence_queryset
from pledges.exports.writers import stream_csv, stream_json

__all__ = [
    "CONTROL_PARAMETERS",
    "FORMATS",
    "TABLES",
    "Column",
    "Export",
    "ExportError",
    "ExportOptions",
    "ExportStats",
    "ExportTable",
    "data_dictionary",
    "download_links",
    "evidence_queryset",
    "export_page",
    "file_url",
    "filter_parameters",
    "get_table",
    "json_schema",
    "parse_options",
    "prepare_export",
    "stream_csv",
    "stream_json",
]
