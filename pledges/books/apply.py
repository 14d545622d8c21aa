"""Carrying out a pledge book plan: all of it in one transaction, or nothing.

Every pledge goes through ``review.save_pledge`` (the editors' trail with before and after, and
re-matching when a stored pledge's matcher terms change), every pledged budget through the
budget figure actions. After the bulk write the pledge book's version moves once, so workers
compile the new terms at their next article.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges import review, trail
from pledges.books.plan import CHANGE, CREATE, BookPlan, RowPlan, depth_order
from pledges.budget_offers import lock_evidence_of_figure, refresh_open_offers
from pledges.budget_totals import refresh_budget_totals
from pledges.ingest.pipeline import rematch_pledge_after_commit
from pledges.models import (
    BudgetFigure,
    BudgetStage,
    FigureState,
    Funder,
    Pledge,
    pledge_book_changed,
)

ALL = "all"


@dataclass
class ImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rematch_queued: int = 0
    pledges: list[Pledge] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(created)s created, %(changed)s changed, %(unchanged)s unchanged") % {
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


def import_book(
    *, plan: BookPlan, editor, accept_terms: Collection[str] | str = ()
) -> ImportResult:
    """Apply a plan without errors. ``accept_terms``: the keys of the rows whose proposed
    matcher terms the editor accepted, or ``ALL``."""
    if not plan.is_valid:
        raise ValidationError(
            _("The pledge book has errors: nothing was imported."), code="invalid_book"
        )
    try:
        return _import(plan, editor=editor, accept_terms=accept_terms)
    except IntegrityError as error:
        # Another import or editor took a slug or code since the plan was made: the database
        # refused it, and the whole book with it.
        raise ValidationError(
            _("The pledges changed while importing: nothing was imported. Check the file again."),
            code="conflict",
        ) from error


def _import(plan: BookPlan, *, editor, accept_terms) -> ImportResult:
    result = ImportResult(unchanged=plan.unchanged)
    with transaction.atomic():
        creates = depth_order([r for r in plan.rows if r.action == CREATE])
        changes = [r for r in plan.rows if r.action == CHANGE]
        for rp in creates:
            accepted = accept_terms == ALL or rp.key in accept_terms
            pledge = _create(rp, editor=editor, accept_terms=accepted)
            result.created += 1
            result.pledges.append(pledge)
            if pledge.match_aliases or pledge.match_keywords:
                rematch_pledge_after_commit(pledge.pk)
                result.rematch_queued += 1
        # Evidence before pledges, the order the desk locks them in (an evidence, then its
        # figures, then the pledge whose stored money they change): a pledged total an editor
        # took from an article would otherwise be locked pledge first here, and an editor
        # confirming another amount of that article at the same moment would deadlock with us.
        for figure in sorted(
            (rp.budget_figure for rp in changes if rp.budget_krw is not None and rp.budget_figure),
            key=lambda figure: figure.evidence_id or 0,
        ):
            lock_evidence_of_figure(figure)
        for rp in changes:
            if _change(rp, editor=editor):
                result.rematch_queued += 1
            result.changed += 1
            result.pledges.append(rp.pledge)
        budgeted = [rp for rp in creates + changes if rp.budget_krw is not None]
        for rp in budgeted:
            _pledged_budget(rp, editor=editor)
        # The stored money of the pledges whose figures the book wrote, in one pass.
        refresh_budget_totals(rp.pledge.pk for rp in budgeted)
        if creates or changes:
            pledge_book_changed()
    return result


def _create(rp: RowPlan, *, editor, accept_terms: bool) -> Pledge:
    values = dict(rp.fields)
    if accept_terms and rp.has_proposed_terms:
        values["match_aliases"] = list(rp.proposed_aliases)
        values["match_keywords"] = list(rp.proposed_keywords)
    if rp.parent_row is not None:
        values["parent"] = rp.parent_row.pledge
    pledge = Pledge(**values)
    review.save_pledge(pledge=pledge, editor=editor)
    rp.pledge = pledge  # rows naming it as parent come later (depth order)
    return pledge


def _change(rp: RowPlan, *, editor) -> bool:
    pledge = Pledge.objects.select_for_update().get(pk=rp.pledge.pk)
    changed = dict(rp.fields)
    if rp.parent_row is not None:
        changed["parent"] = rp.parent_row.pledge
    for name, value in changed.items():
        setattr(pledge, name, value)
    if not changed:  # only the budget changed
        return False
    requeued = review.save_pledge(pledge=pledge, changed_fields=list(changed), editor=editor)
    rp.pledge = pledge
    return requeued


def _pledged_budget(rp: RowPlan, *, editor) -> None:
    """The amount the pledge book states, as a "pledged" total figure; confirmed by the editor
    who confirmed the import (the book itself is the source), suggested when no one did. Written
    here rather than through ``review.save_budget_figure`` + ``confirm_budget_figure``: the
    values are fixed by the plan, and those two cost some 25 queries a figure (hundreds of
    pledges must import within one web request). The trail is the same kind of entry."""
    figure = rp.budget_figure
    is_new = figure is None
    before = {} if is_new else {"amount_krw": figure.amount_krw, "state": figure.state}
    if is_new:
        figure = BudgetFigure(
            pledge=rp.pledge,
            stage=BudgetStage.PLEDGED,
            funder=Funder.TOTAL,
            as_of=rp.pledge.made_on or timezone.localdate(),
            note=rp.pledge.source_document,
        )
    if figure.evidence_id:  # locked before the figure, as the desk locks them
        lock_evidence_of_figure(figure)
    figure.amount_krw = rp.budget_krw
    figure.source_text = rp.row.written.get("budget_pledged", "")[:200]
    if editor is not None and figure.state != FigureState.CONFIRMED:
        figure.state = FigureState.CONFIRMED
        figure.confirmed_by = editor
        figure.confirmed_at = timezone.now()
    figure.save()
    if figure.evidence_id:  # a pledged total an editor took from an article's amounts
        refresh_open_offers([figure.evidence_id])
    trail.record(
        user=editor,
        obj=figure,
        action="import",
        before=before,
        after={"amount_krw": figure.amount_krw, "state": figure.state, "stage": figure.stage},
        flag=trail.ADDITION if is_new else trail.CHANGE,
    )
