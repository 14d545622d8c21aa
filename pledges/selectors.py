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

from django.db.models import (
    Case,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    When,
    Window,
)
from django.db.models.functions import RowNumber

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
    planned_krw_for_sort,
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


def sorted_for_list(pledges: QuerySet[Pledge], sort: str) -> QuerySet[Pledge]:
    """``pledges`` in the list page's order ``sort``, by the database, ``code`` breaking ties:
    "changed" (the default) newest status first, pledges never rated last; "budget" the
    largest confirmed planned cost first (none counts as 0); "title" alphabetical."""
    if sort == "budget":
        return pledges.order_by(planned_krw_for_sort().desc(), "code")
    if sort == "title":
        return pledges.order_by("title", "code")
    return pledges.order_by(F("status_since").desc(nulls_last=True), "code")


def with_list_details(pledges: Iterable[Pledge]) -> list[Pledge]:
    """A page of pledges with what their cards show: ``confirmed_evidence`` (a count) and
    ``money`` (the summary of confirmed figures), read for these pledges only."""
    pledges = list(pledges)
    ids = [p.pk for p in pledges]
    evidence = confirmed_evidence_counts(ids)
    money = budget_summaries(ids)
    for pledge in pledges:
        pledge.confirmed_evidence = evidence.get(pledge.pk, 0)
        pledge.money = money.get(pledge.pk) or BudgetSummary()
    return pledges


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


def evidence_for_pledge_page(
    pledge: Pledge, *, newest: int, cited: Iterable[int] = ()
) -> tuple[list[Evidence], int]:
    """The pledge page's evidence: its ``newest`` confirmed articles, plus the confirmed ones
    in ``cited`` (those its budget figures and status changes link to, so every link lands),
    newest first; and how many confirmed articles it has in all. A flagship pledge gathers
    thousands over a term: the page stays bounded, and the rest is on its evidence pages.
    Three queries whatever the numbers."""
    evidence = confirmed_evidence(pledge)
    shown = list(evidence.values_list("pk", flat=True)[:newest])
    rows = list(evidence.filter(pk__in={*shown, *cited}))
    return rows, evidence.count()


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
    """Each status with its public definition and how many of ``pledges`` hold it (a queryset
    is counted by the database, GROUP BY status, without loading its rows)."""
    if isinstance(pledges, QuerySet):
        counts = Counter(
            dict(
                pledges.order_by()
                .values("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
        )
    else:
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


def budget_shortfall_pledges() -> QuerySet[Pledge]:
    """Published pledges whose confirmed planned cost is not fully secured (no secured figure
    counts as nothing secured): the "budget shortfall" filter of the list page and exports.
    Read from each pledge's stored money summary (``budget_totals``)."""
    return Pledge.objects.filter(is_published=True, confirmed_planned_krw__gt=0).filter(
        Q(confirmed_secured_krw__isnull=True)
        | Q(confirmed_secured_krw__lt=F("confirmed_planned_krw"))
    )


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
    pledge_count: int = 0  # how many pledges (``pledges`` is filled for the front page only)

    @property
    def secured_ratio(self) -> float | None:
        if not self.planned_krw or self.secured_krw is None:
            return None
        return self.secured_krw / self.planned_krw


def promiser_overviews(
    pledges: QuerySet[Pledge], *, with_pledges: int = 0
) -> list[PromiserOverview]:
    """Per promiser, most pledges first: counts and shares per status, the fulfilment
    rate with its numerator and denominator, and the confirmed money of their pledges.
    Counted and summed by the database (GROUP BY promiser); ``with_pledges`` also lists up to
    that many of each promiser's pledges (the front page), read lightly, in code order."""
    pledges = pledges.order_by()
    counts: dict[int, Counter] = {}
    for promiser_id, status, n in (
        pledges.values("promiser_id", "status")
        .annotate(n=Count("pk"))
        .values_list("promiser_id", "status", "n")
    ):
        counts.setdefault(promiser_id, Counter())[status] = n
    promisers = Promiser.objects.in_bulk(list(counts))
    # Each pledge's stored money summary (``budget_totals``), summed per promiser: a stage
    # without any confirmed figure stays None; the planned total is a lower bound when one of
    # the pledges' planned totals is.
    money = {
        row["promiser_id"]: row
        for row in pledges.values("promiser_id").annotate(
            planned=Sum("confirmed_planned_krw"),
            secured=Sum("confirmed_secured_krw"),
            executed=Sum("confirmed_executed_krw"),
            planned_lower=Count("pk", filter=Q(confirmed_planned_is_lower_bound=True)),
        )
    }
    listed: dict[int, list[Pledge]] = {}
    if with_pledges:
        first = pledges.alias(
            place=Window(RowNumber(), partition_by=F("promiser_id"), order_by=F("code").asc())
        ).filter(place__lte=with_pledges)
        light = first.select_related(None).only(
            "pk", "promiser_id", "slug", "title", "title_en", "status", "code"
        )
        for pledge in light.order_by("code"):
            listed.setdefault(pledge.promiser_id, []).append(pledge)
    overviews = []
    for promiser_id in sorted(counts, key=lambda pid: (-counts[pid].total(), promisers[pid].name)):
        status_count = counts[promiser_id]
        size = status_count.total()
        shares = [
            StatusShare(STATUS_DEFINITIONS[value], status_count[value], status_count[value] / size)
            for value in Status.values
            if status_count.get(value)
        ]
        rated = sum(
            n
            for value, n in status_count.items()
            if STATUS_DEFINITIONS[value].counts_in_rate and value != Status.NOT_RATED
        )
        sums = money.get(promiser_id, {})
        overviews.append(
            PromiserOverview(
                promiser=promisers[promiser_id],
                pledges=listed.get(promiser_id, []),
                shares=shares,
                rate=fulfilment_rate(status_count.elements()),
                rated=rated,
                kept=status_count.get(Status.KEPT, 0),
                partially_kept=status_count.get(Status.PARTIALLY_KEPT, 0),
                left_out=size - rated,
                planned_krw=sums.get("planned"),
                secured_krw=sums.get("secured"),
                executed_krw=sums.get("executed"),
                planned_is_lower_bound=sums.get("planned_lower", 0) > 0,
                pledge_count=size,
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
