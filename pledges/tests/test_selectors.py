"""Every public read goes through pledges.selectors, and nothing unconfirmed comes out of it:
not on a page, not in an Atom feed, not in an export."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse

from pledges import exports, review, selectors
from pledges.budget_totals import refresh_budget_totals
from pledges.models import FigureState, ReviewState, Status
from pledges.tests.factories import ArticleFactory, EvidenceFactory, PledgeFactory

CONFIRMED_MARK = "확정근거문장입니다"
SECRET_MARKS = ("검토대기문장입니다", "반려된문장입니다", "비공개공약제목", "미확정금액메모")


@pytest.fixture
def mixed_world(db, editor):
    """A public pledge with confirmed, suggested and rejected evidence, a confirmed and a
    suggested budget figure, and an unpublished pledge with confirmed evidence of its own."""
    public = PledgeFactory(slug="public-pledge", title="공개 공약")
    hidden = PledgeFactory(slug="hidden-pledge", title="비공개공약제목", is_published=False)
    confirmed = EvidenceFactory(
        pledge=public,
        snippet=CONFIRMED_MARK,
        article=ArticleFactory(title="확정 기사"),
    )
    review.confirm_evidence(evidence=confirmed, reviewer=editor)
    EvidenceFactory(
        pledge=public,
        snippet="검토대기문장입니다",
        article=ArticleFactory(title="검토대기문장입니다"),
    )
    rejected = EvidenceFactory(
        pledge=public, snippet="반려된문장입니다", article=ArticleFactory(title="반려된문장입니다")
    )
    review.reject_evidence(evidence=rejected, reviewer=editor, reason="다른 사업")
    hidden_evidence = review.confirm_evidence(
        evidence=EvidenceFactory(pledge=hidden, snippet="비공개공약제목"), reviewer=editor
    )
    review.record_status_change(
        pledge=hidden,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2025, 6, 10),
        rationale="비공개공약제목",
        evidence=[hidden_evidence],
    )
    from pledges.models import BudgetFigure

    BudgetFigure.objects.create(
        pledge=public,
        amount_krw=100_000_000_000,
        stage="secured",
        funder="national",
        as_of=dt.date(2025, 6, 10),
        note="확정금액메모",
        state=FigureState.CONFIRMED,
    )
    BudgetFigure.objects.create(
        pledge=public,
        amount_krw=95_700_000_000,
        stage="secured",
        funder="national",
        as_of=dt.date(2025, 6, 11),
        note="미확정금액메모",
        state=FigureState.SUGGESTED,
    )
    refresh_budget_totals([public.pk])  # as the figure actions do
    return public, hidden


def public_responses(client, public):
    urls = [
        reverse("pledges:list"),
        reverse("pledges:detail", args=[public.slug]),
        reverse("pledges:feed"),
        reverse("pledges:pledge-feed", args=[public.slug]),
    ]
    urls += [f"/export/{table}.{fmt}" for table in exports.TABLES for fmt in exports.FORMATS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".xlsx"):  # a zip: its worksheet's XML holds the cells as text
            with zipfile.ZipFile(io.BytesIO(content)) as workbook:
                content = b"".join(workbook.read(name) for name in workbook.namelist())
        yield url, content.decode("utf-8")


def test_pages_feeds_and_exports_show_only_what_an_editor_confirmed(client, mixed_world):
    public, _hidden = mixed_world
    seen_confirmed = False
    for url, body in public_responses(client, public):
        for mark in SECRET_MARKS:
            assert mark not in body, f"{mark} leaked through {url}"
        seen_confirmed |= CONFIRMED_MARK in body
    assert seen_confirmed  # the confirmed evidence does reach the public


def test_the_hidden_pledge_has_no_public_page_or_feed(client, mixed_world):
    _public, hidden = mixed_world
    assert client.get(reverse("pledges:detail", args=[hidden.slug])).status_code == 404
    assert client.get(reverse("pledges:pledge-feed", args=[hidden.slug])).status_code == 404


def test_selectors_return_nothing_unconfirmed(mixed_world):
    public, hidden = mixed_world
    assert list(selectors.published_pledges()) == [public]
    assert {e.state for e in selectors.confirmed_evidence()} == {ReviewState.CONFIRMED}
    assert [e.snippet for e in selectors.confirmed_evidence(public)] == [CONFIRMED_MARK]
    assert [f.note for f in selectors.confirmed_budget_figures(public)] == ["확정금액메모"]
    assert selectors.budget_summary(public).secured_krw == 100_000_000_000
    assert not selectors.public_status_changes().filter(pledge=hidden).exists()
    assert {e.state for e in selectors.visible_evidence()} == {ReviewState.CONFIRMED}
    assert {f.state for f in selectors.visible_budget_figures()} == {FigureState.CONFIRMED}


def test_editors_may_ask_for_suggestions_too(mixed_world):
    states = {e.state for e in selectors.visible_evidence(include_suggested=True)}
    assert states == {ReviewState.CONFIRMED, ReviewState.SUGGESTED}
    figures = {f.state for f in selectors.visible_budget_figures(include_suggested=True)}
    assert figures == {FigureState.CONFIRMED, FigureState.SUGGESTED}


def test_fulfilment_rate_counts_rated_pledges_and_halves_partial_ones():
    assert selectors.fulfilment_rate([]) is None
    assert selectors.fulfilment_rate([Status.NOT_RATED]) is None
    assert selectors.fulfilment_rate([Status.KEPT, Status.BROKEN]) == 0.5
    assert selectors.fulfilment_rate([Status.PARTIALLY_KEPT, Status.KEPT]) == 0.75


def test_status_counts_cover_every_status(mixed_world):
    counts = dict((d.status, n) for d, n in selectors.status_counts(selectors.published_pledges()))
    assert set(counts) == set(Status.values)
    assert sum(counts.values()) == 1
