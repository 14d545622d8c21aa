"""Preparing an export from a request: validate every parameter before the first byte is sent,
choose the pledges with the list page's own FilterSet, and stream the chosen table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation

from pledges import selectors
from pledges.exports.copy import copy_applies, stream_csv_copy
from pledges.exports.spec import FORMATS, ExportError, ExportStats, ExportTable
from pledges.exports.tables import TABLES
from pledges.exports.writers import stream_csv, stream_json
from pledges.exports.xlsx import read_chunks, xlsx_file
from pledges.filters import PledgeFilter, fixed_choices

CONTROL_PARAMETERS = ("bom", "include", "headers")
HEADER_LANGUAGES = ("en", "ko")


@dataclass
class Export:
    """One prepared export: a table, the chosen pledges and the child table's own filters."""

    table: ExportTable
    pledges: QuerySet
    own_filters: Mapping[str, Any]
    include_suggested: bool = False
    stats: ExportStats = field(default_factory=ExportStats)

    @property
    def evidence_states(self) -> list[str]:
        return selectors.evidence_states(include_suggested=self.include_suggested)

    def own_rows(self, queryset: QuerySet) -> QuerySet:
        """`queryset` limited to the chosen pledges and to the table's own date range."""
        queryset = queryset.filter(pledge__in=self.pledges)
        if self.table.own_filter is None:
            return queryset
        return self.table.own_filter(self.own_filters, queryset=queryset).qs

    def rows(self) -> Iterator[tuple]:
        # One transaction: PostgreSQL then streams from a plain server-side cursor instead of
        # materialising the whole result first (as a WITH HOLD cursor in autocommit would).
        with transaction.atomic():
            yield from self.table.rows(self)

    def stream(self, fmt: str, *, bom: bool = True, korean: bool = False) -> Iterator[bytes]:
        """The file's bytes. `korean`: Korean column names in CSV and XLSX; JSON keeps its
        English keys (they are what programs read). An XLSX is built whole before its first
        byte (see xlsx_file)."""
        if fmt == "csv":
            if copy_applies(self):  # PostgreSQL writes the same bytes, several times faster
                return stream_csv_copy(self, bom=bom, korean=korean)
            return stream_csv(
                self.table.columns, self.rows(), bom=bom, korean=korean, stats=self.stats
            )
        if fmt == "json":
            return stream_json(self.table.columns, self.rows(), stats=self.stats)
        if fmt == "xlsx":
            return self._xlsx_chunks(korean=korean)
        raise ExportError(f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")

    def _xlsx_chunks(self, *, korean: bool) -> Iterator[bytes]:
        yield from read_chunks(self.xlsx_file(korean=korean))

    def xlsx_file(self, *, korean: bool = False) -> IO[bytes]:
        """The finished workbook in a temporary file (bounded memory): built before anything
        is sent, so that a failure is still an error status. ExportError when it has more rows
        than a worksheet holds."""
        return xlsx_file(
            self.table.columns,
            self.rows(),
            sheet_name=self.table.name,
            created=timezone.localdate(),
            korean=korean,
            stats=self.stats,
        )

    def filename(self, fmt: str, on: dt.date | None = None) -> str:
        day = on or timezone.localdate()
        return f"pledge-tracker-{self.table.name.replace('_', '-')}-{day.isoformat()}.{fmt}"


@dataclass(frozen=True)
class ExportOptions:
    filters: QueryDict
    bom: bool = True
    include_suggested: bool = False
    korean_headers: bool = False


def get_table(name: str) -> ExportTable:
    """The table called `name`; KeyError when there is none."""
    return TABLES[name]


def filter_parameters(table: ExportTable | None = None) -> dict[str, django_filters.Filter]:
    """The filter parameters a table accepts (all tables' when None), in a stable order."""
    parameters = dict(PledgeFilter.base_filters)
    own_filters = [table.own_filter] if table else [t.own_filter for t in TABLES.values()]
    for own_filter in own_filters:
        if own_filter is not None:
            parameters.update(own_filter.base_filters)
    return parameters


def parse_options(query: QueryDict) -> ExportOptions:
    """Split an export query string into filters and the switches `bom`, `include` and
    `headers` (`ko`: Korean column names in CSV and XLSX)."""
    filters = query.copy()
    bom = _parse_bool("bom", filters.pop("bom", ["1"])[-1])
    include = filters.pop("include", [""])[-1].strip()
    if include not in {"", "suggested"}:
        raise ExportError(f"include: unknown value {include!r}; the only value is 'suggested'.")
    headers = filters.pop("headers", ["en"])[-1].strip().lower() or "en"
    if headers not in HEADER_LANGUAGES:
        raise ExportError(
            f"headers: unknown value {headers!r}; use 'ko' (Korean column names) or 'en'."
        )
    return ExportOptions(
        filters=filters,
        bom=bom,
        include_suggested=include == "suggested",
        korean_headers=headers == "ko",
    )


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ExportError(f"{name}: {value!r} is not 0 or 1.")


def _form_errors(filterset: django_filters.FilterSet) -> list[str]:
    if filterset.is_valid():
        return []
    return [
        f"{name}={','.join(filterset.data.getlist(name))!r}: {' '.join(map(str, messages))}"
        + _accepted_values(filterset.filters.get(name))
        for name, messages in filterset.errors.items()
    ]


def _accepted_values(flt: django_filters.Filter | None) -> str:
    """For a choice parameter, the values it takes: the code and the label pages show."""
    choices = fixed_choices(flt)
    if not choices:
        return ""
    with translation.override("ko"):
        values = [f"{code} ({label})" for code, label in choices if code]
    return " Accepted values (the code or the label as pages show it): " + ", ".join(values) + "."


def _build_queries(table: ExportTable, pledge_filter, filters: QueryDict) -> None:
    """Build (not run) every query the export will stream, so that a value the form accepted
    but a filter method cannot use fails here, as a 400, not after the 200 and the header."""
    try:
        str(pledge_filter.qs.query)
        if table.own_filter is not None:
            own = table.own_filter(filters, queryset=table.own_filter._meta.model.objects.all())
            str(own.qs.query)
    except (ValueError, OverflowError, TypeError) as error:
        raise ExportError(f"Invalid filter value: {error}.") from error


def prepare_export(
    table_name: str, filters: Mapping[str, Any], *, include_suggested: bool = False
) -> Export:
    """Validate the filters for `table_name` and return the export, ready to stream.

    Raises KeyError for an unknown table and ExportError (with a message for the user) for an
    unknown parameter or an invalid value. No row is read until the export is streamed.
    """
    table = get_table(table_name)
    if not isinstance(filters, QueryDict):
        query = QueryDict(mutable=True)
        for key, value in filters.items():
            query.setlist(key, value if isinstance(value, list | tuple) else [value])
        filters = query
    accepted = filter_parameters(table)
    unknown = sorted(set(filters) - set(accepted))
    if unknown:
        raise ExportError(
            f"Unknown parameter(s) for {table.name}: {', '.join(unknown)}. "
            f"Accepted: {', '.join([*accepted, *CONTROL_PARAMETERS])}."
        )
    pledge_filter = PledgeFilter(filters, queryset=selectors.published_pledges())
    errors = _form_errors(pledge_filter)
    if table.own_filter is not None:
        errors += _form_errors(
            table.own_filter(filters, queryset=table.own_filter._meta.model.objects.none())
        )
    if errors:
        raise ExportError("Invalid filter value. " + " ".join(errors))
    _build_queries(table, pledge_filter, filters)
    return Export(
        table=table,
        pledges=pledge_filter.qs,
        own_filters=filters,
        include_suggested=include_suggested,
    )
