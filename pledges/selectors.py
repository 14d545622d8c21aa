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
from dataclasses import dataclass

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When

from pledges.models import (
    STATUS_DEFINITIONS,
    BudgetFigure,
    BudgetSummary,
    Evidence,
    FigureState,
    Milestone,
    Pledge,
    Promiser,
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


def visible_status_change_evidence(*, include_suggested: bool = False) -> QuerySet:
    """Links between status changes and the evidence they rest on that may be shown (rows of
    the through table; the caller narrows them to its changes)."""
    through = StatusChange.evidence.through
    return through.objects.filter(
        evidence__state__in=evidence_states(include_suggested=include_suggested)
    )


def status_change_evidence_links(
    change_ids: Iterable[int], *, include_suggested: bool = False
) -> QuerySet:
    """(status change id, evidence id) pairs of the evidence each change rests on that may be
    shown, in evidence order."""
    return (
        visible_status_change_evidence(include_suggested=include_suggested)
        .filter(statuschange_id__in=list(change_ids))
        .order_by("evidence_id")
        .values_list("statuschange_id", "evidence_id")
    )


def evidence_is_visible(path: str, *, include_suggested: bool = False) -> Q:
    """The condition "the evidence at `path` (e.g. ``evidence``) may be shown", for rows of
    other tables that point to evidence (a figure or milestone shows its evidence only then)."""
    return Q(**{f"{path}__state__in": evidence_states(include_suggested=include_suggested)})


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


def budget_summaries(pledge_ids: Iterable[int]) -> dict[int, BudgetSummary]:
    """Each pledge's money summary from its confirmed figures, in one query for all of them."""
    by_pledge: dict[int, list[BudgetFigure]] = {}
    for figure in confirmed_figures_of(pledge_ids):
        by_pledge.setdefault(figure.pledge_id, []).append(figure)
    return {pid: BudgetSummary.from_figures(figures) for pid, figures in by_pledge.items()}


def pledge_ids_with_budget_shortfall() -> list[int]:
    """Published pledges whose confirmed planned cost is not fully secured (no secured figure
    counts as nothing secured): the "budget shortfall" filter of the list page and exports."""
    ids = published_pledges().values_list("pk", flat=True)
    summaries = budget_summaries(ids)
    return [
        pid
        for pid, summary in summaries.items()
        if summary.planned_krw and (summary.secured_krw or 0) < summary.planned_krw
    ]


# --- The front page ---------------------------------------------------------------------------


@dataclass
class StatusShare:
    definition: StatusDefinition
    count: int
    share: float  # of the promiser's pledges, 0..1


@dataclass
class PromiserOverview:
    """One promiser's scoreboard: the rate is never mixed across promisers."""

    promiser: Promiser
    pledges: list[Pledge]
    shares: list[StatusShare]
    rate: float | None
    rated: int  # the denominator: pledges counted in the rate
    kept: int
    partially_kept: int
    left_out: int  # not rated or unverifiable: outside the denominator
    planned_krw: int | None
    secured_krw: int | None
    executed_krw: int | None
    planned_is_lower_bound: bool

    @property
    def secured_ratio(self) -> float | None:
        if not self.planned_krw or self.secured_krw is None:
            return None
        return self.secured_krw / self.planned_krw


def _sum_known(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def promiser_overviews(pledges: Iterable[Pledge]) -> list[PromiserOverview]:
    """Per promiser, most pledges first: counts and shares per status, the fulfilment
    rate with its numerator and denominator, and the confirmed money of their pledges."""
    pledges = list(pledges)
    summaries = budget_summaries(p.pk for p in pledges)
    groups: dict[int, list[Pledge]] = {}
    for pledge in pledges:
        groups.setdefault(pledge.promiser_id, []).append(pledge)
    overviews = []
    for group in sorted(groups.values(), key=lambda g: (-len(g), g[0].promiser.name)):
        counts = Counter(p.status for p in group)
        shares = [
            StatusShare(STATUS_DEFINITIONS[value], counts[value], counts[value] / len(group))
            for value in Status.values
            if counts.get(value)
        ]
        in_rate = [
            p
            for p in group
            if STATUS_DEFINITIONS[p.status].counts_in_rate and p.status != Status.NOT_RATED
        ]
        money = [summaries.get(p.pk) for p in group]
        money = [m for m in money if m is not None]
        overviews.append(
            PromiserOverview(
                promiser=group[0].promiser,
                pledges=group,
                shares=shares,
                rate=fulfilment_rate(p.status for p in group),
                rated=len(in_rate),
                kept=counts.get(Status.KEPT, 0),
                partially_kept=counts.get(Status.PARTIALLY_KEPT, 0),
                left_out=len(group) - len(in_rate),
                planned_krw=_sum_known(m.planned_krw for m in money),
                secured_krw=_sum_known(m.secured_krw for m in money),
                executed_krw=_sum_known(m.executed_krw for m in money),
                planned_is_lower_bound=any(m.planned_is_lower_bound for m in money),
            )
        )
    return overviews


def newly_confirmed_evidence(limit: int = 5, pledge: Pledge | None = None) -> QuerySet[Evidence]:
    """The latest evidence editors confirmed for published pledges (or one of them), newest
    confirmation first."""
    evidence = confirmed_evidence().filter(pledge__is_published=True).select_related("pledge")
    if pledge is not None:
        evidence = evidence.filter(pledge=pledge)
    return evidence.order_by("-reviewed_at", "-pk")[:limit]


def public_corrections() -> QuerySet[StatusChange]:
    """Every correction of a published pledge's rating, newest first (/corrections/)."""
    return public_status_changes().filter(is_correction=True)


def pending_review_count() -> int:
    """Machine suggestions waiting for an editor (the count on the editors' desk)."""
    return Evidence.objects.filter(state=ReviewState.SUGGESTED).count()


# --- The JSON API (/api/v1/) ------------------------------------------------------------------
# Each API list starts from one of these; the API's filters only narrow them further.


def confirmed_evidence_counts(pledge_ids: Iterable[int]) -> dict[int, int]:
    """Confirmed evidence per pledge, for a page of pledges, in one query."""
    return dict(
        Evidence.objects.filter(pledge_id__in=list(pledge_ids), state=ReviewState.CONFIRMED)
        .order_by()
        .values("pledge_id")
        .annotate(n=Count("pk"))
        .values_list("pledge_id", "n")
    )


def public_pledges_with_parent() -> QuerySet[Pledge]:
    """Published pledges with ``public_parent_code`` (the parent's code only if published)."""
    return with_public_parent_code(published_pledges())


def with_public_evidence_link(rows: QuerySet) -> QuerySet:
    """Annotate rows that point to evidence (figures, milestones) with ``public_evidence_id``
    and ``public_article_url``: set only when that evidence is confirmed, else None."""
    shown = evidence_is_visible("evidence")
    return rows.annotate(
        public_evidence_id=Case(When(shown, then=F("evidence_id"))),
        public_article_url=Case(
            When(shown & ~Q(evidence__article__url=""), then=F("evidence__article__url")),
            When(shown, then=F("evidence__article__canonical_url")),
        ),
    )


def public_evidence() -> QuerySet[Evidence]:
    """Confirmed evidence of published pledges, with its article and pledge."""
    return confirmed_evidence().filter(pledge__is_published=True).select_related("pledge")


def public_budget_figures() -> QuerySet[BudgetFigure]:
    """Confirmed budget figures of published pledges, with the public link to their evidence."""
    return with_public_evidence_link(
        BudgetFigure.objects.filter(
            state=FigureState.CONFIRMED, pledge__is_published=True
        ).select_related("pledge")
    )


def public_milestones() -> QuerySet[Milestone]:
    """Milestones of published pledges, with the public link to their evidence."""
    return with_public_evidence_link(
        Milestone.objects.filter(pledge__is_published=True).select_related("pledge")
    )


def public_status_changes_with_evidence() -> QuerySet[StatusChange]:
    """Rating changes of published pledges, each with only its confirmed evidence prefetched
    (as ``public_evidence``)."""
    return public_status_changes().prefetch_related(
        Prefetch(
            "evidence",
            queryset=Evidence.objects.filter(state=ReviewState.CONFIRMED).order_by("pk"),
            to_attr="public_evidence",
        )
    )


def public_promisers() -> QuerySet[Promiser]:
    """Promisers with at least one published pledge, with how many (``published_pledges``)."""
    return (
        Promiser.objects.annotate(
            published_pledges=Count("pledges", filter=Q(pledges__is_published=True))
        )
        .filter(published_pledges__gt=0)
        .order_by("slug")
    )
