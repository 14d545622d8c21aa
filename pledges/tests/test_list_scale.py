"""The list page and the front page at the size of a national tracker: the database counts,
sums, sorts and pages, so the number of queries does not grow with the number of pledges, and
the numbers it computes are the ones ``BudgetSummary`` computes from the figures in Python."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges import selectors
from pledges.budget_totals import STORED_FIELDS, stored_summary
from pledges.models import BudgetStage, FigureState, Funder, Pledge, Status
from pledges.site import views
from pledges.tests.factories import (
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    PledgeFactory,
    PromiserFactory,
)
from pledges.tests.test_scale_indexes import _plan

PROMISERS = [("promiser-a", "가나다"), ("promiser-b", "라마바"), ("promiser-c", "사아자")]
STATUSES = [Status.NOT_RATED, Status.IN_PROGRESS, Status.KEPT, Status.PARTIALLY_KEPT]


def add_pledges(count: int, rng: random.Random) -> list[Pledge]:
    """``count`` published pledges spread over three promisers and several statuses: the
    first one's planned cost not secured at all, the others with random confirmed and suggested
    budget figures (superseded, stated totals beside parts, with and without a fiscal year,
    "more than" figures) and some confirmed evidence."""
    promisers = [PromiserFactory(slug=slug, name=name) for slug, name in PROMISERS]
    pledges = []
    for i in range(count):
        pledge = PledgeFactory(promiser=promisers[i % len(promisers)])
        if i == 0:  # every promiser has pledges, and promiser-a one short of money
            BudgetFigureFactory(pledge=pledge, amount_krw=30_000_000_000)
            pledges.append(pledge)
            continue
        since = rng.choice([None, dt.date(2025, rng.randint(1, 12), rng.randint(1, 28))])
        Pledge.objects.filter(pk=pledge.pk).update(status=rng.choice(STATUSES), status_since=since)
        for _ in range(rng.randint(0, 6)):
            BudgetFigureFactory(
                pledge=pledge,
                amount_krw=rng.choice([0, 1, 5, 10, 30]) * 1_000_000_000,
                stage=rng.choice([BudgetStage.PLANNED, BudgetStage.SECURED, BudgetStage.EXECUTED]),
                funder=rng.choice([Funder.TOTAL, Funder.NATIONAL, Funder.LOCAL]),
                fiscal_year=rng.choice([None, 2025, 2026]),
                as_of=dt.date(2025, rng.randint(1, 3), 1),
                is_lower_bound=rng.random() < 0.2,
                state=rng.choice([FigureState.CONFIRMED] * 3 + [FigureState.SUGGESTED]),
            )
        for _ in range(rng.randint(0, 2)):
            ConfirmedEvidenceFactory(pledge=pledge)
        pledges.append(pledge)
    return pledges


def python_summaries() -> dict[int, object]:
    return {p.pk: selectors.budget_summary(p) for p in Pledge.objects.filter(is_published=True)}


@pytest.mark.django_db
def test_database_totals_sorts_and_overviews_equal_the_python_summary():
    add_pledges(40, random.Random(14))
    summaries = python_summaries()
    for stored in Pledge.objects.filter(is_published=True).values("pk", *STORED_FIELDS):
        pk = stored.pop("pk")
        assert stored == stored_summary(summaries[pk]), pk

    expected_shortfall = sorted(
        pk for pk, s in summaries.items() if s.planned_krw and (s.secured_krw or 0) < s.planned_krw
    )
    shortfall = selectors.budget_shortfall_pledges().order_by("pk").values_list("pk", flat=True)
    assert list(shortfall) == expected_shortfall
    assert expected_shortfall  # the random book has some, so the check means something

    rows = list(Pledge.objects.filter(is_published=True))
    keys = {
        "changed": lambda p: (-(p.status_since.toordinal() if p.status_since else 0), p.code),
        "budget": lambda p: (-(summaries[p.pk].planned_krw or 0), p.code),
        "title": lambda p: (p.title, p.code),
    }
    for sort, key in keys.items():
        by_database = selectors.sorted_for_list(selectors.published_pledges(), sort)
        assert [p.pk for p in by_database] == [p.pk for p in sorted(rows, key=key)], sort

    overviews = selectors.promiser_overviews(selectors.published_pledges(), with_pledges=100)
    assert [o.promiser.slug for o in overviews] == [
        slug
        for slug, _ in sorted(
            PROMISERS,
            key=lambda sn: (-sum(p.promiser.slug == sn[0] for p in rows), sn[1]),
        )
    ]
    for overview in overviews:
        mine = [p for p in rows if p.promiser_id == overview.promiser.pk]
        assert overview.pledge_count == len(mine) == len(overview.pledges)
        assert [p.code for p in overview.pledges] == sorted(p.code for p in mine)
        assert overview.rate == selectors.fulfilment_rate(p.status for p in mine)
        assert overview.kept == sum(p.status == Status.KEPT for p in mine)
        for stage, field in [
            (BudgetStage.PLANNED, "planned_krw"),
            (BudgetStage.SECURED, "secured_krw"),
            (BudgetStage.EXECUTED, "executed_krw"),
        ]:
            known = [summaries[p.pk].totals[stage] for p in mine if stage in summaries[p.pk].totals]
            assert getattr(overview, field) == (sum(known) if known else None), (stage, overview)
        assert overview.planned_is_lower_bound == any(
            summaries[p.pk].planned_is_lower_bound for p in mine
        )


def queries(client, url: str) -> int:
    cache.clear()  # count the queries of rendering the page, not of serving it from the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


PAGES = [
    "/",
    "/pledges/",
    "/pledges/?sort=budget&page=2",
    "/pledges/?sort=title&status=kept&status=in_progress",
    "/pledges/?budget_shortfall=true&promiser=promiser-a",
]


@pytest.mark.django_db
def test_queries_of_the_list_and_front_page_do_not_grow_with_the_pledges(client, monkeypatch):
    rng = random.Random(5)
    add_pledges(5, rng)
    few = {url: queries(client, url) for url in PAGES}
    add_pledges(55, rng)
    many = {url: queries(client, url) for url in PAGES}
    assert many == few

    # The page still shows one page of the right rows, counted over all of them.
    response = client.get(reverse("pledges:list"), {"sort": "budget"})
    assert response.context["total"] == 60
    shown = response.context["pledges"]
    assert len(shown) == 20
    summaries = python_summaries()
    planned = [summaries[p.pk].planned_krw or 0 for p in shown]
    assert planned == sorted(planned, reverse=True)
    assert all(p.money.planned_krw == summaries[p.pk].planned_krw for p in shown)
    counts = dict((d.status, n) for d, n in response.context["status_counts"])
    assert sum(counts.values()) == 60
    assert counts[Status.KEPT] == Pledge.objects.filter(status=Status.KEPT).count()
    cache.clear()  # the front page was served above: render it again for its context
    home = client.get(reverse("pledges:home"))
    assert home.context["pledge_count"] == 60
    assert sum(o.pledge_count for o in home.context["overviews"]) == 60

    # The front page lists a few pledges per promiser and links to the rest.
    monkeypatch.setattr(views, "HOME_PLEDGES_SHOWN", 5)
    cache.clear()
    home = client.get(reverse("pledges:home"))
    first = home.context["overviews"][0]
    assert first.pledge_count == Pledge.objects.filter(promiser=first.promiser).count() > 5
    assert [p.code for p in first.pledges] == sorted(
        Pledge.objects.filter(promiser=first.promiser).values_list("code", flat=True)
    )[:5]
    assert f'href="/pledges/?promiser={first.promiser.slug}"' in home.content.decode()


@pytest.mark.django_db
def test_the_front_pages_latest_confirmations_are_read_from_their_index(require_postgres):
    for _ in range(3):
        ConfirmedEvidenceFactory()
    plan = _plan(selectors.newly_confirmed_evidence(5))
    assert "evidence_newly_confirmed" in plan, plan
    assert "Sort" not in plan.split("evidence_newly_confirmed")[0], plan
