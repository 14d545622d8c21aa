"""Status signals: a matched article's events become suggestions an editor accepts in one step
(a status change and a milestone through the editor actions) or rejects; none is public before."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pledges import review
from pledges.korean.signals import SignalKind as EngineSignalKind
from pledges.matching import suggest_evidence_for_article
from pledges.models import (
    Milestone,
    Pledge,
    ReviewState,
    SignalKind,
    SignalState,
    SignalSuggestion,
    Status,
    pledge_book_changed,
)
from pledges.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
PUBLISHED = dt.datetime(2026, 3, 10, 9, 0, tzinfo=SEOUL)
GROUNDBREAKING = (
    "광주시는 지난 3일 북구 첨단3지구에서 AX 실증밸리 조성사업 착공식을 열었다. "
    "시는 2028년 준공할 예정이다."
)
ELSEWHERE = (
    "정부는 국가AI컴퓨팅센터 입지로 전남 해남을 선정했다고 지난 10일 밝혔다. "
    "광주시의 유치는 무산됐다."
)


def article(title: str, body: str):
    return ArticleFactory(title=title, body=body, normalized_body=body, published_at=PUBLISHED)


def groundbreaking_signals():
    [evidence] = suggest_evidence_for_article(
        article=article("광주 AX 실증밸리 착공", GROUNDBREAKING)
    )
    return evidence, {s.kind: s for s in evidence.signals.all()}


def test_the_app_knows_every_kind_the_engine_reports():
    assert set(SignalKind.values) == {k.value for k in EngineSignalKind}


def test_a_matched_articles_events_become_suggestions_once(demo_data):
    evidence, signals = groundbreaking_signals()
    assert evidence.pledge.slug == "ax-demonstration-valley"
    assert set(signals) == {"construction_started", "completed_opened"}
    started = signals["construction_started"]
    assert (started.happened, started.date, started.suggested_status, started.milestone_kind) == (
        True,
        dt.date(2026, 3, 3),
        Status.IN_PROGRESS,
        Milestone.Kind.GROUNDBREAKING,
    )
    assert "착공식을 열었다" in started.sentence
    assert started.state == SignalState.SUGGESTED
    planned = signals["completed_opened"]
    assert (planned.happened, planned.date, planned.suggested_status) == (
        False,
        dt.date(2028, 1, 1),
        "",
    )
    # The headline says the same as the body: one suggestion, not two. Re-matching adds nothing.
    suggest_evidence_for_article(article=evidence.article)
    assert SignalSuggestion.objects.filter(evidence=evidence).count() == 2


def test_only_the_matched_pledge_gets_the_signals(demo_data):
    groundbreaking_signals()
    assert set(SignalSuggestion.objects.values_list("pledge__slug", flat=True)) == {
        "ax-demonstration-valley"
    }
    unrelated = article("도로 정비", "경기 광주시가 도로 공사를 지난 3일 착공했다.")
    assert suggest_evidence_for_article(article=unrelated) == []
    assert not SignalSuggestion.objects.filter(evidence__article=unrelated).exists()


def test_accepting_records_the_status_and_the_milestone_in_one_step(demo_data, editor):
    evidence, signals = groundbreaking_signals()
    accepted = review.accept_signal(signal=signals["construction_started"], reviewer=editor)
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    assert (pledge.status, pledge.status_since) == (Status.IN_PROGRESS, dt.date(2026, 3, 3))
    change = accepted.status_change
    assert change.from_status == Status.STALLED
    assert "착공식을 열었다" in change.rationale and "시험일보" in change.rationale
    # The evidence is confirmed by the same act: a rating rests on checked evidence.
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.CONFIRMED and evidence.reviewer == editor
    assert list(change.evidence.all()) == [evidence]
    milestone = accepted.milestone
    assert (milestone.kind, milestone.title, milestone.actual_date, milestone.evidence) == (
        Milestone.Kind.GROUNDBREAKING,
        "착공",
        dt.date(2026, 3, 3),
        evidence,
    )
    assert accepted.state == SignalState.ACCEPTED and accepted.reviewer == editor

    # A planned event fills the planned date of its milestone and rates nothing.
    planned = review.accept_signal(signal=signals["completed_opened"], reviewer=editor)
    assert planned.status_change is None
    assert (planned.milestone.kind, planned.milestone.planned_date) == (
        Milestone.Kind.COMPLETION,
        dt.date(2028, 1, 1),
    )
    assert planned.milestone.actual_date is None
    assert pledge.status_changes.count() == 2  # the demo rating and the accepted one

    with pytest.raises(ValidationError, match="already reviewed"):
        review.accept_signal(signal=accepted, reviewer=editor)


def test_an_editor_may_correct_the_date_and_rationale(demo_data, editor):
    _, signals = groundbreaking_signals()
    accepted = review.accept_signal(
        signal=signals["construction_started"],
        reviewer=editor,
        effective_date=dt.date(2026, 3, 4),
        rationale="착공식 3월 4일 개최 (시 보도자료로 확인)",
    )
    assert accepted.status_change.effective_date == dt.date(2026, 3, 4)
    assert accepted.status_change.rationale == "착공식 3월 4일 개최 (시 보도자료로 확인)"
    assert accepted.milestone.actual_date == dt.date(2026, 3, 4)


def test_a_site_chosen_elsewhere_is_accepted_as_broken_with_its_reason(demo_data, editor):
    [evidence] = suggest_evidence_for_article(
        article=article("국가AI컴퓨팅센터 해남으로", ELSEWHERE)
    )
    signal = evidence.signals.get(kind="sited_elsewhere", start=0)
    assert (signal.suggested_status, signal.broken_reason) == (Status.BROKEN, "sited_elsewhere")
    accepted = review.accept_signal(signal=signal, reviewer=editor)
    assert accepted.status_change.to_status == Status.BROKEN
    assert accepted.status_change.broken_reason == "sited_elsewhere"
    # Published 2026-03-10 and "지난 10일" is that day.
    assert accepted.status_change.effective_date == dt.date(2026, 3, 10)


def test_rejecting_records_nothing(demo_data, editor):
    _, signals = groundbreaking_signals()
    rejected = review.reject_signal(
        signal=signals["construction_started"], reviewer=editor, reason="다른 사업의 착공"
    )
    assert (rejected.state, rejected.reject_reason) == (SignalState.REJECTED, "다른 사업의 착공")
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    assert pledge.status == Status.STALLED
    assert not pledge.milestones.filter(kind="groundbreaking").exists()
    with pytest.raises(ValidationError):
        review.accept_signal(signal=rejected, reviewer=editor)


def test_signals_of_a_rejected_article_cannot_be_accepted(demo_data, editor):
    evidence, signals = groundbreaking_signals()
    review.reject_evidence(evidence=evidence, reviewer=editor, reason="다른 사업")
    signal = signals["construction_started"]
    signal.refresh_from_db()
    assert signal.state == SignalState.REJECTED  # the queue is cleared with the evidence
    SignalSuggestion.objects.filter(pk=signal.pk).update(
        state=SignalState.SUGGESTED, reviewed_at=None
    )
    with pytest.raises(ValidationError, match="rejected as evidence"):
        review.accept_signal(signal=signal, reviewer=editor)


def test_reviewed_signals_survive_a_rematch_and_withdrawn_articles_take_theirs(demo_data, editor):
    evidence, signals = groundbreaking_signals()
    review.reject_signal(signal=signals["completed_opened"], reviewer=editor)
    suggest_evidence_for_article(article=evidence.article)
    assert evidence.signals.get(kind="completed_opened").state == SignalState.REJECTED
    # The pledge no longer matches (its terms changed): the suggestion and its signals go.
    Pledge.objects.filter(pk=evidence.pledge_id).update(
        match_aliases=[], match_keywords=[], title="다른 사업", original_text="다른 사업"
    )
    pledge_book_changed()  # a bulk update sends no signal: say so, as such code must
    suggest_evidence_for_article(article=evidence.article)
    assert not SignalSuggestion.objects.filter(evidence_id=evidence.pk).exists()


def test_public_pages_never_show_unaccepted_signals(demo_data, editor, client):
    _, signals = groundbreaking_signals()
    url = reverse("pledges:detail", kwargs={"slug": "ax-demonstration-valley"})
    assert "착공식을 열었다" not in client.get(url).content.decode()
    review.accept_signal(signal=signals["construction_started"], reviewer=editor)
    page = client.get(url).content.decode()
    assert "착공식을 열었다" in page


def test_editors_review_signals_in_the_admin(demo_data, editor, client):
    _, signals = groundbreaking_signals()
    client.force_login(editor)
    listing = client.get(reverse("admin:pledges_signalsuggestion_changelist"), follow=True)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "착공식을 열었다" in html and "2028년 준공할 예정" in html
    response = client.post(
        reverse("admin:pledges_signalsuggestion_changelist"),
        {"action": "accept_selected", "_selected_action": [signals["construction_started"].pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert SignalSuggestion.objects.get(pk=signals["construction_started"].pk).state == "accepted"
    assert Pledge.objects.get(slug="ax-demonstration-valley").status == Status.IN_PROGRESS
    client.post(
        reverse("admin:pledges_signalsuggestion_changelist"),
        {"action": "reject_selected", "_selected_action": [signals["completed_opened"].pk]},
    )
    assert SignalSuggestion.objects.get(pk=signals["completed_opened"].pk).state == "rejected"
