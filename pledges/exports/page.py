"""What the /export/ page shows, made from the table specs so the page cannot drift from the files:
every table and column (meaning, unit, example, Korean header), the accepted filter values, and
download links that carry the filters of the request."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext, override

from pledges.exports.glossary import example, korean_header, unit
from pledges.exports.prepare import (
    CONTROL_PARAMETERS,
    filter_parameters,
    parse_options,
    prepare_export,
)
from pledges.exports.spec import FORMATS, Column, ExportError, ExportTable
from pledges.exports.tables import TABLES
from pledges.filters import fixed_choices

# Parameters of the page itself that no download takes.
PAGE_PARAMETERS = ("format",)


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    korean: str
    kind: str
    meaning: str
    unit: str
    example: str


@dataclass(frozen=True)
class TableDoc:
    name: str
    description: str
    columns: list[ColumnDoc]
    links: dict[str, str]  # format → URL with the filters
    schema_url: str


@dataclass(frozen=True)
class ParameterDoc:
    name: str
    label: str
    values: list[tuple[str, str]]  # (code, label as pages show it)


def file_url(table: str, fmt: str, query: QueryDict | None = None) -> str:
    """A download's address: one per file whatever the page's language (Korean URLs at the
    root), with the filters this table accepts."""
    with override("ko"):
        url = reverse("export:table", kwargs={"table": table, "fmt": fmt})
    if not query:
        return url
    accepted = {*filter_parameters(TABLES[table]), "bom", "headers"}
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key in accepted and any(v.strip() for v in values):
            kept.setlist(key, values)
    return f"{url}?{kept.urlencode()}" if kept else url


def download_links(table: str, query: QueryDict | None = None) -> dict[str, str]:
    return {fmt: file_url(table, fmt, query) for fmt in FORMATS}


def _column_doc(column: Column) -> ColumnDoc:
    return ColumnDoc(
        name=column.name,
        korean=korean_header(column),
        kind=column.kind,
        meaning=gettext(column.description),
        unit=str(unit(column)),
        example=example(column),
    )


def _table_doc(table: ExportTable, query: QueryDict) -> TableDoc:
    with override("ko"):
        schema_url = reverse("export:schema", kwargs={"table": table.name})
    return TableDoc(
        name=table.name,
        description=gettext(table.description),
        columns=[_column_doc(c) for c in table.columns],
        links=download_links(table.name, query),
        schema_url=schema_url,
    )


def parameter_docs() -> list[ParameterDoc]:
    """Every filter parameter, with the values a choice accepts (code and label)."""
    docs = []
    for name, flt in filter_parameters().items():
        values = [(str(code), str(label)) for code, label in fixed_choices(flt) or []]
        docs.append(ParameterDoc(name=name, label=str(flt.label), values=values))
    return docs


def export_page(query: QueryDict) -> dict:
    """The page's context. An invalid filter is reported (`error`), never silently dropped."""
    query = query.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    error = ""
    filters = QueryDict()
    try:
        options = parse_options(query)
        filters = options.filters
        # Validate against every table's parameters: the page lists them all.
        for table in TABLES.values():
            accepted = filter_parameters(table)
            prepare_export(table.name, {k: filters.getlist(k) for k in filters if k in accepted})
        unknown = sorted(set(filters) - set(filter_parameters()))
        if unknown:
            raise ExportError(
                f"Unknown parameter(s): {', '.join(unknown)}. "
                f"Accepted: {', '.join([*filter_parameters(), *CONTROL_PARAMETERS])}."
            )
    except ExportError as exc:
        error = str(exc)
    korean_headers = query.get("headers", "").strip().lower() == "ko"
    with_filters = query if not error else QueryDict()
    active = [(k, v) for k, values in filters.lists() for v in values if v.strip()]
    toggled = query.copy()
    toggled["headers"] = "en" if korean_headers else "ko"
    return {
        "tables": [_table_doc(t, with_filters) for t in TABLES.values()],
        "parameters": parameter_docs(),
        "active_filters": active if not error else [],
        "error": error,
        "korean_headers": korean_headers,
        "headers_toggle_query": toggled.urlencode(),
        "formats": list(FORMATS),
    }
