"""Editor actions: the only way ratings, evidence states and budget confirmations change."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pledges import review, selectors
from pledges.models import FigureState, PledgeRevision, ReviewState, Status
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


def test_confirming_evidence_records_reviewer_and_time(editor):
    evidence = review.confirm_evidence(evidence=EvidenceFactory(), reviewer=editor)
    assert evidence.state == ReviewState.CONFIRMED
    assert evidence.reviewer == editor
    assert evidence.reviewed_at is not None


def test_rejecting_evidence_keeps_the_reason(editor):
    evidence = review.reject_evidence(
        evidence=EvidenceFactory(), reviewer=editor, reason="경기 광주시 기사"
    )
    assert evidence.state == ReviewState.REJECTED
    assert evidence.reject_reason == "경기 광주시 기사"


def test_manual_tagging_confirms_at_once(editor):
    pledge, article = PledgeFactory(), ArticleFactory()
    evidence = review.attach_article_manually(article=article, pledge=pledge, reviewer=editor)
    assert (evidence.state, evidence.method) == (ReviewState.CONFIRMED, "manual")
    again = review.attach_article_manually(article=article, pledge=pledge, reviewer=editor)
    assert again.pk == evidence.pk


def test_current_status_is_always_the_latest_change(editor):
    pledge = PledgeFactory()
    evidence = ConfirmedEvidenceFactory(pledge=pledge)
    review.record_status_change(
        pledge=pledge,
        to_status=Status.STALLED,
        effective_date=dt.date(2026, 3, 1),
        rationale="국비 미확보",
        recorded_by=editor,
        evidence=[evidence],
    )
    # A change recorded later but effective earlier does not become the current status.
    review.record_status_change(
        pledge=pledge,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2026, 1, 1),
        rationale="용역 착수",
        recorded_by=editor,
    )
    pledge.refresh_from_db()
    assert pledge.status == Status.STALLED
    assert pledge.status_since == dt.date(2026, 3, 1)
    first = pledge.status_changes.get(to_status=Status.STALLED)
    assert first.from_status == Status.NOT_RATED
    assert list(first.evidence.all()) == [evidence]


def test_a_correction_is_a_new_row_with_a_note(editor):
    pledge = PledgeFactory()
    review.record_status_change(
        pledge=pledge, to_status=Status.KEPT, effective_date=dt.date(2026, 1, 1), rationale="준공"
    )
    with pytest.raises(ValidationError):
        review.record_status_change(
            pledge=pledge,
            to_status=Status.IN_PROGRESS,
            effective_date=dt.date(2026, 1, 1),
            rationale="준공 아님",
            is_correction=True,
        )
    review.record_status_change(
        pledge=pledge,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2026, 1, 2),
        rationale="준공이 아니라 착공이었다",
        is_correction=True,
        correction_note="착공을 준공으로 잘못 읽음",
    )
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
    assert pledge.status_changes.count() == 2


def test_broken_needs_a_reason_through_the_service_too():
    with pytest.raises(ValidationError):
        review.record_status_change(
            pledge=PledgeFactory(),
            to_status=Status.BROKEN,
            effective_date=dt.date(2026, 1, 1),
            rationale="무산",
        )


def test_only_confirmed_evidence_of_the_same_pledge_justifies_a_status():
    pledge = PledgeFactory()
    with pytest.raises(ValidationError):
        review.record_status_change(
            pledge=pledge,
            to_status=Status.KEPT,
            effective_date=dt.date(2026, 1, 1),
            rationale="완료",
            evidence=[EvidenceFactory(pledge=pledge)],
        )
    with pytest.raises(ValidationError):
        review.record_status_change(
            pledge=pledge,
            to_status=Status.KEPT,
            effective_date=dt.date(2026, 1, 1),
            rationale="완료",
            evidence=[ConfirmedEvidenceFactory()],
        )
    assert pledge.status_changes.count() == 0


def test_confirming_a_budget_figure_needs_confirmed_evidence(editor):
    figure = BudgetFigureFactory(state=FigureState.SUGGESTED, evidence=EvidenceFactory())
    with pytest.raises(ValidationError):
        review.confirm_budget_figure(figure=figure, reviewer=editor)
    review.confirm_evidence(evidence=figure.evidence, reviewer=editor)
    figure = review.confirm_budget_figure(figure=figure, reviewer=editor)
    assert figure.state == FigureState.CONFIRMED
    assert figure.confirmed_by == editor


def test_revisions_keep_the_original_and_chain_texts(editor):
    pledge = PledgeFactory(original_text="2029년까지 조성")
    review.revise_pledge(
        pledge=pledge,
        kind=PledgeRevision.Kind.TARGET_DATE_CHANGED,
        new_text="2030년까지 조성",
        decided_by="국정기획위원회",
        decided_on=dt.date(2025, 8, 13),
        recorded_by=editor,
    )
    second = review.revise_pledge(
        pledge=pledge,
        kind=PledgeRevision.Kind.SCOPE_CHANGED,
        new_text="2030년까지 1단계 조성",
        decided_by="과기정통부",
        decided_on=dt.date(2025, 12, 1),
    )
    pledge.refresh_from_db()
    assert pledge.original_text == "2029년까지 조성"
    assert second.old_text == "2030년까지 조성"
    assert pledge.current_text() == "2030년까지 1단계 조성"


def test_amounts_found_become_suggested_budget_figures_once(editor):
    evidence = ConfirmedEvidenceFactory(
        amounts=[
            {
                "text": "957억원",
                "krw": 95_700_000_000,
                "funder": "national",
                "stage": "secured",
                "sentence": "국비 957억원을 확보했다.",
            },
            {
                "text": "9000억원",
                "krw": 900_000_000_000,
                "funder": None,
                "stage": "planned",
                "sentence": "총사업비 9000억원 규모다.",
            },
            {
                "text": "2조원",
                "krw": 2_000_000_000_000,
                "funder": None,
                "stage": None,
                "sentence": "2조원이 넘는 부담이다.",
            },
        ]
    )
    figures = review.suggest_budget_figures(evidence=evidence)
    assert sorted((f.stage, f.funder, f.amount_krw) for f in figures) == [
        ("planned", "total", 900_000_000_000),
        ("secured", "national", 95_700_000_000),
    ]
    assert {f.state for f in figures} == {FigureState.SUGGESTED}
    assert review.suggest_budget_figures(evidence=evidence) == []
    # Suggested figures count nowhere until an editor confirms them.
    assert selectors.budget_summary(evidence.pledge).secured_krw is None
    review.confirm_budget_figure(figure=figures[0], reviewer=editor)
    assert selectors.budget_summary(evidence.pledge).totals


MONEY_TEXT = (
    "광주시는 AX 실증밸리 조성사업의 총사업비는 6000억원 규모라고 밝혔다. "
    "시는 올해 국비 957억원을 최종 확보했다. "
    "내년 국비 300억원이 반영되도록 총력을 기울이고 있다. "
    "사업의 생산유발효과는 3조원, 관련 시장 규모는 5조원으로 추산된다. "
    "기업 1곳당 최대 2억원을 지원한다."
)


def test_only_budget_amounts_with_a_stage_and_payer_become_figures(demo_data, editor):
    from pledges.matching import suggest_evidence_for_article

    article = ArticleFactory(
        title="광주 AX 실증밸리 국비 확보", body=MONEY_TEXT, normalized_body=MONEY_TEXT
    )
    [evidence] = suggest_evidence_for_article(article=article)
    assert {a["krw"]: a["budget"] for a in evidence.amounts}[3_000_000_000_000] is False
    figures = review.suggest_budget_figures(evidence=evidence)
    # Totals are totals, an aim is a request ("반영되도록 총력"), never secured money; the
    # production effect and the market size are not budget figures; a per-company grant has
    # no payer to book it under.
    assert sorted((f.stage, f.funder, f.amount_krw) for f in figures) == [
        ("planned", "total", 600_000_000_000),
        ("requested", "national", 30_000_000_000),
        ("secured", "national", 95_700_000_000),
    ]


def test_amounts_marked_not_budget_or_without_stage_are_never_figures():
    evidence = ConfirmedEvidenceFactory(
        amounts=[
            {"text": "3조원", "krw": 3 * 10**12, "funder": "total", "stage": "planned",
             "budget": False, "sentence": "생산유발효과 3조원"},
            {"text": "1조원", "krw": 10**12, "funder": "national", "stage": None,
             "budget": True, "sentence": "1조원이 넘는 부담"},
            {"text": "2억원", "krw": 2 * 10**8, "funder": None, "stage": "planned",
             "budget": True, "sentence": "기업 1곳당 최대 2억원"},
            {"text": "9000억원", "krw": 9 * 10**11, "funder": "total", "stage": "planned",
             "budget": True, "sentence": "총사업비 9000억원"},
        ]
    )  # fmt: skip
    figures = review.suggest_budget_figures(evidence=evidence)
    assert [(f.stage, f.funder, f.amount_krw) for f in figures] == [
        ("planned", "total", 9 * 10**11)
    ]
