"""Every public read, in one place: what citizens, reporters and the API may see.

The rule "public pages show only what an editor confirmed" lives here and nowhere else: published
pledges, confirmed evidence, confirmed budget figures, and the status history, milestones and
counts built on them. The public site, the Atom syndication, the exports and the API read through
these functions and never filter on review state themselves (a test checks that they don't).

Editors may ask the exports for suggestions too (``include_suggested``): that choice is passed in,
and the states it adds are decided here as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When

from pledges.models import (
    STATUS_DEFINITIONS,
    BudgetFigure,
    BudgetSummary,
    Evidence,
    FigureState,
    Milestone,
    Pledge,
    ReviewState,
    Status,
    StatusChange,
    StatusDefinition,
)

# --- Which review states are public ----------------------------------------------------------


def evidence_states(*, include_suggested: bool = False) -> list[str]:
    """Confirmed evidence is public; editors may add the suggestions still in review."""
    if include_suggested:
        return [ReviewState.CONFIRMED, ReviewState.SUGGESTED]
    return [ReviewState.CONFIRMED]


def figure_states(*, include_suggested: bool = False) -> list[str]:
    if include_suggested:
        return [FigureState.CONFIRMED, FigureState.SUGGESTED]
    return [FigureState.CONFIRMED]


# --- Pledges ---------------------------------------------------------------------------------


def published_pledges() -> QuerySet[Pledge]:
    """Pledges the newsroom has published, with what list pages show beside them."""
    return (
        Pledge.objects.filter(is_published=True)
        .select_related("promiser", "jurisdiction", "category")
        .order_by("code")
    )


def with_public_parent_code(pledges: QuerySet[Pledge]) -> QuerySet[Pledge]:
    """Annotate ``public_parent_code``: the parent pledge's code, only if it is published."""
    return pledges.annotate(
        public_parent_code=Case(When(parent__is_published=True, then=F("parent__code")))
    )


def pledges_for_list() -> QuerySet[Pledge]:
    """Published pledges with their count of confirmed evidence (list page, cards)."""
    return published_pledges().annotate(
        confirmed_evidence=Count("evidence", filter=Q(evidence__state=ReviewState.CONFIRMED))
    )


def pledge_for_page(slug: str) -> QuerySet[Pledge]:
    """The published pledge ``slug`` (as a queryset, for get_object_or_404) with its status
    history (each change's confirmed evidence only), milestones and revisions prefetched."""
    return (
        published_pledges()
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=StatusChange.objects.prefetch_related(
                    Prefetch("evidence", queryset=confirmed_evidence())
                ),
            ),
            "milestones",
            "revisions",
        )
        .filter(slug=slug)
    )


def published_children(pledge: Pledge) -> QuerySet[Pledge]:
    return published_pledges().filter(parent=pledge)


def published_pledge(slug: str) -> QuerySet[Pledge]:
    return Pledge.objects.filter(slug=slug, is_published=True)


# --- Evidence, figures, history --------------------------------------------------------------


def confirmed_evidence(pledge: Pledge | None = None) -> QuerySet[Evidence]:
    """Evidence an editor confirmed, newest article first, with its article."""
    evidence = Evidence.objects.filter(state=ReviewState.CONFIRMED).select_related("article")
    if pledge is not None:
        evidence = evidence.filter(pledge=pledge).order_by("-article__published_at", "-pk")
    return evidence


def visible_evidence(*, include_suggested: bool = False) -> QuerySet[Evidence]:
    """Evidence rows an export may show (of any pledge; the caller narrows to its pledges)."""
    return Evidence.objects.filter(state__in=evidence_states(include_suggested=include_suggested))


def confirmed_budget_figures(pledge: Pledge) -> QuerySet[BudgetFigure]:
    """A pledge's confirmed budget figures, for the money table, with their evidence."""
    return (
        BudgetFigure.objects.filter(pledge=pledge, state=FigureState.CONFIRMED)
        .select_related("evidence__article")
        .order_by("stage", "funder", "fiscal_year")
    )


def visible_budget_figures(*, include_suggested: bool = False) -> QuerySet[BudgetFigure]:
    return BudgetFigure.objects.filter(state__in=figure_states(include_suggested=include_suggested))


def confirmed_figures_of(pledge_ids: Iterable[int]) -> QuerySet[BudgetFigure]:
    """The confirmed figures of many pledges at once, oldest first (exports' money columns)."""
    return BudgetFigure.objects.filter(
        pledge_id__in=list(pledge_ids), state=FigureState.CONFIRMED
    ).order_by("pledge_id", "as_of", "pk")


def budget_summary(pledge: Pledge) -> BudgetSummary:
    """Planned, secured and spent money of a pledge, from confirmed figures only."""
    return BudgetSummary.from_figures(
        pledge.budget_figures.filter(state=FigureState.CONFIRMED).order_by("as_of", "pk")
    )


def public_status_changes(pledge: Pledge | None = None) -> QuerySet[StatusChange]:
    """Rating changes of published pledges, newest recorded first (Atom syndication)."""
    changes = StatusChange.objects.filter(pledge__is_published=True).select_related("pledge")
    if pledge is not None:
        changes = changes.filter(pledge=pledge)
    return changes.order_by("-recorded_at", "-pk")


def status_changes() -> QuerySet[StatusChange]:
    """Every rating change (exports narrow it to published pledges they chose)."""
    return StatusChange.objects.all()


def status_change_evidence_links(
    change_ids: Iterable[int], *, include_suggested: bool = False
) -> QuerySet:
    """(status change id, evidence id) pairs of the evidence each change rests on that may be
    shown, in evidence order."""
    through = StatusChange.evidence.through
    return (
        through.objects.filter(
            statuschange_id__in=list(change_ids),
            evidence__state__in=evidence_states(include_suggested=include_suggested),
        )
        .order_by("evidence_id")
        .values_list("statuschange_id", "evidence_id")
    )


def milestones() -> QuerySet[Milestone]:
    return Milestone.objects.all()


# --- Counts and rates ------------------------------------------------------------------------


def status_counts(pledges: Iterable[Pledge]) -> list[tuple[StatusDefinition, int]]:
    """Each status with its public definition and how many of ``pledges`` hold it."""
    counts = Counter(p.status for p in pledges)
    return [(STATUS_DEFINITIONS[value], counts.get(value, 0)) for value in Status.values]


def fulfilment_rate(statuses: Iterable[str]) -> float | None:
    """Share kept among rated pledges; partially kept counts half; unverifiable is left out."""
    counted = [STATUS_DEFINITIONS[s] for s in statuses if STATUS_DEFINITIONS[s].counts_in_rate]
    counted = [d for d in counted if d.status != Status.NOT_RATED]
    if not counted:
        return None
    return sum(d.counts_as_kept for d in counted) / len(counted)


def pending_review_count() -> int:
    """Machine suggestions waiting for an editor (the count on the editors' desk)."""
    return Evidence.objects.filter(state=ReviewState.SUGGESTED).count()
