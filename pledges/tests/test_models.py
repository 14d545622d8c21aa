"""The database refuses what must never happen, whatever code path tries it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pledges import selectors
from pledges.models import (
    BudgetFigure,
    BudgetStage,
    BudgetSummary,
    Evidence,
    FigureState,
    Funder,
    Pledge,
    Status,
    StatusChange,
)
from pledges.tests.factories import (
    ArticleFactory,
    BudgetFigureFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_duplicate_canonical_url_is_refused():
    article = ArticleFactory()
    assert_refused(lambda: ArticleFactory(url=article.url, canonical_url=article.canonical_url))


def test_duplicate_content_hash_is_refused():
    article = ArticleFactory()
    assert_refused(lambda: ArticleFactory(body=article.body))


def test_articles_without_url_may_coexist():
    ArticleFactory(url="", canonical_url=None)
    ArticleFactory(url="", canonical_url=None)


def test_duplicate_evidence_pair_is_refused():
    evidence = EvidenceFactory()
    assert_refused(lambda: EvidenceFactory(article=evidence.article, pledge=evidence.pledge))


def test_negative_amount_is_refused():
    assert_refused(lambda: BudgetFigureFactory(amount_krw=-1))


def test_unknown_budget_stage_and_funder_are_refused():
    pledge = PledgeFactory()
    assert_refused(lambda: BudgetFigureFactory(pledge=pledge, stage="dreamed"))
    assert_refused(lambda: BudgetFigureFactory(pledge=pledge, funder="lottery"))


def test_amounts_beyond_32_bits_are_stored_exactly():
    figure = BudgetFigureFactory(amount_krw=100_000_000_000_000)  # 100조 원
    figure.refresh_from_db()
    assert figure.amount_krw == 100_000_000_000_000
    assert isinstance(figure.amount_krw, int)


def test_unknown_status_is_refused():
    pledge = PledgeFactory()
    assert_refused(lambda: Pledge.objects.filter(pk=pledge.pk).update(status="forgotten"))


def test_unknown_evidence_state_and_out_of_range_score_are_refused():
    assert_refused(lambda: EvidenceFactory(state="maybe"))
    assert_refused(lambda: EvidenceFactory(score=1.5))


def test_reviewed_evidence_needs_a_review_time():
    assert_refused(lambda: EvidenceFactory(state="confirmed", reviewed_at=None))


def test_broken_status_needs_a_reason():
    pledge = PledgeFactory()
    assert_refused(
        lambda: StatusChange.objects.create(
            pledge=pledge,
            from_status=Status.NOT_RATED,
            to_status=Status.BROKEN,
            effective_date=dt.date(2026, 1, 1),
            rationale="사업 취소",
        )
    )


def test_status_changes_are_append_only():
    pledge = PledgeFactory()
    change = StatusChange.objects.create(
        pledge=pledge,
        from_status=Status.NOT_RATED,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2026, 1, 1),
        rationale="예산 반영",
    )
    change.rationale = "고쳐 쓴 근거"
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        change.delete()
    assert StatusChange.objects.get(pk=change.pk).rationale == "예산 반영"


def test_original_text_is_never_overwritten():
    pledge = PledgeFactory(original_text="처음 약속")
    pledge.original_text = "바뀐 약속"
    with pytest.raises(ValidationError):
        pledge.save()
    pledge.refresh_from_db()
    assert pledge.original_text == "처음 약속"


def test_pledge_without_original_text_is_refused():
    assert_refused(lambda: PledgeFactory(original_text=""))


def test_pledge_can_be_part_of_a_bigger_one():
    parent = PledgeFactory()
    child = PledgeFactory(parent=parent)
    assert list(parent.children.all()) == [child]


def figures(*rows):
    return [
        BudgetFigure(amount_krw=a, stage=s, funder=f, fiscal_year=None, state=FigureState.CONFIRMED)
        for a, s, f in rows
    ]


def test_budget_summary_shows_parts_that_do_not_add_up():
    eok = 100_000_000
    summary = BudgetSummary.from_figures(
        figures(
            (4269 * eok, BudgetStage.EXECUTED, Funder.TOTAL),
            (3045 * eok, BudgetStage.EXECUTED, Funder.NATIONAL),
            (850 * eok, BudgetStage.EXECUTED, Funder.LOCAL),
            (674 * eok, BudgetStage.EXECUTED, Funder.PRIVATE),
        )
    )
    assert summary.executed_krw == 4269 * eok  # the stated total is shown as stated
    [mismatch] = summary.mismatches
    assert mismatch.parts_krw == 4569 * eok
    assert mismatch.difference_krw == 300 * eok


def test_secured_ratio_is_secured_over_planned():
    eok = 100_000_000
    summary = BudgetSummary.from_figures(
        figures(
            (9000 * eok, BudgetStage.PLANNED, Funder.TOTAL),
            (900 * eok, BudgetStage.SECURED, Funder.NATIONAL),
            (900 * eok, BudgetStage.SECURED, Funder.METROPOLITAN),
        )
    )
    assert summary.secured_krw == 1800 * eok
    assert summary.secured_ratio == pytest.approx(0.2)
    assert summary.mismatches == []


def test_secured_ratio_is_unknown_without_secured_figures():
    summary = BudgetSummary.from_figures(figures((9000, BudgetStage.PLANNED, Funder.TOTAL)))
    assert summary.secured_ratio is None


def test_budget_summary_uses_only_confirmed_figures():
    pledge = PledgeFactory()
    BudgetFigureFactory(pledge=pledge, amount_krw=10, state=FigureState.CONFIRMED)
    BudgetFigureFactory(
        pledge=pledge, amount_krw=99, stage=BudgetStage.SECURED, state=FigureState.SUGGESTED
    )
    summary = selectors.budget_summary(pledge)
    assert summary.planned_krw == 10
    assert summary.secured_krw is None


def test_evidence_defaults_to_a_machine_suggestion():
    evidence = EvidenceFactory()
    assert evidence.state == "suggested"
    assert evidence.method == "auto"
    assert Evidence.objects.count() == 1
