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
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pledges import trail
from pledges.budget_offers import (
    figure_stage_and_funder,
    lock_evidence_of_figure,
    offer_key,
    refresh_open_offers,
)
from pledges.budget_totals import STORED_FIELDS, refresh_budget_totals
from pledges.ingest.pipeline import (
    IngestRun,
    Mode,
    ingest_url,
    refit_calibrator_after_commit,
    rematch_pledge_after_commit,
)
from pledges.models import (
    Article,
    BudgetFigure,
    Evidence,
    FigureState,
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
    maintainers, why the machine was wrong). The status signals found in the article for that
    pledge go with it (an editor could no longer accept them)."""
    if not reason.strip():
        raise ValidationError(_("Give a reason for rejecting."), code="reason_required")
    evidence = _review_evidence(
        evidence,
        state=ReviewState.REJECTED,
        reviewer=reviewer,
        reason=reason.strip(),
        expected_state=expected_state,
    )
    SignalSuggestion.objects.filter(evidence=evidence, state=SignalState.SUGGESTED).update(
        state=SignalState.REJECTED,
        reviewer=reviewer,
        reviewed_at=timezone.now(),
        reject_reason="기사가 이 공약의 근거에서 기각됨 (evidence rejected)",
    )
    return evidence


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
    decided = evidence.state != state
    evidence.state = state
    evidence.reviewer = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.reject_reason = reason
    evidence.save(update_fields=["state", "reviewer", "reviewed_at", "reject_reason", "updated_at"])
    refresh_open_offers([evidence.pk])
    trail.record(
        user=reviewer,
        obj=evidence,
        action="confirm" if state == ReviewState.CONFIRMED else "reject",
        before=before,
        after=_evidence_trail(evidence),
    )
    if decided and evidence.method == MatchMethod.AUTO and evidence.match_features:
        _count_label(evidence.pledge_id)
    return evidence


def _evidence_trail(evidence: Evidence) -> dict:
    return {
        "state": evidence.state,
        "method": evidence.method,
        "reviewer": evidence.reviewer.get_username() if evidence.reviewer_id else None,
        "reject_reason": evidence.reject_reason,
        "snippet": evidence.snippet,
    }


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
    refresh_open_offers([evidence.pk])  # a rejected row tagged by hand offers its amounts again
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

    Only budget amounts with a stated stage and payer become figures (see
    ``budget_offers.figure_stage_and_funder``). Editors confirm them; running it twice adds nothing.
    """
    article = evidence.article
    as_of = timezone.localdate(article.published_at) if article.published_at else None
    as_of = as_of or timezone.localdate(article.fetched_at)
    created = []
    for amount in evidence.amounts or []:
        reading = figure_stage_and_funder(amount)
        if reading is None:
            continue
        stage, funder = reading
        same = {"stage": stage, "funder": funder, "amount_krw": int(amount["krw"])}
        made_from = offer_key(stage, funder, int(amount["krw"]))
        # Not get_or_create: an editor may have made two figures of one amount (editing one
        # into the other), or edited the figure made from it, and the amount has a figure
        # already either way.
        if BudgetFigure.objects.filter(
            Q(**same) | Q(offered_as=made_from), pledge_id=evidence.pledge_id, evidence=evidence
        ).exists():
            continue
        figure = BudgetFigure.objects.create(
            pledge_id=evidence.pledge_id,
            evidence=evidence,
            **same,
            offered_as=made_from,
            as_of=as_of,
            source_text=amount.get("text", "")[:200],
            note=amount.get("sentence", ""),
            state=FigureState.SUGGESTED,
        )
        created.append(figure)
    # Suggested figures leave their amounts open and count in no total: neither the stored
    # count nor the pledge's stored money changes.
    return created


@transaction.atomic
def confirm_budget_figure(*, figure: BudgetFigure, reviewer) -> BudgetFigure:
    lock_evidence_of_figure(figure)
    figure = BudgetFigure.objects.select_for_update().get(pk=figure.pk)
    if figure.evidence_id and figure.evidence.state != ReviewState.CONFIRMED:
        raise ValidationError("Confirm the evidence before the figure it supports.")
    before = _figure_trail(figure)
    figure.state = FigureState.CONFIRMED
    figure.confirmed_by = reviewer
    figure.confirmed_at = timezone.now()
    figure.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    refresh_open_offers([figure.evidence_id])
    refresh_budget_totals([figure.pledge_id])
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
_MACHINE_PLEDGE_FIELDS = {
    "status",
    "status_since",
    "match_calibrator",
    "reviews_since_refit",
    *STORED_FIELDS,  # the money of its confirmed figures (budget_totals)
}
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
    before = {} if is_new else _stored_fields(pledge, changed_fields)
    if is_new:
        pledge.save()
    else:
        # Only what the form edits: the status, the learned calibrator and the stored money are
        # written by their own actions meanwhile, and a form opened before must not put back
        # their old values.
        pledge.save(update_fields=_EDITABLE_PLEDGE_FIELDS)
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
    stored_evidence_id = stored_pledge_id = None
    lock_evidence_of_figure(figure)
    if not is_new:
        stored = BudgetFigure.objects.select_for_update().get(pk=figure.pk)
        before = _figure_trail(stored)
        stored_evidence_id, stored_pledge_id = stored.evidence_id, stored.pledge_id
    figure.full_clean(exclude=["pledge", "evidence", "confirmed_by"])
    figure.save()
    # Its amount, stage, state or evidence may have changed: the offers of the evidence it
    # rested on, and of the one it rests on now; and the money of the pledge it belonged to,
    # and of the one it belongs to now (a confirmed figure edited is still confirmed).
    refresh_open_offers([stored_evidence_id, figure.evidence_id])
    refresh_budget_totals([stored_pledge_id, figure.pledge_id])
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
    lock_evidence_of_figure(figure)
    figure = BudgetFigure.objects.select_for_update().get(pk=figure.pk)
    if figure.state == FigureState.CONFIRMED:
        raise ValidationError(
            _("A confirmed budget figure is not deleted; add a newer figure instead."),
            code="confirmed_figure",
        )
    trail.record(
        user=editor, obj=figure, action="discard", before=_figure_trail(figure), flag=trail.DELETION
    )
    evidence_id, pledge_id = figure.evidence_id, figure.pledge_id
    figure.delete()
    refresh_open_offers([evidence_id])  # its amount is offered again
    # Only a suggested figure is discarded, and no total counts one; refreshed all the same,
    # as after every write of a figure, so the stored money does not rest on that rule.
    refresh_budget_totals([pledge_id])


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
