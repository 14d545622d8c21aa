"""Editor actions for the machine's other suggestions in the review desk: the status and
milestone signals found in an article, and the budget amounts it states, decided on the same
row as the article's evidence.

Each wraps the editor action in ``review.py`` that records the change (status history stays
append-only, figures are confirmed through ``confirm_budget_figure``) and adds what the desk
needs: the state the editor saw is checked under a row lock, so a second editor gets a clear
``AlreadyReviewed`` instead of a silent double decision; rejections need a reason; accepting a
signal or a figure is the editor's judgement that the article is evidence for the pledge, so a
suggested evidence is confirmed with it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges import review, trail
from pledges.budget_offers import BudgetOffer, budget_offers, offer_key, refresh_open_offers
from pledges.budget_totals import refresh_budget_totals
from pledges.models import (
    BrokenReason,
    BudgetFigure,
    Evidence,
    FigureState,
    ReviewState,
    SignalState,
    SignalSuggestion,
    Status,
)

AlreadyReviewed = review.AlreadyReviewed


def _already(who, state_label, when) -> AlreadyReviewed:
    return AlreadyReviewed(
        _("%(who)s already marked this suggestion as %(state)s at %(when)s.")
        % {
            "who": who.get_username() if who else _("someone"),
            "state": state_label,
            "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "?",
        },
        code="already_reviewed",
    )


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError(_("Give a reason for rejecting."), code="reason_required")
    return reason.strip()


# --- Budget amounts ------------------------------------------------------------------------------


def _offer_for(evidence: Evidence, index: int, expected_krw: int | None) -> BudgetOffer:
    for offer in budget_offers(evidence):
        if offer.index == index:
            if expected_krw is not None and offer.krw != expected_krw:
                break
            return offer
    raise ValidationError(
        _("The amounts found in this article changed since the desk was drawn; reload it."),
        code="offer_changed",
    )


def _check_open(offer: BudgetOffer) -> None:
    figure = offer.figure
    if figure is not None and figure.state != FigureState.SUGGESTED:
        raise _already(figure.confirmed_by, figure.get_state_display(), figure.confirmed_at)
    if offer.evidence.state == ReviewState.REJECTED:
        raise ValidationError(
            _("The article was rejected as evidence for this pledge: its amounts are not offered."),
            code="evidence_rejected",
        )


def _figure_from_amount(offer: BudgetOffer) -> BudgetFigure:
    """The suggested figure of one offered amount (as ``review.suggest_budget_figures`` makes
    them, one amount at a time)."""
    evidence = offer.evidence
    article = evidence.article
    as_of = timezone.localdate(article.published_at) if article.published_at else None
    figure, _created = BudgetFigure.objects.get_or_create(
        pledge_id=evidence.pledge_id,
        evidence=evidence,
        stage=offer.stage,
        funder=offer.funder,
        amount_krw=offer.krw,
        defaults={
            "offered_as": offer_key(offer.stage, offer.funder, offer.krw),
            "as_of": as_of or timezone.localdate(article.fetched_at),
            "source_text": str(offer.amount.get("text", ""))[:200],
            "note": str(offer.amount.get("sentence", "")),
            "state": FigureState.SUGGESTED,
        },
    )
    return figure


@transaction.atomic
def confirm_budget_offer(
    *,
    evidence: Evidence,
    index: int,
    reviewer,
    expected_krw: int | None = None,
    changes: dict | None = None,
) -> BudgetFigure:
    """Confirm the amount at ``index`` of the evidence's amounts as a budget figure, after the
    editor's ``changes`` (amount_krw, stage, funder, fiscal_year, as_of, is_lower_bound) when
    they edited it first."""
    evidence = Evidence.objects.select_for_update().select_related("article").get(pk=evidence.pk)
    offer = _offer_for(evidence, index, expected_krw)
    if offer.figure is not None:
        offer.figure = BudgetFigure.objects.select_for_update().get(pk=offer.figure.pk)
    _check_open(offer)
    if evidence.state == ReviewState.SUGGESTED:
        evidence = review.confirm_evidence(
            evidence=evidence, reviewer=reviewer, expected_state=ReviewState.SUGGESTED
        )
    offer.evidence = evidence
    figure = offer.figure or _figure_from_amount(offer)
    if changes:
        for name, value in changes.items():
            setattr(figure, name, value)
        figure = review.save_budget_figure(figure=figure, editor=reviewer)
    return review.confirm_budget_figure(figure=figure, reviewer=reviewer)


@transaction.atomic
def reject_budget_offer(
    *, evidence: Evidence, index: int, reviewer, reason: str, expected_krw: int | None = None
) -> BudgetFigure:
    """Turn down an amount (misread, another project's money, not this pledge's budget). It is
    kept as a rejected figure with the reason, never public, so it is not offered again."""
    reason = _require_reason(reason)
    evidence = Evidence.objects.select_for_update().select_related("article").get(pk=evidence.pk)
    offer = _offer_for(evidence, index, expected_krw)
    if offer.figure is not None:
        offer.figure = BudgetFigure.objects.select_for_update().get(pk=offer.figure.pk)
    _check_open(offer)
    figure = offer.figure or _figure_from_amount(offer)
    before = review._figure_trail(figure)
    figure.state = FigureState.REJECTED
    figure.confirmed_by = reviewer
    figure.confirmed_at = timezone.now()
    figure.reject_reason = reason
    figure.save(update_fields=["state", "confirmed_by", "confirmed_at", "reject_reason"])
    refresh_open_offers([evidence.pk])
    # It was suggested, which no total counts; refreshed anyway, as after every figure write.
    refresh_budget_totals([figure.pledge_id])
    trail.record(
        user=reviewer,
        obj=figure,
        action="reject",
        before=before,
        after={**review._figure_trail(figure), "reject_reason": reason},
    )
    return figure


# --- Status and milestone signals ---------------------------------------------------------------


def _locked_open_signal(signal: SignalSuggestion) -> SignalSuggestion:
    signal = (
        SignalSuggestion.objects.select_for_update()
        .select_related("evidence", "pledge")
        .get(pk=signal.pk)
    )
    if signal.state != SignalState.SUGGESTED:
        raise _already(signal.reviewer, signal.get_state_display(), signal.reviewed_at)
    return signal


@transaction.atomic
def accept_signal_suggestion(
    *,
    signal: SignalSuggestion,
    reviewer,
    suggested_status: str | None = None,
    broken_reason: str | None = None,
    effective_date: dt.date | None = None,
    rationale: str = "",
) -> SignalSuggestion:
    """Accept a status or milestone signal from the desk (through ``review.accept_signal``:
    a new status change, never an edited one), after the editor's corrections of the status
    it argues for, the broken reason, the date and the rationale when they edited it first.
    What ``accept_signal`` would refuse is refused here first, in the editor's language."""
    signal = _locked_open_signal(signal)
    before = _signal_trail(signal)
    edited = []
    if suggested_status is not None and suggested_status != signal.suggested_status:
        if suggested_status and suggested_status not in Status.values:
            raise ValidationError(_("Unknown status."), code="unknown_status")
        signal.suggested_status = suggested_status
        edited.append("suggested_status")
    if broken_reason is not None and broken_reason != signal.broken_reason:
        if broken_reason and broken_reason not in BrokenReason.values:
            raise ValidationError(_("Unknown broken reason."), code="unknown_broken_reason")
        signal.broken_reason = broken_reason
        edited.append("broken_reason")
    if signal.suggested_status == Status.BROKEN and not signal.broken_reason:
        raise ValidationError(
            _("A pledge marked broken needs the reason it was broken."), code="broken_reason"
        )
    if not (signal.suggested_status or signal.milestone_kind):
        raise ValidationError(
            _("This suggests neither a status nor a milestone: reject it instead."),
            code="nothing_to_accept",
        )
    if signal.evidence.state == ReviewState.REJECTED:
        raise ValidationError(
            _(
                "The article was rejected as evidence for this pledge: its signals cannot be accepted."
            ),
            code="evidence_rejected",
        )
    if edited:
        signal.save(update_fields=edited)
    accepted = review.accept_signal(
        signal=signal, reviewer=reviewer, effective_date=effective_date, rationale=rationale
    )
    trail.record(
        user=reviewer, obj=accepted, action="accept", before=before, after=_signal_trail(accepted)
    )
    return accepted


@transaction.atomic
def reject_signal_suggestion(*, signal: SignalSuggestion, reviewer, reason: str):
    """Reject a signal with the editor's reason; nothing is recorded on the pledge."""
    reason = _require_reason(reason)
    signal = _locked_open_signal(signal)
    before = _signal_trail(signal)
    rejected = review.reject_signal(signal=signal, reviewer=reviewer, reason=reason)
    trail.record(
        user=reviewer, obj=rejected, action="reject", before=before, after=_signal_trail(rejected)
    )
    return rejected


def _signal_trail(signal: SignalSuggestion) -> dict:
    return {
        "state": signal.state,
        "suggested_status": signal.suggested_status,
        "milestone_kind": signal.milestone_kind,
        "reject_reason": signal.reject_reason,
        "status_change": signal.status_change_id,
        "milestone": signal.milestone_id,
    }


# --- What waits for an editor ------------------------------------------------------------------


def pending_counts() -> dict[str, int]:
    """What waits in the desk, by kind: evidence, status signals, milestone signals, budget
    amounts. The budget amounts are the stored open-offer counts, summed from their partial
    index (``evidence_open_offers``): a few thousand entries, not every evidence's amounts."""
    signals = SignalSuggestion.objects.filter(state=SignalState.SUGGESTED).aggregate(
        status=Count("pk", filter=~Q(suggested_status="")),
        milestone=Count("pk", filter=Q(suggested_status="")),
    )
    budget = Evidence.objects.filter(open_offer_count__gt=0).aggregate(n=Sum("open_offer_count"))
    return {
        "evidence": Evidence.objects.filter(state=ReviewState.SUGGESTED).count(),
        "status": signals["status"],
        "milestone": signals["milestone"],
        "budget": budget["n"] or 0,
    }
