"""Each pledge's money summary from its confirmed budget figures, stored on the pledge
(``Pledge.confirmed_planned_krw`` and the rest): the planned, secured and spent totals and
whether each is a lower bound.

The rule is ``BudgetSummary.from_figures`` (the pledge page's, the API's and the exports'), fed
the pledge's confirmed figures oldest first; this module only stores what it gives. Public pages
then read a column: the front page sums it per promiser, the list sorts by it, the shortfall
filter compares two of them. Summing every confirmed figure on each render cost ~115 ms on the
front page and ~330 ms on the shortfall filter at a national tracker's size (49,000 figures).

Every write that can change a pledge's confirmed figures calls ``refresh_budget_totals`` with
the pledges it touched, after the write, in its transaction (the figure actions of review.py and
review_desk.py, the pledge book import, the demo data, an archive restore). Bulk statements
send no model signals, hence calls rather than signal handlers. Totals that drifted anyway (rows
written by hand in SQL) are put right by ``manage.py recount_budget_totals``.

Imports only the models (and ``stored_columns``, the keeping of such columns), so every writer
can call it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import partial

from pledges import stored_columns
from pledges.models import BudgetFigure, BudgetStage, BudgetSummary, FigureState, Pledge

# Stage → (its stored total, its stored lower-bound flag).
STORED_STAGES = {
    BudgetStage.PLANNED: ("confirmed_planned_krw", "confirmed_planned_is_lower_bound"),
    BudgetStage.SECURED: ("confirmed_secured_krw", "confirmed_secured_is_lower_bound"),
    BudgetStage.EXECUTED: ("confirmed_executed_krw", "confirmed_executed_is_lower_bound"),
}
STORED_FIELDS = [name for pair in STORED_STAGES.values() for name in pair]
# What the rule reads of a figure.
_FIGURE_FIELDS = (
    "pk",
    "pledge_id",
    "stage",
    "funder",
    "fiscal_year",
    "amount_krw",
    "as_of",
    "is_lower_bound",
)


def stored_summary(summary: BudgetSummary) -> dict[str, int | bool | None]:
    """The stored fields' values for a money summary."""
    values: dict[str, int | bool | None] = {}
    for stage, (total_field, lower_field) in STORED_STAGES.items():
        values[total_field] = summary.totals.get(stage)
        values[lower_field] = stage in summary.lower_bound_stages
    return values


def confirmed_figures_by_pledge(figure_model, pledge_ids: Iterable[int]) -> dict[int, list]:
    """The confirmed figures of these pledges, oldest first (later ones supersede earlier ones
    in the rule), read in one query. ``figure_model`` is BudgetFigure, or its historical
    version in a migration."""
    found = defaultdict(list)
    rows = (
        figure_model.objects.filter(pledge_id__in=list(pledge_ids), state=FigureState.CONFIRMED)
        .only(*_FIGURE_FIELDS)
        .order_by("pledge_id", "as_of", "pk")
    )
    for figure in rows:
        found[figure.pledge_id].append(figure)
    return found


def refresh_budget_totals(pledge_ids: Iterable[int | None]) -> int:
    """Store again the money summary of these pledges (None and unknown ids are skipped);
    returns how many pledges' stored summary changed. Called by every write that can change a
    pledge's confirmed figures, after the write, in its transaction. The pledge rows are
    locked before their figures are read (``stored_columns``)."""
    return stored_columns.refresh(
        _stored_rows(Pledge), STORED_FIELDS, partial(_stale_rows, BudgetFigure), pledge_ids
    )


def recount_all_budget_totals(
    pledge_model=Pledge, figure_model=BudgetFigure, *, write: bool = True
) -> tuple[int, int]:
    """Recompute every pledge's stored summary in batches by primary key (the migration's
    backfill, the ``recount_budget_totals`` command, an archive restore, the bench seed).
    Returns (pledges read, summaries that were wrong); with ``write`` false nothing is
    written."""
    return stored_columns.recount(
        _stored_rows(pledge_model), STORED_FIELDS, partial(_stale_rows, figure_model), write=write
    )


def _stored_rows(pledge_model):
    return pledge_model.objects.only("pk", *STORED_FIELDS)


def _stale_rows(figure_model, rows: list) -> list:
    """The rows whose stored summary is not the rule's, with the right one set (not saved)."""
    figures = confirmed_figures_by_pledge(figure_model, [row.pk for row in rows])
    stale = []
    for row in rows:
        wanted = stored_summary(BudgetSummary.from_figures(figures.get(row.pk, ())))
        if any(getattr(row, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(row, name, value)
            stale.append(row)
    return stale
