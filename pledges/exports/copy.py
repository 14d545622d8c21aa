"""CSV at the speed of PostgreSQL: the child tables streamed by `COPY (SELECT …) TO STDOUT`.

The Python writers (exports/writers.py) spend most of their time building model values and
formatting them one by one; PostgreSQL can format the cells and write the CSV itself. On
PostgreSQL, `evidence`, `budget_figures`, `status_changes` and `milestones` therefore leave as
one COPY of a SELECT compiled from the same Django querysets (tables.py: the selectors' "what is
public" rule, the list page's FilterSet, each table's own date range and order), with every cell
formatted in SQL exactly as writers.py formats it:

- text: empty is written as nothing, a cell starting with = + - @ TAB or CR gets a leading `'`;
- integer: decimal digits; boolean: true/false; date: YYYY-MM-DD;
- datetime: ISO 8601 in TIME_ZONE to the second with its UTC offset (`+09:00`), as
  `datetime.isoformat(timespec="seconds")` writes it (seconds in the offset only when non-zero);
- NULL is an empty cell; an empty string is turned into NULL first, since COPY writes a
  non-NULL empty string as `""` where Python's csv module writes nothing.

COPY quotes exactly the cells Python's csv module (QUOTE_MINIMAL) quotes: those holding a comma,
a double quote, CR or LF, with quotes doubled. It ends records with LF; they end with CRLF here
(quoted cells keep their own line breaks). The header line (with the BOM) is written by writers.py's
own code, so it cannot differ. The `pledges` table (hundreds of rows, money summed in Python by
BudgetSummary, the rule the pledge page uses) keeps the Python writer; so does SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db import connections, router, transaction
from django.db.models import (
    Case,
    DateField,
    Expression,
    F,
    Func,
    OuterRef,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from pledges import selectors
from pledges.exports.spec import BOOLEAN, DATE, DATETIME, INTEGER, TEXT, ExportStats
from pledges.exports.tables import (
    budget_figure_rows_queryset,
    evidence_rows_queryset,
    milestone_rows_queryset,
    status_change_rows_queryset,
)
from pledges.exports.writers import csv_header

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from pledges.exports.prepare import Export

FLUSH_BYTES = 64 * 1024  # bytes gathered before a chunk is handed to the client
CRLF = b"\r\n"


class _Sql(Func):
    """A SQL template over one expression that may name it several times ({x}).

    Func's own templates cannot repeat an expression that carries parameters; this compiles it
    once and repeats its SQL and parameters together.
    """

    def __init__(self, expression, template: str, output_field=None):
        super().__init__(expression, output_field=output_field or TextField())
        self.sql_template = template

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return self.sql_template.format(x=f"({sql})"), tuple(params) * self.sql_template.count(
            "{x}"
        )


def _text(value: Expression) -> Expression:
    # writers._neutralise: spreadsheets run a cell starting with one of = + - @ TAB CR. ascii()
    # reads the first character's code without building a substring (0 for '', NULL for NULL).
    return _Sql(
        value,
        "CASE WHEN ascii({x}) IN (61, 43, 45, 64, 9, 13) THEN '''' || {x} ELSE NULLIF({x}, '') END",
    )


# Since 1980 no zone has had an offset with seconds (the last local mean time, Liberia's, ended
# in 1972): one to_char in the session's time zone, set to TIME_ZONE for the COPY, writes it.
PLAIN_OFFSETS_SINCE = "TIMESTAMPTZ '1980-01-01 00:00:00+00'"


def _datetime(value: Expression) -> Expression:
    # datetime.isoformat(timespec="seconds") in TIME_ZONE: the offset as ±HH:MM, plus :SS when
    # the zone's offset had seconds (Seoul's local mean time before 1908: +08:27:52).
    zone = settings.TIME_ZONE.replace("'", "''")
    local = f"({{x}} AT TIME ZONE '{zone}')"
    offset = f"extract(epoch FROM {local} - ({{x}} AT TIME ZONE 'UTC'))::integer"
    return _Sql(
        value,
        f"CASE WHEN {{x}} >= {PLAIN_OFFSETS_SINCE}"
        """ THEN to_char({x}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')"""
        f""" ELSE to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS')"""
        f" || CASE WHEN {offset} < 0 THEN '-' ELSE '+' END"
        f" || to_char(make_interval(secs => abs({offset})), 'HH24:MI')"
        f" || CASE WHEN mod({offset}, 60) <> 0"
        f" THEN to_char(make_interval(secs => abs({offset})), ':SS') ELSE '' END END",
    )


def _local_date(value: Expression) -> Expression:
    # The day in TIME_ZONE (tables._evidence_rows: published_at.astimezone(seoul).date()).
    zone = settings.TIME_ZONE.replace("'", "''")
    return _Sql(value, f"({{x}} AT TIME ZONE '{zone}')::date", output_field=DateField())


_FORMAT = {
    TEXT: _text,
    INTEGER: lambda value: Cast(value, TextField()),
    BOOLEAN: lambda value: _Sql(
        value, "CASE {x} WHEN true THEN 'true' WHEN false THEN 'false' END"
    ),
    DATE: lambda value: _Sql(value, "to_char({x}, 'YYYY-MM-DD')"),
    DATETIME: _datetime,
}


def _article_url(path: str) -> Expression:
    """tables._article_url: the URL as published, else the canonical one."""
    return Coalesce(NullIf(F(f"{path}url"), Value("")), F(f"{path}canonical_url"))


def _visible_evidence_ref(export: Export) -> dict[str, Expression]:
    """tables._visible_evidence: a figure's or milestone's evidence, if this export may show it."""
    visible = selectors.evidence_is_visible("evidence", include_suggested=export.include_suggested)
    return {
        "evidence_id": Case(When(visible, then=F("evidence_id"))),
        "article_url": Case(When(visible, then=_article_url("evidence__article__"))),
    }


def _evidence(export: Export) -> tuple[QuerySet, dict]:
    return evidence_rows_queryset(export), {
        "evidence_id": F("pk"),
        "pledge_code": F("pledge__code"),
        "pledge_slug": F("pledge__slug"),
        "state": F("state"),
        "method": F("method"),
        "article_id": F("article_id"),
        "article_url": _article_url("article__"),
        "article_title": F("article__title"),
        "outlet": F("article__outlet"),
        "byline": F("article__byline"),
        "published_on": _local_date(F("article__published_at")),
        "published_at": F("article__published_at"),
        "snippet": F("snippet"),
        "reviewed_at": F("reviewed_at"),
    }


def _budget_figures(export: Export) -> tuple[QuerySet, dict]:
    plain = [
        "pledge_code:pledge__code",
        "pledge_slug:pledge__slug",
        "state",
        "stage",
        "funder",
        "amount_krw",
        "is_lower_bound",
        "fiscal_year",
        "period_start_year",
        "period_end_year",
        "as_of",
        "source_text",
        "note",
        "note_en",
    ]
    return budget_figure_rows_queryset(export), {
        "figure_id": F("pk"),
        **_fields(plain),
        **_visible_evidence_ref(export),
    }


def _status_changes(export: Export) -> tuple[QuerySet, dict]:
    plain = [
        "pledge_code:pledge__code",
        "pledge_slug:pledge__slug",
        "effective_date",
        "from_status",
        "to_status",
        "broken_reason",
        "rationale",
        "rationale_en",
        "is_correction",
        "correction_note",
        "recorded_at",
    ]
    # tables._status_change_rows: the ids of the evidence that may be shown, `;`-joined in order.
    evidence_ids = (
        selectors.visible_status_change_evidence(include_suggested=export.include_suggested)
        .filter(statuschange_id=OuterRef("pk"))
        .order_by()
        .values("statuschange_id")
        .annotate(ids=StringAgg(Cast("evidence_id", TextField()), ";", order_by="evidence_id"))
        .values("ids")
    )
    return status_change_rows_queryset(export), {
        "status_change_id": F("pk"),
        **_fields(plain),
        "evidence_ids": Subquery(evidence_ids, output_field=TextField()),
    }


def _milestones(export: Export) -> tuple[QuerySet, dict]:
    plain = [
        "pledge_code:pledge__code",
        "pledge_slug:pledge__slug",
        "kind",
        "title",
        "title_en",
        "planned_date",
        "actual_date",
        "note",
    ]
    return milestone_rows_queryset(export), {
        "milestone_id": F("pk"),
        **_fields(plain),
        **_visible_evidence_ref(export),
    }


def _fields(specs: list[str]) -> dict[str, Expression]:
    """ "column:lookup" (or "name" when the column is the field) → F(lookup)."""
    pairs = (spec.partition(":")[::2] for spec in specs)
    return {column: F(lookup or column) for column, lookup in pairs}


COPY_TABLES = {
    "evidence": _evidence,
    "budget_figures": _budget_figures,
    "status_changes": _status_changes,
    "milestones": _milestones,
}


def copy_applies(export: Export) -> bool:
    """Whether this export's CSV goes through COPY: PostgreSQL, and a table that grows."""
    if export.table.name not in COPY_TABLES:
        return False
    alias = router.db_for_read(export.pledges.model)
    return connections[alias].vendor == "postgresql"


def select_sql(export: Export) -> tuple[str, tuple]:
    """The SELECT whose rows are the table's CSV records, with its parameters."""
    queryset, sources = COPY_TABLES[export.table.name](export)
    missing = set(export.table.column_names) ^ set(sources)
    if missing:  # a column added to the spec must be added here too
        raise LookupError(f"COPY columns of {export.table.name} differ: {sorted(missing)}")
    cells = {
        f"copy_{column.name}": _FORMAT[column.kind](sources[column.name])
        for column in export.table.columns
    }
    queryset = queryset.annotate(**cells).values_list(*cells)
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    return sql, tuple(params)


def stream_csv_copy(export: Export, *, bom: bool = True, korean: bool = False) -> Iterator[bytes]:
    """The same bytes as writers.stream_csv for this export, written by PostgreSQL's COPY."""
    stats: ExportStats = export.stats
    yield csv_header(export.table.columns, bom=bom, korean=korean)
    sql, params = select_sql(export)
    connection = connections[export.pledges.db]
    count = 0
    with transaction.atomic(using=export.pledges.db), connection.cursor() as cursor:
        # For this COPY only (set_config(…, true) lasts until the transaction ends; both are
        # put back right after it): the datetime cells are written in the session's time zone,
        # TIME_ZONE; and no JIT, whose compiling of the ~30 cell expressions cost more than it
        # saved (1,000,000 evidence rows: 18 s without, 25 s with, on the bench machine).
        cursor.execute(
            "SELECT current_setting('TimeZone'), current_setting('jit'),"
            " set_config('TimeZone', %s, true), set_config('jit', 'off', true)",
            [settings.TIME_ZONE],
        )
        session_zone, session_jit, *_ = cursor.fetchone()
        parts: list = []
        size = 0
        # cursor.cursor: psycopg's own cursor (Django's wrapper has no COPY).
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            # libpq hands over exactly one record per read ("data is always returned one data
            # row at a time"), ending in LF: the LF is dropped here (a zero-copy slice) and
            # CRLF joins the records, so LFs inside quoted cells are never touched.
            for record in copy:
                parts.append(record[:-1])
                size += len(record)
                if size >= FLUSH_BYTES:
                    count += len(parts)
                    stats.rows = count
                    parts.append(b"")
                    yield CRLF.join(parts)
                    parts.clear()
                    size = 0
        cursor.execute(
            "SELECT set_config('TimeZone', %s, true), set_config('jit', %s, true)",
            [session_zone, session_jit],
        )
    count += len(parts)
    stats.rows = count
    if parts:
        parts.append(b"")
        yield CRLF.join(parts)
