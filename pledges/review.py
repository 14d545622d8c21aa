"""Editor actions: review evidence, rate pledges, confirm budgets, record revisions, keep the
pledge book and its matcher terms.

Each is a plain function with keyword-only arguments inside a transaction, called alike by the
admin, commands, tasks and tests (Zulip's ``actions``, HackSoft's services). The admin holds no
rules of its own: every write it makes comes through one of these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pledges.ingest.pipeline import rematch_pledge_after_commit
from pledges.models import (
    Article,
    BudgetFigure,
    BudgetStage,
    Evidence,
    FigureState,
    Funder,
    MatchMethod,
    Milestone,
    Pledge,
    PledgeRevision,
    ReviewState,
    Status,
    StatusChange,
)


def confirm_evidence(*, evidence: Evidence, reviewer) -> Evidence:
    return _review_evidence(evidence, state=ReviewState.CONFIRMED, reviewer=reviewer, reason="")


def reject_evidence(*, evidence: Evidence, reviewer, reason: str = "") -> Evidence:
    return _review_evidence(evidence, state=ReviewState.REJECTED, reviewer=reviewer, reason=reason)


@transaction.atomic
def _review_evidence(evidence: Evidence, *, state: str, reviewer, reason: str) -> Evidence:
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    evidence.state = state
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.reject_reason = reason
    evidence.save(update_fields=["state", "reviewer", "reviewed_at", "reject_reason", "updated_at"])
    return evidence


@transaction.atomic
def attach_article_manually(
    *, article: Article, pledge: Pledge, reviewer, snippet: str = ""
) -> Evidence:
    """An editor tags an article to a pledge by hand: confirmed at once, method manual."""
    evidence, _created = Evidence.objects.select_for_update().get_or_create(
        article=article,
        pledge=pledge,
        defaults={"method": MatchMethod.MANUAL, "reviewed_at": timezone.now()},
    )
    evidence.state = ReviewState.CONFIRMED
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    if snippet:
        evidence.snippet = snippet
    evidence.save()
    return evidence


@transaction.atomic
def record_status_change(
    *,
    pledge: Pledge,
    to_status: str,
    effective_date: dt.date,
    rationale: str,
    recorded_by=None,
    evidence: Iterable[Evidence] = (),
    broken_reason: str = "",
    rationale_en: str = "",
    is_correction: bool = False,
    correction_note: str = "",
    checked_on: dt.date | None = None,
) -> StatusChange:
    """Append a status change and make the pledge's current status its latest change.

    Evidence must be confirmed and about this pledge: a rating rests on what an editor checked.
    `checked_on` is when the editors last checked the pledge (default: today).
    """
    if to_status not in Status.values:
        raise ValidationError(f"Unknown status {to_status!r}.")
    evidence = list(evidence)
    for item in evidence:
        if item.pledge_id != pledge.pk:
            raise ValidationError("Evidence for another pledge cannot justify this status.")
        if item.state != ReviewState.CONFIRMED:
            raise ValidationError("Only confirmed evidence can justify a status change.")
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    change = StatusChange(
        pledge=locked,
        from_status=locked.status,
        to_status=to_status,
        effective_date=effective_date,
        rationale=rationale,
        rationale_en=rationale_en,
        recorded_by=recorded_by,
        broken_reason=broken_reason,
        is_correction=is_correction,
        correction_note=correction_note,
    )
    change.full_clean(exclude=["pledge", "recorded_by"])
    change.save()
    change.evidence.set(evidence)
    _sync_current_status(locked, checked_on=checked_on or timezone.localdate())
    pledge.refresh_from_db()
    return change


def _sync_current_status(pledge: Pledge, *, checked_on: dt.date) -> None:
    latest = pledge.latest_status_change()
    Pledge.objects.filter(pk=pledge.pk).update(
        status=latest.to_status if latest else Status.NOT_RATED,
        status_since=latest.effective_date if latest else None,
        last_checked_on=checked_on,
    )


@transaction.atomic
def suggest_budget_figures(*, evidence: Evidence) -> list[BudgetFigure]:
    """Turn the money amounts found in an evidence's article into suggested budget figures.

    Only amounts whose stage the text states (계획, 확보, 집행, 요구) become figures; a figure
    without a named funder is a total. Editors confirm them; running it twice adds nothing.
    """
    article = evidence.article
    as_of = timezone.localdate(article.published_at) if article.published_at else None
    as_of = as_of or timezone.localdate(article.fetched_at)
    created = []
    for amount in evidence.amounts or []:
        stage = amount.get("stage")
        if stage not in BudgetStage.values:
            continue
        funder = amount.get("funder") or Funder.TOTAL
        if funder not in Funder.values:
            continue
        figure, was_created = BudgetFigure.objects.get_or_create(
            pledge_id=evidence.pledge_id,
            evidence=evidence,
            stage=stage,
            funder=funder,
            amount_krw=int(amount["krw"]),
            defaults={
                "as_of": as_of,
                "source_text": amount.get("text", "")[:200],
                "note": amount.get("sentence", ""),
                "state": FigureState.SUGGESTED,
            },
        )
        if was_created:
            created.append(figure)
    return created


@transaction.atomic
def confirm_budget_figure(*, figure: BudgetFigure, reviewer) -> BudgetFigure:
    figure = BudgetFigure.objects.select_for_update().get(pk=figure.pk)
    if figure.evidence_id and figure.evidence.state != ReviewState.CONFIRMED:
        raise ValidationError("Confirm the evidence before the figure it supports.")
    figure.state = FigureState.CONFIRMED
    figure.confirmed_by = reviewer
    figure.confirmed_at = timezone.now()
    figure.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    return figure


@transaction.atomic
def revise_pledge(
    *,
    pledge: Pledge,
    kind: str,
    new_text: str,
    decided_by: str,
    decided_on: dt.date,
    reason: str = "",
    source: str = "",
    recorded_by=None,
) -> PledgeRevision:
    """Record a formal change of a pledge; the original text stays as it was."""
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    revision = PledgeRevision(
        pledge=locked,
        kind=kind,
        old_text=locked.current_text(),
        new_text=new_text,
        decided_by=decided_by,
        decided_on=decided_on,
        reason=reason,
        source=source,
        recorded_by=recorded_by,
    )
    revision.full_clean(exclude=["pledge", "recorded_by"])
    revision.save()
    return revision


# --- The pledge book -------------------------------------------------------------------------

MATCHER_FIELDS = ("match_keywords", "match_aliases", "match_exclusions", "match_config")


@transaction.atomic
def save_pledge(*, pledge: Pledge, changed_fields: Iterable[str] = (), editor=None) -> bool:
    """Save a pledge an editor created or edited. When its matcher terms changed, recent
    articles are matched against it again once the change commits (so the workers read the
    new terms, not the old ones). Returns whether a re-match was queued."""
    is_new = pledge.pk is None
    pledge.save()
    terms_changed = not is_new and any(f in MATCHER_FIELDS for f in changed_fields)
    if terms_changed:
        rematch_pledge_after_commit(pledge.pk)
    return terms_changed


@transaction.atomic
def save_milestone(*, milestone: Milestone, editor=None) -> Milestone:
    """Add or edit a milestone of a pledge (planned and actual dates, evidence)."""
    milestone.full_clean(exclude=["pledge", "evidence"])
    milestone.save()
    return milestone


@transaction.atomic
def save_budget_figure(*, figure: BudgetFigure, editor=None) -> BudgetFigure:
    """Add or edit a budget figure by hand. Its review state is not the form's to set: a new
    figure waits for confirmation like the machine's suggestions (``confirm_budget_figure``)."""
    if figure.pk is None:
        figure.state = FigureState.SUGGESTED
    figure.save()
    return figure


@transaction.atomic
def edit_evidence_note(*, evidence: Evidence, snippet: str, reject_reason: str, editor=None):
    """Correct the justifying sentence or the rejection reason of an evidence row; its state,
    pledge and article change only through the review actions above."""
    Evidence.objects.filter(pk=evidence.pk).update(
        snippet=snippet, reject_reason=reject_reason, updated_at=timezone.now()
    )
