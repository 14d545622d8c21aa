"""Public pages. Reads only, through pledges.selectors: published pledges, confirmed evidence."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from pledges import selectors
from pledges.filters import PledgeFilter
from pledges.models import STATUS_DEFINITIONS


def pledge_list(request):
    pledge_filter = PledgeFilter(request.GET or None, queryset=selectors.pledges_for_list())
    # Invalid filters show their error and no rows, as the export answers 400 for them.
    rows = [] if pledge_filter.is_bound and not pledge_filter.is_valid() else list(pledge_filter.qs)
    context = {
        "filter": pledge_filter,
        "pledges": rows,
        "status_counts": selectors.status_counts(rows),
        "fulfilment_rate": selectors.fulfilment_rate(p.status for p in rows),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "pledges/list.html", context)


def pledge_detail(request, slug: str):
    pledge = get_object_or_404(selectors.pledge_for_page(slug))
    context = {
        "pledge": pledge,
        "status_definition": STATUS_DEFINITIONS[pledge.status],
        "status_changes": pledge.status_changes.all(),
        "budget": selectors.budget_summary(pledge),
        "figures": selectors.confirmed_budget_figures(pledge),
        "evidence": selectors.confirmed_evidence(pledge),
        "children": selectors.published_children(pledge),
    }
    return render(request, "pledges/detail.html", context)


def status_definitions(request):
    return render(
        request, "pledges/statuses.html", {"definitions": list(STATUS_DEFINITIONS.values())}
    )
