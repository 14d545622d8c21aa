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
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges import trail
from pledges.ingest.pipeline import IngestRun, Mode, ingest_url, rematch_pledge_after_commit
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


class AlreadyReviewed(ValidationError):
    """Another editor reviewed this suggestion first: the second decision is refused, not
    written over the first (no lost update)."""


def confirm_evidence(
    *, evidence: Evidence, reviewer, expected_state: str | None = None
) -> Evidence:
    """Confirm a suggestion. With ``expected_state`` (the state the editor saw), refuse with
    ``AlreadyReviewed`` when the row has changed since."""
    return _review_evidence(
        evidence,
        state=ReviewState.CONFIRMED,
        reviewer=reviewer,
        reason="",
        expected_state=expected_state,
    )


def reject_evidence(
    *, evidence: Evidence, reviewer, reason: str = "", expected_state: str | None = None
) -> Evidence:
    """Reject a suggestion; the reason is required (it tells the next editor, and the matcher's
    maintainers, why the machine was wrong)."""
    if not reason.strip():
        raise ValidationError(_("Give a reason for rejecting."), code="reason_required")
    return _review_evidence(
        evidence,
        state=ReviewState.REJECTED,
        reviewer=reviewer,
        reason=reason.strip(),
        expected_state=expected_state,
    )


@transaction.atomic
def _review_evidence(
    evidence: Evidence, *, state: str, reviewer, reason: str, expected_state: str | None
) -> Evidence:
    # The row lock serialises two editors; the state check makes the later one see the first.
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if expected_state is not None and evidence.state != expected_state:
        raise AlreadyReviewed(
            _("%(who)s already marked this suggestion as %(state)s at %(when)s.")
            % {
                "who": evidence.reviewer.get_username() if evidence.reviewer else _("someone"),
                "state": ReviewState(evidence.state).label,
                "when": timezone.localtime(evidence.reviewed_at).strftime("%Y-%m-%d %H:%M")
                if evidence.reviewed_at
                else "?",
            },
            code="already_reviewed",
        )
    before = _evidence_trail(evidence)
    evidence.state = state
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.reject_reason = reason
    evidence.save(update_fields=["state", "reviewer", "reviewed_at", "reject_reason", "updated_at"])
    trail.record(
        user=reviewer,
        obj=evidence,
        action="confirm" if state == ReviewState.CONFIRMED else "reject",
        before=before,
        after=_evidence_trail(evidence),
    )
    return evidence


def _evidence_trail(evidence: Evidence) -> dict:
    return {
        "state": evidence.state,
        "method": evidence.method,
        "reviewer": evidence.reviewer.get_username() if evidence.reviewer_id else None,
        "reject_reason": evidence.reject_reason,
        "snippet": evidence.snippet,
    }


@transaction.atomic
def attach_article_manually(
    *, article: Article, pledge: Pledge, reviewer, snippet: str = ""
) -> Evidence:
    """An editor tags an article to a pledge by hand: confirmed at once, method manual, with the
    editor's snippet. A row the matcher already suggested (or one rejected earlier) for the same
    pair becomes this manual, confirmed evidence instead of being refused as a duplicate."""
    evidence, created = Evidence.objects.select_for_update().get_or_create(
        article=article,
        pledge=pledge,
        defaults={
            "method": MatchMethod.MANUAL,
            "state": ReviewState.CONFIRMED,
            "reviewed_at": timezone.now(),
        },
    )
    before = {} if created else _evidence_trail(evidence)
    evidence.state = ReviewState.CONFIRMED
    evidence.method = MatchMethod.MANUAL
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.reject_reason = ""
    if snippet.strip():
        evidence.snippet = snippet.strip()
    evidence.save()
    trail.record(
        user=reviewer,
        obj=evidence,
        action="attach_manually",
        before=before,
        after=_evidence_trail(evidence),
        flag=trail.ADDITION if created else trail.CHANGE,
    )
    return evidence


def attach_url_manually(*, url: str, pledge: Pledge, reviewer, snippet: str = "") -> Evidence:
    """From a pledge, an editor adds an article by its URL: fetched and stored here and now
    through the ingestion pipeline (once; a known article is reused), then tagged by hand.

    Raises ``ValidationError`` with the pipeline's reason when the page cannot be ingested."""
    run = IngestRun(mode=Mode.INLINE)
    result = ingest_url(url, run)
    if result is None:
        reason = run.errors[-1].removeprefix(f"{url}: ") if run.errors else ""
        raise ValidationError(
            _("Could not ingest %(url)s: %(error)s") % {"url": url, "error": reason},
            code="ingest_failed",
        )
    return attach_article_manually(
        article=result.article, pledge=pledge, reviewer=reviewer, snippet=snippet
    )


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
    after = {
        "from_status": change.from_status,
        "to_status": change.to_status,
        "effective_date": change.effective_date,
        "broken_reason": change.broken_reason,
        "is_correction": change.is_correction,
        "evidence": [item.pk for item in evidence],
    }
    trail.record(
        user=recorded_by,
        obj=change,
        action="record_status_change",
        after=after,
        flag=trail.ADDITION,
    )
    trail.record(
        user=recorded_by,
        obj=pledge,
        action="status_changed",
        before={"status": change.from_status},
        after={"status": pledge.status, "status_change": change.pk},
    )
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
    before = _figure_trail(figure)
    figure.state = FigureState.CONFIRMED
    figure.confirmed_by = reviewer
    figure.confirmed_at = timezone.now()
    figure.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    trail.record(
        user=reviewer, obj=figure, action="confirm", before=before, after=_figure_trail(figure)
    )
    return figure


def _figure_trail(figure: BudgetFigure) -> dict:
    return {
        "state": figure.state,
        "stage": figure.stage,
        "funder": figure.funder,
        "amount_krw": figure.amount_krw,
        "fiscal_year": figure.fiscal_year,
        "as_of": figure.as_of,
        "evidence": figure.evidence_id,
    }


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
    trail.record(
        user=recorded_by,
        obj=locked,
        action="revise",
        before={"text": revision.old_text},
        after={"text": revision.new_text, "kind": kind, "revision": revision.pk},
    )
    return revision


# --- The pledge book -------------------------------------------------------------------------

MATCHER_FIELDS = ("match_keywords", "match_aliases", "match_exclusions", "match_config")


@transaction.atomic
def save_pledge(*, pledge: Pledge, changed_fields: Iterable[str] = (), editor=None) -> bool:
    """Save a pledge an editor created or edited. When its matcher terms changed, recent
    articles are matched against it again once the change commits (so the workers read the
    new terms, not the old ones). Returns whether a re-match was queued."""
    is_new = pledge.pk is None
    before = {} if is_new else _stored_fields(pledge, changed_fields)
    pledge.save()
    changed = list(changed_fields)
    trail.record(
        user=editor,
        obj=pledge,
        action="create" if is_new else "edit",
        before=before,
        after=_stored_fields(pledge, changed) if not is_new else {"code": pledge.code},
        flag=trail.ADDITION if is_new else trail.CHANGE,
    )
    terms_changed = not is_new and any(f in MATCHER_FIELDS for f in changed_fields)
    if terms_changed:
        rematch_pledge_after_commit(pledge.pk)
    return terms_changed


@transaction.atomic
def save_milestone(*, milestone: Milestone, editor=None) -> Milestone:
    """Add or edit a milestone of a pledge (planned and actual dates, evidence)."""
    is_new = milestone.pk is None
    milestone.full_clean(exclude=["pledge", "evidence"])
    milestone.save()
    trail.record(
        user=editor,
        obj=milestone,
        action="create" if is_new else "edit",
        after={
            "kind": milestone.kind,
            "planned_date": milestone.planned_date,
            "actual_date": milestone.actual_date,
        },
        flag=trail.ADDITION if is_new else trail.CHANGE,
    )
    return milestone


@transaction.atomic
def save_budget_figure(*, figure: BudgetFigure, editor=None) -> BudgetFigure:
    """Add or edit a budget figure by hand. Its review state is not the form's to set: a new
    figure waits for confirmation like the machine's suggestions (``confirm_budget_figure``)."""
    is_new = figure.pk is None
    if is_new:
        figure.state = FigureState.SUGGESTED
    before = {}
    if not is_new:
        stored = BudgetFigure.objects.select_for_update().get(pk=figure.pk)
        before = _figure_trail(stored)
    figure.full_clean(exclude=["pledge", "evidence", "confirmed_by"])
    figure.save()
    trail.record(
        user=editor,
        obj=figure,
        action="create" if is_new else "edit",
        before=before,
        after=_figure_trail(figure),
        flag=trail.ADDITION if is_new else trail.CHANGE,
    )
    return figure


@transaction.atomic
def discard_budget_figure(*, figure: BudgetFigure, editor=None) -> None:
    """Drop a suggested figure (a misread amount). Confirmed figures are kept: they are
    public and other figures may rest on them; a newer figure supersedes them instead."""
    figure = BudgetFigure.objects.select_for_update().get(pk=figure.pk)
    if figure.state == FigureState.CONFIRMED:
        raise ValidationError(
            _("A confirmed budget figure is not deleted; add a newer figure instead."),
            code="confirmed_figure",
        )
    trail.record(
        user=editor, obj=figure, action="discard", before=_figure_trail(figure), flag=trail.DELETION
    )
    figure.delete()


@transaction.atomic
def edit_evidence_note(*, evidence: Evidence, snippet: str, reject_reason: str, editor=None):
    """Correct the justifying sentence or the rejection reason of an evidence row; its state,
    pledge and article change only through the review actions above."""
    stored = Evidence.objects.select_for_update().get(pk=evidence.pk)
    before = _evidence_trail(stored)
    Evidence.objects.filter(pk=evidence.pk).update(
        snippet=snippet, reject_reason=reject_reason, updated_at=timezone.now()
    )
    stored.snippet, stored.reject_reason = snippet, reject_reason
    if _evidence_trail(stored) != before:
        trail.record(
            user=editor,
            obj=stored,
            action="edit_note",
            before=before,
            after=_evidence_trail(stored),
        )


def _stored_fields(pledge: Pledge, fields: Iterable[str]) -> dict:
    names = [f for f in fields if f != "original_text" and hasattr(pledge, f)]
    if pledge.pk is None or not names:
        return {}
    stored = Pledge.objects.filter(pk=pledge.pk).first()
    if stored is None:
        return {}
    return {name: _plain(getattr(stored, name)) for name in names}


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    return value
