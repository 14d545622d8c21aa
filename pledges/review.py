"""Editor actions: review evidence, rate pledges, confirm budgets, record revisions, keep the
pledge book and its matcher terms, accept or reject the status signals the matcher found.

Each is a plain function with keyword-only arguments inside a transaction, called alike by the
admin, commands, tasks and tests (Zulip's ``actions``, HackSoft's services). The admin holds no
rules of its own: every write it makes comes through one of these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from pledges.ingest.pipeline import refit_calibrator_after_commit, rematch_pledge_after_commit
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
    SignalKind,
    SignalState,
    SignalSuggestion,
    Status,
    StatusChange,
)


def confirm_evidence(*, evidence: Evidence, reviewer) -> Evidence:
    return _review_evidence(evidence, state=ReviewState.CONFIRMED, reviewer=reviewer, reason="")


def reject_evidence(*, evidence: Evidence, reviewer, reason: str = "") -> Evidence:
    """Reject an article as evidence for a pledge; the status signals found in it for that
    pledge go with it (an editor could no longer accept them)."""
    evidence = _review_evidence(
        evidence, state=ReviewState.REJECTED, reviewer=reviewer, reason=reason
    )
    SignalSuggestion.objects.filter(evidence=evidence, state=SignalState.SUGGESTED).update(
        state=SignalState.REJECTED,
        reviewer=reviewer,
        reviewed_at=timezone.now(),
        reject_reason="기사가 이 공약의 근거에서 기각됨 (evidence rejected)",
    )
    return evidence


@transaction.atomic
def _review_evidence(evidence: Evidence, *, state: str, reviewer, reason: str) -> Evidence:
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    decided = evidence.state != state
    evidence.state = state
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.reject_reason = reason
    evidence.save(update_fields=["state", "reviewer", "reviewed_at", "reject_reason", "updated_at"])
    if decided and evidence.method == MatchMethod.AUTO and evidence.match_features:
        _count_label(evidence.pledge_id)
    return evidence


def _count_label(pledge_id: int) -> None:
    """A decision on machine evidence is a label: every CALIBRATOR_REFIT_EVERY of them, the
    pledge's calibrator is refitted on the match queue. The counter is reset by the same
    conditional update that decides, so concurrent reviews queue one refit, not several."""
    Pledge.objects.filter(pk=pledge_id).update(reviews_since_refit=F("reviews_since_refit") + 1)
    due = Pledge.objects.filter(
        pk=pledge_id, reviews_since_refit__gte=settings.CALIBRATOR_REFIT_EVERY
    ).update(reviews_since_refit=0)
    if due:
        refit_calibrator_after_commit(pledge_id)


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


# The money reader's vocabulary (korean/money_context.py) → the BudgetFigure vocabulary.
_STAGE_FROM_ENGINE = {
    "pledged": BudgetStage.PLEDGED,
    "planned": BudgetStage.PLANNED,
    "requested": BudgetStage.REQUESTED,
    "government_proposal": BudgetStage.GOVERNMENT_PROPOSAL,
    "secured": BudgetStage.SECURED,
    "allocated": BudgetStage.ALLOCATED,
    "executed": BudgetStage.EXECUTED,
}
_FUNDER_FROM_ENGINE = {
    "national": Funder.NATIONAL,
    "metropolitan": Funder.METROPOLITAN,
    "district": Funder.DISTRICT,
    "local": Funder.LOCAL,
    "private": Funder.PRIVATE,
    "other": Funder.OTHER,
    "total": Funder.TOTAL,
}


def _figure_stage_and_funder(amount: dict) -> tuple[str, str] | None:
    """(stage, funder) of a found amount as a budget figure, or None when it is not one.

    Not figures: amounts the reader marks ``budget: false`` (economic effects, market sizes,
    sales, salaries, a company's own investment); amounts whose stage the text does not state
    (``stage`` None: "2조원이 넘는 부담"); amounts with no payer (a part of a breakdown shared
    by several funders, a per-project grant). Amounts stored before the reader named totals
    (no ``budget`` key) keep the old reading: no funder meant the whole cost.
    """
    if amount.get("budget") is False:
        return None
    stage = _STAGE_FROM_ENGINE.get(amount.get("stage") or "")
    if stage is None:
        return None
    funder_word = amount.get("funder")
    if funder_word is None and "budget" not in amount:
        funder_word = "total"
    funder = _FUNDER_FROM_ENGINE.get(funder_word or "")
    if funder is None:
        return None
    return stage, funder


@transaction.atomic
def suggest_budget_figures(*, evidence: Evidence) -> list[BudgetFigure]:
    """Turn the money amounts found in an evidence's article into suggested budget figures.

    Only budget amounts with a stated stage and payer become figures (see
    ``_figure_stage_and_funder``). Editors confirm them; running it twice adds nothing.
    """
    article = evidence.article
    as_of = timezone.localdate(article.published_at) if article.published_at else None
    as_of = as_of or timezone.localdate(article.fetched_at)
    created = []
    for amount in evidence.amounts or []:
        reading = _figure_stage_and_funder(amount)
        if reading is None:
            continue
        stage, funder = reading
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
_MACHINE_PLEDGE_FIELDS = {"status", "status_since", "match_calibrator", "reviews_since_refit"}
_EDITABLE_PLEDGE_FIELDS = [
    f.name
    for f in Pledge._meta.concrete_fields
    if not f.primary_key and f.name not in _MACHINE_PLEDGE_FIELDS and f.name != "created_at"
]


@transaction.atomic
def save_pledge(*, pledge: Pledge, changed_fields: Iterable[str] = (), editor=None) -> bool:
    """Save a pledge an editor created or edited. When its matcher terms changed, recent
    articles are matched against it again once the change commits (so the workers read the
    new terms, not the old ones). Returns whether a re-match was queued."""
    is_new = pledge.pk is None
    if is_new:
        pledge.save()
    else:
        # Only what the form edits: the status and the learned calibrator are written by their
        # own actions meanwhile, and a form opened before must not put back their old values.
        pledge.save(update_fields=_EDITABLE_PLEDGE_FIELDS)
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


# --- Status signals ------------------------------------------------------------------------------


def _korean_and_english(label) -> tuple[str, str]:
    with translation.override("ko"):
        ko = str(label)
    with translation.override("en"):
        en = str(label)
    return ko, en


def _milestone_for(signal: SignalSuggestion) -> Milestone:
    """The milestone a signal fills: one of its kind not yet reached (else, for one-off kinds
    such as groundbreaking or opening, the one already there), else a new one. Budget and other
    milestones recur (each year's budget), so only one with the same title is reused."""
    title, title_en = _korean_and_english(SignalKind(signal.kind).label)
    same = Milestone.objects.select_for_update().filter(
        pledge_id=signal.pledge_id, kind=signal.milestone_kind
    )
    if signal.milestone_kind in (Milestone.Kind.BUDGET, Milestone.Kind.OTHER):
        same = same.filter(title=title)
    found = same.filter(actual_date__isnull=True).order_by("pk").first()
    if found is None and signal.milestone_kind not in (Milestone.Kind.BUDGET, Milestone.Kind.OTHER):
        found = same.order_by("pk").first()
    return found or Milestone(
        pledge_id=signal.pledge_id, kind=signal.milestone_kind, title=title, title_en=title_en
    )


@transaction.atomic
def accept_signal(
    *,
    signal: SignalSuggestion,
    reviewer,
    effective_date: dt.date | None = None,
    rationale: str = "",
    rationale_en: str = "",
) -> SignalSuggestion:
    """Accept a status signal in one step: record the status it argues for (through
    ``record_status_change``, so the history stays append-only) and fill its milestone (actual
    date when it happened, planned date when planned), both resting on the article.

    Accepting a signal is the editor's judgement that the article is evidence for the pledge, so
    its evidence is confirmed in the same action; evidence an editor rejected is refused. The
    date is ``effective_date`` when given, else the event date the sentence states, else (for
    an event that happened) the article's publication day. No status change is recorded when
    the pledge already has that status (the history would show a change that is none).
    """
    signal = (
        SignalSuggestion.objects.select_for_update()
        .select_related("evidence__article", "pledge")
        .get(pk=signal.pk)
    )
    if signal.state != SignalState.SUGGESTED:
        raise ValidationError("This signal was already reviewed.")
    if not (signal.suggested_status or signal.milestone_kind):
        raise ValidationError(
            "This signal suggests neither a status nor a milestone; reject it or record the "
            "change by hand."
        )
    evidence = signal.evidence
    if evidence.state == ReviewState.REJECTED:
        raise ValidationError(
            "The article was rejected as evidence for this pledge: its signals cannot be accepted."
        )
    if evidence.state == ReviewState.SUGGESTED:
        evidence = confirm_evidence(evidence=evidence, reviewer=reviewer)
    article = evidence.article
    published = timezone.localdate(article.published_at) if article.published_at else None
    date = effective_date or signal.date
    happened_on = date or published or timezone.localdate()

    change = None
    pledge = Pledge.objects.get(pk=signal.pledge_id)
    if signal.suggested_status and signal.suggested_status != pledge.status:
        change = record_status_change(
            pledge=pledge,
            to_status=signal.suggested_status,
            effective_date=happened_on,
            rationale=rationale or _signal_rationale(signal, article, published),
            rationale_en=rationale_en,
            recorded_by=reviewer,
            evidence=[evidence],
            broken_reason=signal.broken_reason,
        )
    milestone = None
    if signal.milestone_kind:
        milestone = _milestone_for(signal)
        if signal.happened:
            milestone.actual_date = happened_on
        elif date:
            milestone.planned_date = date
        milestone.evidence = evidence
        milestone.note = signal.sentence
        milestone = save_milestone(milestone=milestone, editor=reviewer)

    signal.state = SignalState.ACCEPTED
    signal.reviewer = reviewer
    signal.reviewed_at = timezone.now()
    signal.status_change = change
    signal.milestone = milestone
    signal.save(update_fields=["state", "reviewer", "reviewed_at", "status_change", "milestone"])
    return signal


def _signal_rationale(signal: SignalSuggestion, article: Article, published) -> str:
    source = ", ".join(p for p in (article.outlet, published.isoformat() if published else "") if p)
    return f"{signal.sentence} ({source})" if source else signal.sentence


@transaction.atomic
def reject_signal(*, signal: SignalSuggestion, reviewer, reason: str = "") -> SignalSuggestion:
    """The signal is wrong (misread, another project's event, old news): nothing is recorded."""
    signal = SignalSuggestion.objects.select_for_update().get(pk=signal.pk)
    if signal.state != SignalState.SUGGESTED:
        raise ValidationError("This signal was already reviewed.")
    signal.state = SignalState.REJECTED
    signal.reviewer = reviewer
    signal.reviewed_at = timezone.now()
    signal.reject_reason = reason
    signal.save(update_fields=["state", "reviewer", "reviewed_at", "reject_reason"])
    return signal
