"""The Gwangju 2025 demo data: what `make run` shows on a fresh machine."""

import datetime as dt

import pytest
from django.core.management import call_command

from pledges import selectors
from pledges.models import (
    Article,
    BudgetFigure,
    Evidence,
    FigureState,
    Pledge,
    ReviewState,
    Status,
    StatusChange,
)

pytestmark = pytest.mark.django_db

EOK = 100_000_000
SLUGS = {
    "national-ai-computing-center",
    "ax-demonstration-valley",
    "ai-mobility-pilot-city",
    "ai-cluster-phase-1",
}


def test_demo_has_the_four_pledges_with_ratings_as_of_the_seed(demo_data):
    assert set(Pledge.objects.values_list("slug", flat=True)) == SLUGS
    ax = Pledge.objects.get(slug="ax-demonstration-valley")
    assert ax.status == Status.STALLED
    assert ax.status_since == dt.date(2025, 6, 10)
    assert "957억" in ax.latest_status_change().rationale
    assert Pledge.objects.get(slug="ai-cluster-phase-1").status == Status.IN_PROGRESS
    for pledge in Pledge.objects.all():
        assert pledge.promiser.name in {"이재명", "광주광역시"}
        assert pledge.original_text


def test_every_seed_figure_is_confirmed_and_rests_on_the_seed_article(demo_data):
    amounts = set(BudgetFigure.objects.values_list("amount_krw", flat=True))
    assert amounts == {
        2_0000 * EOK,  # 2조, a lower bound
        9000 * EOK,
        957 * EOK,
        4269 * EOK,
        3045 * EOK,
        850 * EOK,
        674 * EOK,
    }
    assert not BudgetFigure.objects.exclude(state=FigureState.CONFIRMED).exists()
    assert set(BudgetFigure.objects.values_list("evidence__article", flat=True)) == {
        demo_data.article.pk
    }


def test_phase_one_parts_do_not_add_up_and_the_summary_says_so(demo_data):
    summary = selectors.budget_summary(Pledge.objects.get(slug="ai-cluster-phase-1"))
    assert summary.executed_krw == 4269 * EOK
    assert summary.by_funder["executed"] == {
        "national": 3045 * EOK,
        "local": 850 * EOK,
        "private": 674 * EOK,
    }
    [mismatch] = summary.mismatches
    assert mismatch.parts_krw == 4569 * EOK


def test_seed_article_is_confirmed_evidence_for_all_four(demo_data):
    article = demo_data.article
    assert article.outlet == "광주일보"
    assert article.published_at.date() == dt.date(2025, 6, 10)
    assert "정병호" in article.byline
    assert (
        set(
            Evidence.objects.filter(article=article, state=ReviewState.CONFIRMED).values_list(
                "pledge__slug", flat=True
            )
        )
        == SLUGS
    )
    # The three unrelated items of the page are not part of the seed article.
    assert "이시바" not in article.body
    assert "이한열" not in article.body


def test_loading_twice_changes_nothing():
    call_command("load_demo_data")
    counts = [m.objects.count() for m in (Pledge, StatusChange, BudgetFigure, Evidence, Article)]
    call_command("load_demo_data")
    assert [m.objects.count() for m in (Pledge, StatusChange, BudgetFigure, Evidence, Article)] == (
        counts
    )


def test_matcher_terms_are_data_editors_can_edit(demo_data):
    pledge = Pledge.objects.get(slug="national-ai-computing-center")
    assert pledge.match_keywords
    assert pledge.jurisdiction.aliases
    assert pledge.jurisdiction.exclusions


def test_demo_pledges_were_last_checked_on_the_seed_date(demo_data):
    assert set(Pledge.objects.values_list("last_checked_on", flat=True)) == {dt.date(2025, 6, 10)}


def test_phase_one_is_rated_by_its_own_evidence_not_kept(demo_data):
    """The seed calls the cluster "조성 중" and "마무리 수순" and its completion has no date:
    by the published definitions that is in progress, rated on the day the editors checked."""
    pledge = Pledge.objects.get(slug="ai-cluster-phase-1")
    change = pledge.latest_status_change()
    assert change.to_status == Status.IN_PROGRESS
    assert change.effective_date == dt.date(2025, 6, 10)
    assert "조성 중" in change.rationale and "마무리 수순" in change.rationale
    assert "조성 중" in demo_data.article.normalized_body
    assert "마무리 수순" in demo_data.article.normalized_body
    completion = pledge.milestones.get(kind="completion")
    assert completion.actual_date is None


def test_the_computing_center_carries_only_its_own_money_and_2_trillion_as_a_lower_bound(
    demo_data,
):
    pledge = Pledge.objects.get(slug="national-ai-computing-center")
    figures = list(selectors.confirmed_budget_figures(pledge))
    assert [(f.stage, f.amount_krw, f.is_lower_bound) for f in figures] == [
        ("planned", 2_0000 * EOK, True)
    ]
    summary = selectors.budget_summary(pledge)
    assert summary.planned_krw == 2_0000 * EOK and summary.planned_is_lower_bound


def test_an_older_demo_database_is_corrected_not_rewritten(demo_data):
    """A database that still holds the old "kept" rating and the 100조 figure is brought to
    the published definitions by a correction row; history stays append-only."""
    from pledges import review

    pledge = Pledge.objects.get(slug="ai-cluster-phase-1")
    review.record_status_change(
        pledge=pledge,
        to_status=Status.KEPT,
        effective_date=dt.date(2025, 6, 10),
        rationale="예전 데모 평가",
        evidence=[pledge.evidence.get()],
    )
    center = Pledge.objects.get(slug="national-ai-computing-center")
    BudgetFigure.objects.create(
        pledge=center,
        amount_krw=100_0000 * EOK,
        stage="pledged",
        funder="total",
        as_of=dt.date(2025, 6, 10),
        evidence=center.evidence.get(),
        state=FigureState.CONFIRMED,
    )
    call_command("load_demo_data")
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
    assert pledge.latest_status_change().is_correction
    assert pledge.status_changes.count() == 3
    assert not BudgetFigure.objects.filter(amount_krw=100_0000 * EOK).exists()


def test_evidence_snippets_keep_no_glued_pdf_words(demo_data):
    from pledges.korean.normalize import has_glued_words

    for evidence in Evidence.objects.all():
        assert not has_glued_words(evidence.snippet), evidence.snippet
