"""The API shows only what an editor confirmed, of published pledges, and a page of it costs a
fixed number of SQL queries however many rows there are."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges.budget_totals import refresh_budget_totals
from pledges.models import (
    Article,
    BudgetFigure,
    BudgetStage,
    Evidence,
    FigureState,
    Funder,
    Milestone,
    MilestoneKind,
    ReviewState,
    Status,
    StatusChange,
)
from pledges.review import record_status_change
from pledges.tests.factories import (
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ("pledges", "status-changes", "budget-figures", "milestones", "evidence")


def every_row(client, path: str) -> list[dict]:
    rows: list[dict] = []
    url = path
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        url = response.json()["next"]
    return rows


def test_nothing_unconfirmed_or_unpublished_is_ever_shown(client):
    public = PledgeFactory(slug="public-pledge", code="A-01")
    hidden = PledgeFactory(slug="hidden-pledge", code="Z-99", is_published=False)
    confirmed = ConfirmedEvidenceFactory(pledge=public, snippet="확인된 근거 문장.")
    suggested = EvidenceFactory(pledge=public, snippet="제안만 된 문장.")
    rejected = EvidenceFactory(
        pledge=public, state=ReviewState.REJECTED, reviewed_at=timezone.now()
    )
    change = record_status_change(
        pledge=public,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2025, 6, 9),
        rationale="근거가 확인됐다.",
        evidence=[confirmed],
    )
    # A link made before the evidence was un-confirmed must not leak it either.
    change.evidence.add(suggested, rejected)
    shown_figure = BudgetFigureFactory(pledge=public, evidence=suggested)
    BudgetFigureFactory(pledge=public, state=FigureState.SUGGESTED, amount_krw=777_000_000)
    Milestone.objects.create(
        pledge=public, kind=MilestoneKind.DESIGN, title="설계", evidence=suggested
    )
    # Everything of the unpublished pledge, confirmed or not.
    hidden_evidence = ConfirmedEvidenceFactory(pledge=hidden, snippet="비공개 공약의 근거.")
    record_status_change(
        pledge=hidden,
        to_status=Status.KEPT,
        effective_date=dt.date(2025, 6, 9),
        rationale="비공개.",
        evidence=[hidden_evidence],
    )
    BudgetFigureFactory(pledge=hidden, amount_krw=999_000_000)
    Milestone.objects.create(pledge=hidden, kind=MilestoneKind.OTHER, title="비공개 일정")
    PledgeFactory(slug="child", code="A-02", parent=hidden)

    everything = {name: every_row(client, f"/api/v1/{name}/") for name in LISTS}
    text = repr(everything)
    for leak in ("hidden-pledge", "Z-99", "제안만 된 문장", "비공개", "777000000", "999000000"):
        assert leak not in text, leak
    assert [p["slug"] for p in everything["pledges"]] == ["public-pledge", "child"]
    assert everything["pledges"][1]["parent_code"] is None  # the parent is not published
    assert everything["pledges"][0]["evidence_count"] == 1
    assert [e["id"] for e in everything["evidence"]] == [confirmed.pk]
    assert [c["evidence_ids"] for c in everything["status-changes"]] == [[confirmed.pk]]
    [figure] = everything["budget-figures"]
    assert figure["id"] == shown_figure.pk
    assert figure["evidence_id"] is None and figure["article_url"] is None
    [milestone] = everything["milestones"]
    assert milestone["evidence_id"] is None and milestone["article_url"] is None
    assert [p["slug"] for p in client.get("/api/v1/promisers/").json()] == ["lee-jae-myung"]
    # Nor one by one.
    assert client.get("/api/v1/pledges/hidden-pledge/").status_code == 404
    assert client.get(f"/api/v1/evidence/{suggested.pk}/").status_code == 404
    assert client.get(f"/api/v1/evidence/{hidden_evidence.pk}/").status_code == 404
    hidden_change = StatusChange.objects.get(pledge=hidden)
    assert client.get(f"/api/v1/status-changes/{hidden_change.pk}/").status_code == 404
    # Nor by asking for it with a filter.
    assert every_row(client, "/api/v1/evidence/?pledge=hidden-pledge") == []
    assert every_row(client, "/api/v1/pledges/?q=hidden") == []
    assert client.get("/api/v1/evidence/?include=suggested").status_code == 400


# --- SQL queries per page do not grow with the data --------------------------------------------


ARTICLE_NUMBERS = itertools.count()


def make_rows(count: int) -> None:
    """Up to 60 published pledges, and `count` rows of every child table spread over them."""
    pledges = [PledgeFactory() for _ in range(min(count, 60))]
    now = timezone.now()
    numbers = [next(ARTICLE_NUMBERS) for _ in range(count)]
    articles = Article.objects.bulk_create(
        Article(
            outlet="시험일보",
            url=f"https://news.example.org/q/{n}",
            canonical_url=f"https://news.example.org/q/{n}",
            title=f"기사 {n}",
            body=f"시험 기사 본문 {n}",
            content_hash=hashlib.sha256(f"q{n}".encode()).hexdigest(),
            published_at=now,
        )
        for n in numbers
    )
    evidence = Evidence.objects.bulk_create(
        Evidence(
            article=article,
            pledge=pledges[n % len(pledges)],
            state=ReviewState.CONFIRMED,
            reviewed_at=now,
            snippet="근거 문장.",
        )
        for n, article in enumerate(articles)
    )
    BudgetFigure.objects.bulk_create(
        BudgetFigure(
            pledge=pledges[n % len(pledges)],
            amount_krw=1_000_000 * (n + 1),
            stage=BudgetStage.PLANNED,
            funder=Funder.TOTAL,
            fiscal_year=2000 + n % 50,
            as_of=dt.date(2025, 6, 10),
            state=FigureState.CONFIRMED,
            evidence=evidence[n],
        )
        for n in range(count)
    )
    refresh_budget_totals(pledge.pk for pledge in pledges)  # as the figure actions do
    Milestone.objects.bulk_create(
        Milestone(
            pledge=pledges[n % len(pledges)],
            kind=MilestoneKind.OTHER,
            title=f"일정 {n}",
            evidence=evidence[n],
        )
        for n in range(count)
    )
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            pledge=pledges[n % len(pledges)],
            from_status=Status.NOT_RATED,
            to_status=Status.IN_PROGRESS,
            effective_date=dt.date(2025, 6, 9),
            rationale="시험.",
        )
        for n in range(count)
    )
    through = StatusChange.evidence.through
    through.objects.bulk_create(
        through(statuschange_id=change.pk, evidence_id=evidence[n].pk)
        for n, change in enumerate(changes)
    )


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        assert response.status_code == 200, response.content
        assert response.json()["results"]
    return len(captured)


@pytest.mark.parametrize("name", LISTS)
def test_a_page_costs_the_same_queries_at_10_and_1000_rows(client, name):
    path = f"/api/v1/{name}/?page_size=200&q=시험"
    make_rows(10)
    small = queries_for(client, path)
    make_rows(990)
    large = queries_for(client, path)
    assert large == small, (small, large)
    assert small <= 4


def test_a_pledge_costs_the_same_queries_with_many_rows(client):
    make_rows(10)
    slug = PledgeFactory(slug="measured").slug
    with CaptureQueriesContext(connection) as small:
        client.get(f"/api/v1/pledges/{slug}/")
    make_rows(990)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/api/v1/pledges/{slug}/")
    assert len(large) == len(small) <= 3
