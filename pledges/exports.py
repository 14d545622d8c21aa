"""Open-data exports: the public tables as streamed CSV or JSON, for spreadsheets and notebooks.

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

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from pledges.filters import (
    BudgetFigureExportFilter,
    EvidenceExportFilter,
    MilestoneExportFilter,
    PledgeFilter,
    StatusChangeExportFilter,
    published_pledges,
)
from pledges.models import (
    FUNDER_PARTS,
    BudgetFigure,
    BudgetStage,
    BudgetSummary,
    Evidence,
    FigureState,
    Milestone,
    ReviewState,
    StatusChange,
)

FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json; charset=utf-8",
}
CHUNK_ROWS = 2000  # rows fetched per round trip from the server-side cursor
FLUSH_CHARS = 64 * 1024  # characters buffered before a chunk is handed to the client
BOM = "\ufeff".encode()
# Spreadsheets run a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CONTROL_PARAMETERS = ("bom", "include")

TEXT, INTEGER, DECIMAL, BOOLEAN, DATE, DATETIME = (
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
)


class ExportError(ValueError):
    """A request the export cannot serve; the message is shown to the user (HTTP 400)."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class ExportTable:
    name: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[Export], Iterator[tuple]]
    own_filter: type[django_filters.FilterSet] | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class ExportStats:
    rows: int = 0


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
        if self.include_suggested:
            return [ReviewState.CONFIRMED, ReviewState.SUGGESTED]
        return [ReviewState.CONFIRMED]

    @property
    def figure_states(self) -> list[str]:
        if self.include_suggested:
            return [FigureState.CONFIRMED, FigureState.SUGGESTED]
        return [FigureState.CONFIRMED]

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

    def stream(self, fmt: str, *, bom: bool = True) -> Iterator[bytes]:
        if fmt == "csv":
            return stream_csv(self.table.columns, self.rows(), bom=bom, stats=self.stats)
        if fmt == "json":
            return stream_json(self.table.columns, self.rows(), stats=self.stats)
        raise ExportError(f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")

    def filename(self, fmt: str, on: dt.date | None = None) -> str:
        day = on or timezone.localdate()
        return f"pledge-tracker-{self.table.name.replace('_', '-')}-{day.isoformat()}.{fmt}"


# --- Writers --------------------------------------------------------------------------------


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


def stream_csv(
    columns: Iterable[Column],
    rows: Iterable[tuple],
    *,
    bom: bool = True,
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
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name for c in columns])
    yield (BOM if bom else b"") + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
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


# --- Tables ---------------------------------------------------------------------------------


def _batched(iterable: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/")


def _pledge_page_url_template() -> str:
    # Korean pages are the canonical ones; the active language of a request must not leak in.
    with translation.override(settings.LANGUAGE_CODE):
        return _site_url() + reverse("pledges:detail", kwargs={"slug": "SLUG"}).replace(
            "SLUG", "{slug}"
        )


def _article_url(url: str, canonical_url: str | None) -> str:
    return url or canonical_url or ""


@dataclass(frozen=True)
class _Figure:
    """What BudgetSummary reads from a figure, without building model instances."""

    stage: str
    funder: str
    fiscal_year: int | None
    amount_krw: int


_SUMMARY_STAGES = (BudgetStage.PLANNED, BudgetStage.SECURED, BudgetStage.EXECUTED)

_PLEDGE_FIELDS = (
    "id",
    "code",
    "slug",
    "title",
    "title_en",
    "promiser__slug",
    "promiser__role",
    "promiser__name",
    "jurisdiction__slug",
    "jurisdiction__name",
    "category__slug",
    "category__name",
    "parent__code",
    "parent__is_published",
    "pledge_type",
    "status",
    "status_since",
    "made_on",
    "target_date",
    "last_checked_on",
    "feasibility_study",
    "responsible_agency",
)


def _pledge_rows(export: Export) -> Iterator[tuple]:
    page_url = _pledge_page_url_template()
    pledges = export.pledges.order_by("code").values_list(*_PLEDGE_FIELDS)
    for batch in _batched(pledges.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS):
        ids = [row[0] for row in batch]
        # The public figures: the same rule as the pledge page (confirmed, latest per key).
        figures: dict[int, list[_Figure]] = defaultdict(list)
        for pledge_id, *values in (
            BudgetFigure.objects.filter(pledge_id__in=ids, state=FigureState.CONFIRMED)
            .order_by("pledge_id", "as_of", "pk")
            .values_list("pledge_id", "stage", "funder", "fiscal_year", "amount_krw")
        ):
            figures[pledge_id].append(_Figure(*values))
        evidence_counts = dict(
            Evidence.objects.filter(pledge_id__in=ids, state__in=export.evidence_states)
            .order_by()
            .values("pledge_id")
            .annotate(n=Count("pk"))
            .values_list("pledge_id", "n")
        )
        for row in batch:
            (
                pledge_id,
                code,
                slug,
                title,
                title_en,
                promiser_slug,
                promiser_role,
                promiser_name,
                jurisdiction_slug,
                jurisdiction_name,
                category_slug,
                category_name,
                parent_code,
                parent_is_published,
                *rest,
            ) = row
            summary = BudgetSummary.from_figures(figures.get(pledge_id, []))
            money: list[int | None] = []
            for stage in _SUMMARY_STAGES:
                money.append(summary.totals.get(stage))
                by_funder = summary.by_funder.get(stage, {})
                money.extend(by_funder.get(funder) for funder in FUNDER_PARTS)
            mismatched = sorted({m.stage for m in summary.mismatches})
            yield (
                code,
                slug,
                title,
                title_en,
                promiser_slug,
                " ".join(p for p in (promiser_role, promiser_name) if p),
                jurisdiction_slug,
                jurisdiction_name,
                category_slug,
                category_name,
                parent_code if parent_is_published else None,
                *rest,
                *money,
                summary.secured_ratio,
                ";".join(mismatched),
                evidence_counts.get(pledge_id, 0),
                page_url.format(slug=slug),
            )


def evidence_queryset(export: Export) -> QuerySet:
    """The evidence rows of an export as a values_list query (the benchmark COPYs it too)."""
    queryset = export.own_rows(Evidence.objects.filter(state__in=export.evidence_states))
    return queryset.order_by("pk").values_list(
        "pk",
        "pledge__code",
        "pledge__slug",
        "state",
        "method",
        "article_id",
        "article__url",
        "article__canonical_url",
        "article__title",
        "article__outlet",
        "article__byline",
        "article__published_at",
        "snippet",
        "reviewed_at",
    )


def _evidence_rows(export: Export) -> Iterator[tuple]:
    seoul = timezone.get_default_timezone()
    for row in evidence_queryset(export).iterator(chunk_size=CHUNK_ROWS):
        published_at = row[11]
        yield (
            *row[:6],
            _article_url(row[6], row[7]),
            *row[8:11],
            published_at.astimezone(seoul).date() if published_at else None,
            published_at,
            *row[12:],
        )


def _visible_evidence(export: Export, evidence_id, evidence_state, url, canonical_url):
    """The evidence a figure or milestone rests on, if this export may show it."""
    if evidence_id is None or evidence_state not in export.evidence_states:
        return None, None
    return evidence_id, _article_url(url, canonical_url)


def _budget_figure_rows(export: Export) -> Iterator[tuple]:
    queryset = export.own_rows(BudgetFigure.objects.filter(state__in=export.figure_states))
    rows = queryset.order_by(
        "pledge__code", "stage", "funder", "fiscal_year", "as_of", "pk"
    ).values_list(
        "pk",
        "pledge__code",
        "pledge__slug",
        "state",
        "stage",
        "funder",
        "amount_krw",
        "fiscal_year",
        "period_start_year",
        "period_end_year",
        "as_of",
        "source_text",
        "note",
        "note_en",
        "evidence_id",
        "evidence__state",
        "evidence__article__url",
        "evidence__article__canonical_url",
    )
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield (*row[:14], *_visible_evidence(export, *row[14:]))


def _status_change_rows(export: Export) -> Iterator[tuple]:
    queryset = export.own_rows(StatusChange.objects.all())
    rows = queryset.order_by("pledge__code", "effective_date", "recorded_at", "pk").values_list(
        "pk",
        "pledge__code",
        "pledge__slug",
        "effective_date",
        "from_status",
        "to_status",
        "broken_reason",
        "rationale",
        "rationale_en",
        "is_correction",
        "correction_note",
        "recorded_at",
    )
    through = StatusChange.evidence.through
    for batch in _batched(rows.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS):
        evidence_ids: dict[int, list[int]] = defaultdict(list)
        for change_id, evidence_id in (
            through.objects.filter(
                statuschange_id__in=[row[0] for row in batch],
                evidence__state__in=export.evidence_states,
            )
            .order_by("evidence_id")
            .values_list("statuschange_id", "evidence_id")
        ):
            evidence_ids[change_id].append(evidence_id)
        for row in batch:
            yield (*row, ";".join(str(i) for i in evidence_ids.get(row[0], [])))


def _milestone_rows(export: Export) -> Iterator[tuple]:
    queryset = export.own_rows(Milestone.objects.all())
    rows = queryset.order_by("pledge__code", "planned_date", "actual_date", "pk").values_list(
        "pk",
        "pledge__code",
        "pledge__slug",
        "kind",
        "title",
        "title_en",
        "planned_date",
        "actual_date",
        "note",
        "evidence_id",
        "evidence__state",
        "evidence__article__url",
        "evidence__article__canonical_url",
    )
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield (*row[:9], *_visible_evidence(export, *row[9:]))


_FUNDER_WORDS = {
    "national": "national government (국비)",
    "metropolitan": "city/province (시비)",
    "district": "district (구비)",
    "local": "local government, unspecified (지방비)",
    "private": "private investors (민간)",
    "other": "other funders",
}
_STAGE_WORDS = {
    BudgetStage.PLANNED: "planned project cost (총사업비)",
    BudgetStage.SECURED: "secured (appropriated) money",
    BudgetStage.EXECUTED: "executed (spent) money",
}


def _money_columns() -> list[Column]:
    columns = []
    for stage in _SUMMARY_STAGES:
        columns.append(
            Column(
                f"{stage}_krw",
                INTEGER,
                f"Total {_STAGE_WORDS[stage]}, KRW, from confirmed figures; a stated total wins "
                "over the sum of its parts; summed over fiscal years; empty when unknown.",
            )
        )
        for funder in FUNDER_PARTS:
            columns.append(
                Column(
                    f"{stage}_{funder}_krw",
                    INTEGER,
                    f"Part of {stage}_krw from the {_FUNDER_WORDS[funder]}, KRW; empty when not "
                    "stated.",
                )
            )
    return columns


_PLEDGE_REF = (
    Column("pledge_code", TEXT, "Code of the pledge, e.g. 2025-GJ-01 (stable)."),
    Column("pledge_slug", TEXT, "URL name of the pledge (stable); joins to pledges.pledge_slug."),
)
_EVIDENCE_REF = (
    Column(
        "evidence_id",
        INTEGER,
        "The evidence it rests on (evidence.evidence_id); empty when none or not public.",
    ),
    Column("article_url", TEXT, "URL of that evidence's article; empty when none or no URL."),
)

PLEDGES = ExportTable(
    name="pledges",
    description="One row per published pledge that matches the filters.",
    rows=_pledge_rows,
    columns=(
        Column("pledge_code", TEXT, "Code of the pledge, e.g. 2025-GJ-01 (stable)."),
        Column("pledge_slug", TEXT, "URL name of the pledge (stable)."),
        Column("title", TEXT, "Title in Korean."),
        Column("title_en", TEXT, "Title in English; empty when not translated."),
        Column("promiser_slug", TEXT, "Who made the pledge (stable id), e.g. lee-jae-myung."),
        Column("promiser_name", TEXT, "Role and name in Korean, e.g. 대통령 이재명."),
        Column("jurisdiction_slug", TEXT, "Region the pledge is for (stable id), e.g. gwangju."),
        Column("jurisdiction_name", TEXT, "Region name in Korean."),
        Column("category_slug", TEXT, "Category (stable id), e.g. ai-digital; may be empty."),
        Column("category_name", TEXT, "Category name in Korean."),
        Column("parent_pledge_code", TEXT, "Code of the pledge this one is part of, if any."),
        Column("pledge_type", TEXT, "project, legislation, budget or other."),
        Column(
            "status",
            TEXT,
            "Current rating: not_rated, not_started, in_progress, stalled, changed, "
            "partially_kept, kept, broken or unverifiable (definitions at /statuses/).",
        ),
        Column("status_since", DATE, "Date the current status took effect."),
        Column("made_on", DATE, "Date the pledge was made."),
        Column("target_date", DATE, "Date by which it was promised."),
        Column("last_checked_on", DATE, "Date an editor last checked the pledge."),
        Column(
            "feasibility_study",
            TEXT,
            "Preliminary feasibility study (예타): not_required, pending, exempted, in_review, "
            "passed or failed.",
        ),
        Column("responsible_agency", TEXT, "Agency in charge, in Korean."),
        *_money_columns(),
        Column(
            "secured_ratio",
            DECIMAL,
            "재정확보율: secured_krw ÷ planned_krw as a fraction (0.25 = 25 %), 4 decimals; "
            "empty when either is unknown.",
        ),
        Column(
            "budget_mismatch",
            TEXT,
            "Stages (planned, secured, …; `;`-separated) whose stated total differs from the sum "
            "of its funder parts; empty when they agree.",
        ),
        Column("evidence_count", INTEGER, "Number of confirmed news articles (evidence)."),
        Column("page_url", TEXT, "The pledge's public page."),
    ),
)

EVIDENCE = ExportTable(
    name="evidence",
    description="One row per confirmed link between a news article and a published pledge.",
    rows=_evidence_rows,
    own_filter=EvidenceExportFilter,
    columns=(
        Column("evidence_id", INTEGER, "Id of the evidence (stable)."),
        *_PLEDGE_REF,
        Column("state", TEXT, "confirmed (editors asking for suggestions also get suggested)."),
        Column("method", TEXT, "auto (found by the matcher) or manual (attached by an editor)."),
        Column("article_id", INTEGER, "Id of the article (stable); one article can back many."),
        Column("article_url", TEXT, "URL of the article; empty for print pages without one."),
        Column("article_title", TEXT, "Headline of the article."),
        Column("outlet", TEXT, "Newspaper or site, e.g. 광주일보."),
        Column("byline", TEXT, "Reporter(s) as printed, when known."),
        Column("published_on", DATE, "Publication day in Asia/Seoul."),
        Column("published_at", DATETIME, "Publication time, ISO 8601 with +09:00."),
        Column("snippet", TEXT, "The sentence(s) of the article that justify the link."),
        Column("reviewed_at", DATETIME, "When an editor confirmed it, ISO 8601 with +09:00."),
    ),
)

BUDGET_FIGURES = ExportTable(
    name="budget_figures",
    description="One row per confirmed budget figure of a published pledge.",
    rows=_budget_figure_rows,
    own_filter=BudgetFigureExportFilter,
    columns=(
        Column("figure_id", INTEGER, "Id of the figure (stable)."),
        *_PLEDGE_REF,
        Column("state", TEXT, "confirmed (editors asking for suggestions also get suggested)."),
        Column(
            "stage",
            TEXT,
            "pledged, planned (total project cost), requested, government_proposal, secured "
            "(appropriated), allocated or executed (spent).",
        ),
        Column(
            "funder",
            TEXT,
            "national (국비), metropolitan (시비), district (구비), local (지방비, unspecified), "
            "private (민간), other, or total.",
        ),
        Column("amount_krw", INTEGER, "Amount in KRW (원), an integer; 1억 원 = 100000000."),
        Column("fiscal_year", INTEGER, "Fiscal year; empty when the figure is for a period."),
        Column("period_start_year", INTEGER, "First year of the period, when stated."),
        Column("period_end_year", INTEGER, "Last year of the period, when stated."),
        Column("as_of", DATE, "Date the figure was reported or valid."),
        Column("source_text", TEXT, "The amount as written in the source, e.g. 4269억원."),
        Column("note", TEXT, "Editor's note in Korean."),
        Column("note_en", TEXT, "Editor's note in English."),
        *_EVIDENCE_REF,
    ),
)

STATUS_CHANGES = ExportTable(
    name="status_changes",
    description="The status history of published pledges, oldest first per pledge.",
    rows=_status_change_rows,
    own_filter=StatusChangeExportFilter,
    columns=(
        Column("status_change_id", INTEGER, "Id of the change (stable)."),
        *_PLEDGE_REF,
        Column("effective_date", DATE, "Date the status took effect."),
        Column("from_status", TEXT, "Status before (same vocabulary as pledges.status)."),
        Column("to_status", TEXT, "Status after."),
        Column(
            "broken_reason",
            TEXT,
            "For broken: national_funding_not_secured, feasibility_failed, failed_tender, "
            "deprioritized, sited_elsewhere, legislation_failed or other.",
        ),
        Column("rationale", TEXT, "Why, in Korean."),
        Column("rationale_en", TEXT, "Why, in English."),
        Column("is_correction", BOOLEAN, "true when the row corrects an earlier rating."),
        Column("correction_note", TEXT, "What was corrected."),
        Column("recorded_at", DATETIME, "When the editors recorded it, ISO 8601 with +09:00."),
        Column("evidence_ids", TEXT, "The evidence it rests on (evidence_id, `;`-separated)."),
    ),
)

MILESTONES = ExportTable(
    name="milestones",
    description="Planned and reached milestones of published pledges.",
    rows=_milestone_rows,
    own_filter=MilestoneExportFilter,
    columns=(
        Column("milestone_id", INTEGER, "Id of the milestone (stable)."),
        *_PLEDGE_REF,
        Column(
            "kind",
            TEXT,
            "feasibility_study, contest_selection, budget, law, design, groundbreaking, "
            "completion, opening or other.",
        ),
        Column("title", TEXT, "Title in Korean."),
        Column("title_en", TEXT, "Title in English."),
        Column("planned_date", DATE, "Date planned."),
        Column("actual_date", DATE, "Date reached; empty while not reached."),
        Column("note", TEXT, "Editor's note."),
        *_EVIDENCE_REF,
    ),
)

TABLES: dict[str, ExportTable] = {
    t.name: t for t in (PLEDGES, EVIDENCE, BUDGET_FIGURES, STATUS_CHANGES, MILESTONES)
}


# --- Parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    filters: QueryDict
    bom: bool = True
    include_suggested: bool = False


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
    """Split an export query string into filters and the two switches `bom` and `include`."""
    filters = query.copy()
    bom = _parse_bool("bom", filters.pop("bom", ["1"])[-1])
    include = filters.pop("include", [""])[-1].strip()
    if include not in {"", "suggested"}:
        raise ExportError(f"include: unknown value {include!r}; the only value is 'suggested'.")
    return ExportOptions(filters=filters, bom=bom, include_suggested=include == "suggested")


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
        for name, messages in filterset.errors.items()
    ]


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
    pledge_filter = PledgeFilter(filters, queryset=published_pledges())
    errors = _form_errors(pledge_filter)
    if table.own_filter is not None:
        errors += _form_errors(
            table.own_filter(filters, queryset=table.own_filter._meta.model.objects.none())
        )
    if errors:
        raise ExportError("Invalid filter value. " + " ".join(errors))
    return Export(
        table=table,
        pledges=pledge_filter.qs,
        own_filters=filters,
        include_suggested=include_suggested,
    )


_JSON_TYPES = {
    TEXT: {"type": ["string", "null"]},
    INTEGER: {"type": ["integer", "null"]},
    DECIMAL: {"type": ["number", "null"]},
    BOOLEAN: {"type": ["boolean", "null"]},
    DATE: {"type": ["string", "null"], "format": "date"},
    DATETIME: {"type": ["string", "null"], "format": "date-time"},
}


def json_schema(table_name: str) -> dict[str, Any]:
    """JSON Schema (2020-12) of a table's JSON export: an array of objects with every column."""
    table = TABLES[table_name]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"/export/{table.name}.schema.json",
        "title": f"Pledge Tracker: {table.name}",
        "description": table.description,
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                c.name: {**_JSON_TYPES[c.kind], "description": c.description} for c in table.columns
            },
            "required": table.column_names,
            "additionalProperties": False,
        },
    }


def data_dictionary() -> dict[str, Any]:
    """The tables, their columns and parameters, as served at /export/ and written in the README."""
    return {
        "formats": list(FORMATS),
        "tables": [
            {
                "name": table.name,
                "description": table.description,
                "urls": [f"/export/{table.name}.{fmt}" for fmt in FORMATS],
                "json_schema": f"/export/{table.name}.schema.json",
                "parameters": [*filter_parameters(table), *CONTROL_PARAMETERS],
                "columns": [
                    {"name": c.name, "type": c.kind, "description": c.description}
                    for c in table.columns
                ],
            }
            for table in TABLES.values()
        ],
    }
