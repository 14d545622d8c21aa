"""The five public tables: their columns, their meaning, and the query that yields their rows.

One definition per table serves the HTTP endpoint, the `export` command, the data dictionary and
the README, so the same filters give the same bytes everywhere. Rows come only through
pledges.selectors, which decides what is public.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from pledges import selectors
from pledges.exports.spec import (
    BOOLEAN,
    CHUNK_ROWS,
    DATE,
    DATETIME,
    DECIMAL,
    INTEGER,
    TEXT,
    Column,
    ExportTable,
)
from pledges.filters import (
    BudgetFigureExportFilter,
    EvidenceExportFilter,
    MilestoneExportFilter,
    StatusChangeExportFilter,
)
from pledges.models import (
    FUNDER_PARTS,
    BudgetStage,
    BudgetSummary,
)

if TYPE_CHECKING:
    from pledges.exports.prepare import Export


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
    "public_parent_code",
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
    pledges = (
        selectors.with_public_parent_code(export.pledges)
        .order_by("code")
        .values_list(*_PLEDGE_FIELDS)
    )
    for batch in _batched(pledges.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS):
        ids = [row[0] for row in batch]
        # The public figures: the same rule as the pledge page (confirmed, latest per key).
        figures: dict[int, list[_Figure]] = defaultdict(list)
        for pledge_id, *values in selectors.confirmed_figures_of(ids).values_list(
            "pledge_id", "stage", "funder", "fiscal_year", "amount_krw"
        ):
            figures[pledge_id].append(_Figure(*values))
        evidence_counts = dict(
            selectors.visible_evidence(include_suggested=export.include_suggested)
            .filter(pledge_id__in=ids)
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
                parent_code,
                *rest,
                *money,
                summary.secured_ratio,
                ";".join(mismatched),
                evidence_counts.get(pledge_id, 0),
                page_url.format(slug=slug),
            )


# The rows of each child table, filtered and in file order, before choosing columns: the
# Python writers and the PostgreSQL COPY path (exports/copy.py) both start from these.


def evidence_rows_queryset(export: Export) -> QuerySet:
    return export.own_rows(
        selectors.visible_evidence(include_suggested=export.include_suggested)
    ).order_by("pk")


def budget_figure_rows_queryset(export: Export) -> QuerySet:
    return export.own_rows(
        selectors.visible_budget_figures(include_suggested=export.include_suggested)
    ).order_by("pledge__code", "stage", "funder", "fiscal_year", "as_of", "pk")


def status_change_rows_queryset(export: Export) -> QuerySet:
    return export.own_rows(selectors.status_changes()).order_by(
        "pledge__code", "effective_date", "recorded_at", "pk"
    )


def milestone_rows_queryset(export: Export) -> QuerySet:
    return export.own_rows(selectors.milestones()).order_by(
        "pledge__code", "planned_date", "actual_date", "pk"
    )


def evidence_queryset(export: Export) -> QuerySet:
    """The evidence rows of an export as a values_list query (the benchmark COPYs it too)."""
    return evidence_rows_queryset(export).values_list(
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
    rows = budget_figure_rows_queryset(export).values_list(
        "pk",
        "pledge__code",
        "pledge__slug",
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
        "evidence_id",
        "evidence__state",
        "evidence__article__url",
        "evidence__article__canonical_url",
    )
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield (*row[:15], *_visible_evidence(export, *row[15:]))


def _status_change_rows(export: Export) -> Iterator[tuple]:
    rows = status_change_rows_queryset(export).values_list(
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
    for batch in _batched(rows.iterator(chunk_size=CHUNK_ROWS), CHUNK_ROWS):
        evidence_ids: dict[int, list[int]] = defaultdict(list)
        for change_id, evidence_id in selectors.status_change_evidence_links(
            [row[0] for row in batch], include_suggested=export.include_suggested
        ):
            evidence_ids[change_id].append(evidence_id)
        for row in batch:
            yield (*row, ";".join(str(i) for i in evidence_ids.get(row[0], [])))


def _milestone_rows(export: Export) -> Iterator[tuple]:
    rows = milestone_rows_queryset(export).values_list(
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
        Column(
            "is_lower_bound",
            BOOLEAN,
            'true when the source gives at least this amount ("2조 원 이상"): a lower bound.',
        ),
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
