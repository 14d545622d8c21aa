"""Public pages. Reads only: published pledges and what an editor confirmed."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from pledges.filters import PledgeFilter, published_pledges
from pledges.models import (
    STATUS_DEFINITIONS,
    BudgetFigure,
    Evidence,
    FigureState,
    ReviewState,
    Status,
    StatusChange,
)


def fulfilment_rate(statuses: list[str]) -> float | None:
    """Share kept among rated pledges; partially kept counts half; unverifiable is left out."""
    counted = [STATUS_DEFINITIONS[s] for s in statuses if STATUS_DEFINITIONS[s].counts_in_rate]
    counted = [d for d in counted if d.status != Status.NOT_RATED]
    if not counted:
        return None
    return sum(d.counts_as_kept for d in counted) / len(counted)


def pledge_list(request):
    pledges = published_pledges().annotate(
        confirmed_evidence=Count("evidence", filter=Q(evidence__state=ReviewState.CONFIRMED))
    )
    pledge_filter = PledgeFilter(request.GET or None, queryset=pledges)
    # Invalid filters show their error and no rows, as the export answers 400 for them.
    rows = [] if pledge_filter.is_bound and not pledge_filter.is_valid() else list(pledge_filter.qs)
    status_counts = {value: 0 for value in Status.values}
    for pledge in rows:
        status_counts[pledge.status] += 1
    context = {
        "filter": pledge_filter,
        "pledges": rows,
        "status_counts": [
            (STATUS_DEFINITIONS[value], status_counts[value]) for value in Status.values
        ],
        "fulfilment_rate": fulfilment_rate([p.status for p in rows]),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "pledges/list.html", context)


def pledge_detail(request, slug: str):
    confirmed = Evidence.objects.filter(state=ReviewState.CONFIRMED).select_related("article")
    pledge = get_object_or_404(
        published_pledges().prefetch_related(
            Prefetch(
                "status_changes",
                queryset=StatusChange.objects.prefetch_related(
                    Prefetch("evidence", queryset=confirmed)
                ),
            ),
            "milestones",
            "revisions",
        ),
        slug=slug,
    )
    evidence = confirmed.filter(pledge=pledge).order_by("-article__published_at", "-pk")
    figures = (
        BudgetFigure.objects.filter(pledge=pledge, state=FigureState.CONFIRMED)
        .select_related("evidence__article")
        .order_by("stage", "funder", "fiscal_year")
    )
    context = {
        "pledge": pledge,
        "status_definition": STATUS_DEFINITIONS[pledge.status],
        "status_changes": pledge.status_changes.all(),
        "budget": pledge.budget_summary(),
        "figures": figures,
        "evidence": evidence,
        "children": published_pledges().filter(parent=pledge),
    }
    return render(request, "pledges/detail.html", context)


def status_definitions(request):
    return render(
        request, "pledges/statuses.html", {"definitions": list(STATUS_DEFINITIONS.values())}
    )
