"""A pledge's news evidence at any size: its page shows the newest confirmed articles and every
one its figures and status changes cite; all of them are on its evidence pages, a page at a
time. Suggestions never appear."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pledges.models import Status
from pledges.review import record_status_change
from pledges.site.views import EVIDENCE_PAGE_SIZE, EVIDENCE_SHOWN
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_pledge():
    """A published pledge with EVIDENCE_SHOWN + 10 confirmed articles (n = 0 newest) and a
    suggestion newer than all of them."""
    pledge = PledgeFactory(is_published=True)
    now = timezone.now()
    confirmed = [
        ConfirmedEvidenceFactory(
            pledge=pledge,
            article=ArticleFactory(
                title=f"확정 기사 {n:03d}", published_at=now - dt.timedelta(days=n + 1)
            ),
        )
        for n in range(EVIDENCE_SHOWN + 10)
    ]
    EvidenceFactory(pledge=pledge, article=ArticleFactory(title="제안 기사", published_at=now))
    return pledge, confirmed


def test_the_pledge_page_shows_the_newest_and_every_cited_article(client, busy_pledge):
    pledge, confirmed = busy_pledge
    oldest, second_oldest = confirmed[-1], confirmed[-2]
    record_status_change(
        pledge=pledge,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2025, 7, 1),
        rationale="착공",
        evidence=[oldest],
    )
    BudgetFigureFactory(pledge=pledge, evidence=second_oldest)
    page = client.get(f"/pledges/{pledge.slug}/").content.decode()
    shown = {e.pk for e in confirmed if f'id="evidence-{e.pk}"' in page}
    newest = {e.pk for e in confirmed[:EVIDENCE_SHOWN]}
    assert shown == newest | {oldest.pk, second_oldest.pk}
    # The links from the timeline and the money table land on the page.
    assert f'href="#evidence-{oldest.pk}"' in page
    assert f'href="#evidence-{second_oldest.pk}"' in page
    assert "제안 기사" not in page
    # Newest first, cited ones in their place.
    assert page.index("확정 기사 000") < page.index(f"확정 기사 {EVIDENCE_SHOWN + 9:03d}")
    assert f'href="/pledges/{pledge.slug}/evidence/"' in page
    assert f"전체 기사 {EVIDENCE_SHOWN + 10}건" in page


def test_a_pledge_with_few_articles_shows_them_all_without_a_link(client):
    pledge = PledgeFactory(is_published=True)
    ConfirmedEvidenceFactory(pledge=pledge)
    page = client.get(f"/pledges/{pledge.slug}/").content.decode()
    assert page.count('<li id="evidence-') == 1
    assert f"/pledges/{pledge.slug}/evidence/" not in page


def test_the_evidence_pages_list_every_confirmed_article_a_page_at_a_time(client, busy_pledge):
    pledge, confirmed = busy_pledge
    first = client.get(f"/pledges/{pledge.slug}/evidence/").content.decode()
    second = client.get(f"/pledges/{pledge.slug}/evidence/?page=2").content.decode()
    on_first = [e.pk for e in confirmed if f'id="evidence-{e.pk}"' in first]
    on_second = [e.pk for e in confirmed if f'id="evidence-{e.pk}"' in second]
    assert on_first == [e.pk for e in confirmed[:EVIDENCE_PAGE_SIZE]]
    assert on_second == [e.pk for e in confirmed[EVIDENCE_PAGE_SIZE:]]
    assert "제안 기사" not in first + second
    assert f"{EVIDENCE_SHOWN + 10}건" in first
    assert 'rel="next" href="?page=2"' in first and 'rel="prev" href="?page=1"' in second
    english = client.get(f"/en/pledges/{pledge.slug}/evidence/").content.decode()
    assert "articles editors confirmed, newest first" in english


def test_evidence_pages_of_an_unpublished_or_unknown_pledge_are_404(client):
    hidden = PledgeFactory(is_published=False)
    ConfirmedEvidenceFactory(pledge=hidden)
    assert client.get(f"/pledges/{hidden.slug}/evidence/").status_code == 404
    assert client.get("/pledges/no-such-pledge/evidence/").status_code == 404
