"""Atom feeds, site-wide and per pledge: status changes and newly confirmed evidence as entries,
never a suggestion or a rejected article, never another pledge's news in a pledge's feed."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from pledges import review
from pledges.models import ReviewState, Status
from pledges.tests.factories import ArticleFactory, EvidenceFactory, PledgeFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.findtext(f"{ATOM}summary") or "",
            "updated": entry.findtext(f"{ATOM}updated"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


@pytest.fixture
def news(editor):
    pledge = PledgeFactory(is_published=True, title="피드 시험 공약")
    other = PledgeFactory(is_published=True, title="다른 피드 공약")
    confirmed = EvidenceFactory(
        pledge=pledge,
        article=ArticleFactory(title="편집자가 확인한 피드 기사", outlet="피드일보"),
        snippet="피드 시험 사업에 국비 300억 원이 확보됐다.",
    )
    confirmed = review.confirm_evidence(evidence=confirmed, reviewer=editor)
    EvidenceFactory(
        pledge=pledge, article=ArticleFactory(title="검토 전인 피드 기사"), state="suggested"
    )
    rejected = EvidenceFactory(pledge=pledge, article=ArticleFactory(title="기각된 피드 기사"))
    review.reject_evidence(evidence=rejected, reviewer=editor, reason="관련 없는 기사")
    other_news = EvidenceFactory(pledge=other, article=ArticleFactory(title="다른 공약의 기사"))
    review.confirm_evidence(evidence=other_news, reviewer=editor)
    review.record_status_change(
        pledge=pledge,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2025, 6, 10),
        rationale="피드 시험: 국비 확보로 추진 중",
        recorded_by=editor,
        evidence=[confirmed],
    )
    confirmed.refresh_from_db()
    return pledge, confirmed


def test_site_feed_carries_confirmed_evidence_and_status_changes(client, news):
    pledge, confirmed = news
    found = entries(client, "/feed/")
    titles = " | ".join(e["title"] for e in found)
    assert "편집자가 확인한 피드 기사" in titles
    assert "다른 공약의 기사" in titles
    assert "검토 전인 피드 기사" not in titles
    assert "기각된 피드 기사" not in titles
    evidence_entry = next(e for e in found if "편집자가 확인한 피드 기사" in e["title"])
    assert evidence_entry["link"].endswith(f"{pledge.get_absolute_url()}#evidence-{confirmed.pk}")
    assert "국비 300억 원" in evidence_entry["summary"]
    assert any(e["link"].split("#")[1].startswith("status-change-") for e in found)


def test_pledge_feed_carries_only_its_own_news(client, news):
    pledge, _ = news
    found = entries(client, f"{pledge.get_absolute_url()}feed/")
    titles = [e["title"] for e in found]
    assert len(found) == 2  # the status change and the one confirmed article
    assert any("편집자가 확인한 피드 기사" in t for t in titles)
    assert not any("다른 공약의 기사" in t or "검토 전인" in t or "기각된" in t for t in titles)


def test_entries_are_newest_first(client, news):
    found = entries(client, "/feed/")
    updated = [e["updated"] for e in found]
    assert updated == sorted(updated, reverse=True)


def test_evidence_of_an_unpublished_pledge_is_not_in_the_feed(client, editor):
    hidden = PledgeFactory(is_published=False)
    evidence = EvidenceFactory(pledge=hidden, article=ArticleFactory(title="비공개 공약 기사"))
    review.confirm_evidence(evidence=evidence, reviewer=editor)
    assert not any("비공개 공약 기사" in e["title"] for e in entries(client, "/feed/"))
    assert client.get(f"{hidden.get_absolute_url()}feed/").status_code == 404


def test_a_suggestion_never_appears_even_after_the_feed_was_cached(client, news):
    pledge, _ = news
    entries(client, "/feed/")
    late = EvidenceFactory(pledge=pledge, article=ArticleFactory(title="늦게 온 제안 기사"))
    assert late.state == ReviewState.SUGGESTED
    assert not any("늦게 온 제안 기사" in e["title"] for e in entries(client, "/feed/"))
