"""Public pages. Reads only, through pledges.selectors: published pledges, confirmed evidence."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pledges import selectors
from pledges.filters import PledgeFilter
from pledges.models import STATUS_DEFINITIONS, BudgetSummary
from pledges.site.money import stage_bars

PAGE_SIZE = 20
# Confirmed articles on a pledge's page (newest first); all of them are on its evidence pages.
EVIDENCE_SHOWN = 50
EVIDENCE_PAGE_SIZE = 50
# Pledges the front page lists under each promiser; the rest are a link to the filtered list.
HOME_PLEDGES_SHOWN = 5
# Orders of the list (selectors.sorted_for_list); the default is recently changed.
SORT_LABELS = {"changed": _("Recently changed"), "budget": _("Budget"), "title": _("Title")}
# Parameters of the page that are not filters: they do not change which rows a download has.
PAGE_ONLY_PARAMETERS = ("sort", "page")


def home(request):
    # The list used to live at "/": old links with filters keep working at its new address.
    if any(name in request.GET for name in PledgeFilter.base_filters):
        return HttpResponsePermanentRedirect(f"{reverse('pledges:list')}?{request.GET.urlencode()}")
    pledges = selectors.published_pledges()
    context = {
        "overviews": selectors.promiser_overviews(pledges, with_pledges=HOME_PLEDGES_SHOWN),
        "latest_changes": list(selectors.public_status_changes()[:5]),
        "new_evidence": list(selectors.newly_confirmed_evidence(5)),
        "pledge_count": pledges.count(),
    }
    return render(request, "pledges/home.html", context)


def pledge_list(request):
    pledge_filter = PledgeFilter(request.GET or None, queryset=selectors.published_pledges())
    # Invalid filters show their error and no rows, as the export answers 400 for them.
    invalid = pledge_filter.is_bound and not pledge_filter.is_valid()
    matching = selectors.published_pledges().none() if invalid else pledge_filter.qs
    sort = request.GET.get("sort") if request.GET.get("sort") in SORT_LABELS else "changed"
    # The database sorts and pages; only the page's pledges are read, with their details.
    page = Paginator(selectors.sorted_for_list(matching, sort), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.with_list_details(page.object_list)
    filters_only = request.GET.copy()
    for name in PAGE_ONLY_PARAMETERS:
        filters_only.pop(name, None)
    without_page = request.GET.copy()
    without_page.pop("page", None)
    context = {
        "filter": pledge_filter,
        "page_obj": page,
        "pledges": page.object_list,
        "total": page.paginator.count,
        "status_counts": selectors.status_counts(matching),
        "overviews": selectors.promiser_overviews(matching),
        "sort": sort,
        "sorts": SORT_LABELS,
        "query_string": filters_only.urlencode(),
        "page_query": without_page.urlencode(),
    }
    return render(request, "pledges/list.html", context)


def pledge_detail(request, slug: str):
    pledge = get_object_or_404(selectors.pledge_for_page(slug))
    figures = list(selectors.confirmed_budget_figures(pledge))
    # One read of the figures serves the table and the summary (latest as_of wins).
    budget = BudgetSummary.from_figures(sorted(figures, key=lambda f: (f.as_of, f.pk)))
    cited = {f.evidence_id for f in figures if f.evidence_id}
    cited.update(e.pk for change in pledge.status_changes.all() for e in change.evidence.all())
    evidence, evidence_total = selectors.evidence_for_pledge_page(
        pledge, newest=EVIDENCE_SHOWN, cited=cited
    )
    context = {
        "pledge": pledge,
        "status_definition": STATUS_DEFINITIONS[pledge.status],
        "status_changes": pledge.status_changes.all(),
        "timeline": timeline(pledge),
        "budget": budget,
        "bars": stage_bars(budget),
        "figures": figures,
        "evidence": evidence,
        "evidence_total": evidence_total,
        "evidence_shown": EVIDENCE_SHOWN,
        "children": selectors.published_children(pledge),
        "page_url": request.build_absolute_uri(pledge.get_absolute_url()),
        "tables": ("pledges", "evidence", "budget_figures", "status_changes", "milestones"),
    }
    return render(request, "pledges/detail.html", context)


def pledge_evidence(request, slug: str):
    """Every confirmed article of a pledge, newest first, a page at a time."""
    pledge = get_object_or_404(selectors.published_pledges().filter(slug=slug))
    page = Paginator(selectors.confirmed_evidence(pledge), EVIDENCE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "pledge": pledge,
        "page_obj": page,
        "evidence": page.object_list,
        "page_url": request.build_absolute_uri(
            reverse("pledges:evidence", kwargs={"slug": pledge.slug})
        ),
    }
    return render(request, "pledges/evidence.html", context)


def timeline(pledge) -> list[dict]:
    """Status changes, milestones and revisions of a pledge, newest first, on one line of time.
    Open milestones sit at their planned date."""
    events = []
    for change in pledge.status_changes.all():
        events.append({"kind": "status", "date": change.effective_date, "item": change})
    for milestone in pledge.milestones.all():
        date = milestone.actual_date or milestone.planned_date
        events.append({"kind": "milestone", "date": date, "item": milestone})
    for revision in pledge.revisions.all():
        events.append({"kind": "revision", "date": revision.decided_on, "item": revision})
    dated = sorted((e for e in events if e["date"]), key=lambda e: e["date"], reverse=True)
    return dated + [e for e in events if not e["date"]]


def status_definitions(request):
    return render(
        request, "pledges/statuses.html", {"definitions": list(STATUS_DEFINITIONS.values())}
    )


def methodology(request):
    return render(
        request, "pledges/methodology.html", {"definitions": list(STATUS_DEFINITIONS.values())}
    )


def corrections(request):
    return render(
        request, "pledges/corrections.html", {"corrections": selectors.public_corrections()}
    )


def ping(request):
    """The smallest answer the site gives through its whole middleware stack."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
