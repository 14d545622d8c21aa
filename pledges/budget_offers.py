"""The budget amounts an article states, offered to the editors as figures, and the stored count
of those no editor has decided yet (``Evidence.open_offer_count``).

The rule of what is offered and what is still open lives here once (``budget_offers``,
``BudgetOffer.is_open``): the desk draws its rows with it, and ``refresh_open_offers`` stores
its count per evidence, so the desk's totals and its "waiting" filter read one indexed column
instead of every evidence with amounts (200,000 rows at a national tracker's size).

Every write that can change the count calls ``refresh_open_offers`` with the evidence it
touched, inside its own transaction: an evidence's amounts (the matcher), its state (the review
actions) and its budget figures (created, confirmed, rejected, edited, moved or deleted). Bulk
statements send no model signals, hence calls rather than signal handlers. A count that drifted
anyway (rows written by hand in SQL) is put right by ``manage.py recount_open_offers``.

Imports only the models, so the review actions, the desk and the matcher can all call it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.db.models import Q

from pledges import stored_columns
from pledges.models import BudgetFigure, BudgetStage, Evidence, FigureState, Funder, ReviewState

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


def figure_stage_and_funder(amount: dict) -> tuple[str, str] | None:
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


@dataclass
class BudgetOffer:
    """One budget amount an article states for a pledge, offered as a figure: the figure made
    of it so far (suggested, confirmed or rejected), or None while no editor has decided."""

    evidence: Evidence
    index: int
    amount: dict
    stage: str
    funder: str
    figure: BudgetFigure | None

    @property
    def krw(self) -> int:
        return int(self.amount["krw"])

    @property
    def is_open(self) -> bool:
        if self.evidence.state == ReviewState.REJECTED:
            return False
        return self.figure is None or self.figure.state == FigureState.SUGGESTED

    @property
    def sentence(self) -> str:
        return str(self.amount.get("sentence") or self.evidence.snippet or "")


def figure_key(figure_or_offer) -> tuple:
    if isinstance(figure_or_offer, BudgetOffer):
        return (figure_or_offer.stage, figure_or_offer.funder, figure_or_offer.krw)
    return (figure_or_offer.stage, figure_or_offer.funder, figure_or_offer.amount_krw)


def offer_key(stage: str, funder: str, krw: int) -> str:
    """What a figure stores in ``offered_as``: the amount it was made from."""
    return f"{stage}|{funder}|{int(krw)}"


def _offered_key(figure) -> tuple | None:
    stage, _, rest = (figure.offered_as or "").partition("|")
    funder, _, krw = rest.partition("|")
    return (stage, funder, int(krw)) if krw.lstrip("-").isdigit() else None


def budget_offers(evidence: Evidence, figures=None) -> list[BudgetOffer]:
    """The budget amounts of an evidence as figures to decide, in the article's order. Not
    offered: amounts the reader marked as no budget (``budget: false``: sales, market sizes,
    a company's investment) and amounts with no stated stage or payer (the same rule as
    ``review.suggest_budget_figures``). ``figures`` are the evidence's figures when the caller
    prefetched them."""
    if figures is None:
        figures = list(BudgetFigure.objects.filter(evidence=evidence))
    # A figure answers for the amount it was made from even after an editor changed its
    # amount, stage or payer; and, failing that, for the amount it now states.
    figures = sorted(figures, key=lambda f: f.pk)
    by_key = {}
    for figure in figures:
        made_from = _offered_key(figure)
        if made_from is not None:
            by_key.setdefault(made_from, figure)
    for figure in figures:
        by_key.setdefault(figure_key(figure), figure)
    offers = []
    for index, amount in enumerate(evidence.amounts or []):
        if not isinstance(amount, dict):
            continue
        try:
            int(amount.get("krw"))
        except (TypeError, ValueError):
            continue
        reading = figure_stage_and_funder(amount)
        if reading is None:
            continue
        stage, funder = reading
        offer = BudgetOffer(evidence, index, amount, stage, funder, None)
        offer.figure = by_key.get(figure_key(offer))
        offers.append(offer)
    return offers


def open_offer_count(evidence, figures) -> int:
    """How many of the evidence's offered amounts no editor has decided yet: the value
    ``Evidence.open_offer_count`` stores. ``figures``: all the evidence's budget figures."""
    return sum(1 for offer in budget_offers(evidence, list(figures)) if offer.is_open)


def figures_by_evidence(figure_model, evidence_ids: Iterable[int]) -> dict[int, list]:
    """The budget figures of these evidence rows, read in one query (the fields the rule
    reads). ``figure_model`` is BudgetFigure, or its historical version in a migration."""
    found = defaultdict(list)
    rows = figure_model.objects.filter(evidence_id__in=list(evidence_ids)).only(
        "pk", "evidence_id", "stage", "funder", "amount_krw", "state"
    )
    for figure in rows:
        found[figure.evidence_id].append(figure)
    return found


def lock_evidence_of_figure(figure: BudgetFigure) -> None:
    """Lock the evidence a figure rests on (as stored, and as the editor set it) before the
    figure itself is locked or written. The desk locks an evidence, then its figures; a figure
    action that locked the figure first and its evidence only to count (``refresh_open_offers``)
    could deadlock with it."""
    rests_on = Q(pk=figure.evidence_id) if figure.evidence_id else Q(pk__in=[])
    if figure.pk is not None:
        rests_on |= Q(pk__in=BudgetFigure.objects.filter(pk=figure.pk).values("evidence_id"))
    list(Evidence.objects.select_for_update().filter(rests_on).order_by("pk").values_list("pk"))


# What the rule reads of an evidence, and the count it stores.
_EVIDENCE_FIELDS = ("pk", "state", "amounts", "snippet", "open_offer_count")


def refresh_open_offers(evidence_ids: Iterable[int | None]) -> int:
    """Store again the open-offer count of these evidence rows (None and unknown ids are
    skipped); returns how many counts changed. Called by every write that changes an
    evidence's amounts, its state or its budget figures, after the write, in its transaction.

    The rows are locked first (``stored_columns``): two writers of the same evidence (an editor
    deciding a figure, the matcher rewriting its amounts) count one after the other."""
    return stored_columns.refresh(
        Evidence.objects.only(*_EVIDENCE_FIELDS),
        ["open_offer_count"],
        partial(_stale_rows, BudgetFigure),
        evidence_ids,
    )


def _stale_rows(figure_model, rows: list) -> list:
    """The rows whose stored count is not the rule's, with the right count set (not saved)."""
    with_amounts = [row.pk for row in rows if row.amounts]
    figures = figures_by_evidence(figure_model, with_amounts) if with_amounts else {}
    stale = []
    for row in rows:
        count = open_offer_count(row, figures.get(row.pk, ())) if row.amounts else 0
        if row.open_offer_count != count:
            row.open_offer_count = count
            stale.append(row)
    return stale


def recount_all_open_offers(
    evidence_model=Evidence, figure_model=BudgetFigure, *, write: bool = True
) -> tuple[int, int]:
    """Recompute every stored count in batches by primary key (the migration's backfill, the
    ``recount_open_offers`` command, the bench seed). Returns (rows read, counts that were
    wrong); with ``write`` false nothing is written. Only rows with amounts or a stored count
    are read: every other row's count is 0 and stored as 0."""
    rows_to_check = evidence_model.objects.exclude(amounts=[]) | evidence_model.objects.filter(
        open_offer_count__gt=0
    )
    return stored_columns.recount(
        rows_to_check.only(*_EVIDENCE_FIELDS),
        ["open_offer_count"],
        partial(_stale_rows, figure_model),
        write=write,
    )
