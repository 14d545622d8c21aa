"""Editor actions behind the desk: two editors at once, tagging by hand, the trail."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from pledges import review, trail
from pledges.models import Evidence, FigureState, MatchMethod, ReviewState
from pledges.people import create_editor
from pledges.tests.factories import BudgetFigureFactory, EvidenceFactory


@pytest.mark.django_db
def test_a_decision_on_a_row_another_editor_reviewed_is_refused(editor):
    evidence = EvidenceFactory()
    review.confirm_evidence(evidence=evidence, reviewer=editor, expected_state="suggested")
    with pytest.raises(review.AlreadyReviewed, match="editor"):
        review.reject_evidence(
            evidence=evidence, reviewer=editor, reason="무관", expected_state="suggested"
        )
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.CONFIRMED


@pytest.mark.django_db
def test_reject_without_a_reason_is_refused(editor):
    evidence = EvidenceFactory()
    with pytest.raises(ValidationError):
        review.reject_evidence(evidence=evidence, reviewer=editor, reason="  ")
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED


@pytest.mark.django_db
def test_tagging_a_suggested_pair_by_hand_makes_it_manual_with_the_snippet(editor):
    evidence = EvidenceFactory(snippet="기계 문장")
    tagged = review.attach_article_manually(
        article=evidence.article, pledge=evidence.pledge, reviewer=editor, snippet="편집자 문장"
    )
    assert tagged.pk == evidence.pk
    assert (tagged.state, tagged.method, tagged.snippet) == (
        ReviewState.CONFIRMED,
        MatchMethod.MANUAL,
        "편집자 문장",
    )
    (entry,) = trail.trail_of(tagged)
    assert entry["action"] == "attach_manually"
    assert (entry["before"]["method"], entry["after"]["method"]) == ("auto", "manual")


@pytest.mark.django_db
def test_budget_confirmation_and_discard_are_in_the_trail(editor):
    figure = BudgetFigureFactory(state=FigureState.SUGGESTED)
    review.confirm_budget_figure(figure=figure, reviewer=editor)
    assert [e["action"] for e in trail.trail_of(figure)] == ["confirm"]
    with pytest.raises(ValidationError):
        review.discard_budget_figure(figure=figure, editor=editor)  # confirmed: kept
    suggested = BudgetFigureFactory(state=FigureState.SUGGESTED)
    review.discard_budget_figure(figure=suggested, editor=editor)
    assert not type(suggested).objects.filter(pk=suggested.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_deciding_at_the_same_moment_one_wins_the_other_is_told(require_postgres):
    """Real concurrency: two connections race on one row; the row lock serialises them and the
    state check turns the later one away. Neither decision is lost or overwritten."""
    first = create_editor(username="minji", email="m@example.org").user
    second = create_editor(username="junho", email="j@example.org").user
    evidence = EvidenceFactory()
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(name, action):
        try:
            start.wait()
            action()
            outcomes[name] = "done"
        except review.AlreadyReviewed as refused:
            outcomes[name] = refused.messages[0]
        finally:
            connection.close()

    confirm = threading.Thread(
        target=decide,
        args=(
            "confirm",
            lambda: review.confirm_evidence(
                evidence=evidence, reviewer=first, expected_state="suggested"
            ),
        ),
    )
    reject = threading.Thread(
        target=decide,
        args=(
            "reject",
            lambda: review.reject_evidence(
                evidence=evidence, reviewer=second, reason="무관", expected_state="suggested"
            ),
        ),
    )
    confirm.start(), reject.start()
    confirm.join(30), reject.join(30)
    assert sorted(v == "done" for v in outcomes.values()) == [False, True]
    evidence = Evidence.objects.get(pk=evidence.pk)
    winner = "confirm" if outcomes["confirm"] == "done" else "reject"
    loser = "reject" if winner == "confirm" else "confirm"
    assert evidence.state == (
        ReviewState.CONFIRMED if winner == "confirm" else ReviewState.REJECTED
    )
    assert evidence.reviewer.get_username() in outcomes[loser]
    assert len(trail.trail_of(evidence)) == 1  # one decision recorded, not two
