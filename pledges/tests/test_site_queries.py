"""SQL queries per public page do not grow with the data: the same count at 10 and at 1,000
confirmed evidence rows (with more pledges, status changes, figures and milestones too)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges.budget_totals import refresh_budget_totals
from pledges.models import Article, BudgetFigure, Evidence, Milestone, ReviewState, Status
from pledges.review import record_status_change
from pledges.tests.factories import PledgeFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/en/", "/pledges/", "/pledges/?status=stalled&sort=budget", "/feed/"]
PLEDGE_PAGES = [
    "/pledges/{slug}/",
    "/en/pledges/{slug}/",
    "/pledges/{slug}/evidence/",
    "/pledges/{slug}/feed/",
]


def add_data(pledges: int, evidence: int, start: int, also=None) -> list:
    """``pledges`` published pledges with a status change, two figures and a milestone each,
    and ``evidence`` confirmed evidence rows (one article each) spread over them; half of
    them go to the pledge ``also`` when given."""
    created = [PledgeFactory(is_published=True) for _ in range(pledges)]
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(
            outlet="쿼리일보",
            url=f"https://queries.example.org/{start + n}",
            canonical_url=f"https://queries.example.org/{start + n}",
            title=f"쿼리 시험 기사 {start + n}",
            body="쿼리 시험 본문",
            normalized_body="쿼리 시험 본문",
            content_hash=f"{start + n:064x}",
            published_at=now - dt.timedelta(minutes=n),
        )
        for n in range(evidence)
    )
    rows = Evidence.objects.bulk_create(
        Evidence(
            article=article,
            pledge=also if also is not None and n % 2 else created[n % pledges],
            state=ReviewState.CONFIRMED,
            reviewed_at=now - dt.timedelta(seconds=n),
            snippet="쿼리 시험 사업에 국비 100억 원",
        )
        for n, article in enumerate(articles)
    )
    for n, pledge in enumerate(created):
        BudgetFigure.objects.bulk_create(
            [
                BudgetFigure(pledge=pledge, stage=stage, funder="total", amount_krw=amount,
                             as_of=dt.date(2025, 6, 10), state="confirmed",
                             evidence=rows[n])
                for stage, amount in [("planned", 900_000_000_000), ("secured", 95_700_000_000)]
            ]
        )  # fmt: skip
        refresh_budget_totals([pledge.pk])  # as the figure actions do
        Milestone.objects.create(
            pledge=pledge, kind="design", title="기본설계", planned_date=dt.date(2026, 3, 1)
        )
        record_status_change(
            pledge=pledge,
            to_status=[Status.IN_PROGRESS, Status.STALLED][n % 2],
            effective_date=dt.date(2025, 6, 10),
            rationale="쿼리 시험 근거",
            evidence=[next(row for row in rows if row.pledge_id == pledge.pk)],
        )
    return created


def queries_of(client, url: str) -> int:
    cache.clear()  # count the work of rendering, not of the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_queries_per_page_do_not_grow_with_the_data(client):
    first = add_data(pledges=5, evidence=10, start=0)
    slug = first[0].slug
    urls = PAGES + [u.format(slug=slug) for u in PLEDGE_PAGES]
    small = {url: queries_of(client, url) for url in urls}
    add_data(pledges=45, evidence=990, start=10, also=first[0])
    assert Evidence.objects.filter(state=ReviewState.CONFIRMED).count() == 1000
    assert first[0].evidence.count() > 400
    large = {url: queries_of(client, url) for url in urls}
    assert large == small
