"""The money panel of a pledge page, shaped for display: the three stages readers ask about
(planned, secured, spent) with their funder parts and bar widths. No rule lives here: totals,
lower bounds and mismatches come from BudgetSummary (confirmed figures only, via selectors)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pledges.models import BudgetStage, BudgetSummary, Funder

PANEL_STAGES = (BudgetStage.PLANNED, BudgetStage.SECURED, BudgetStage.EXECUTED)


@dataclass
class FunderPart:
    label: str
    amount_krw: int
    width: float  # share of the largest stage total, 0..1


@dataclass
class StageBar:
    stage: str
    label: str
    amount_krw: int | None  # None: no figure yet (not the same as 0)
    is_lower_bound: bool
    width: float
    parts: list[FunderPart] = field(default_factory=list)


def stage_bars(summary: BudgetSummary) -> list[StageBar]:
    known = [summary.totals.get(stage) for stage in PANEL_STAGES]
    scale = max([a for a in known if a] or [1])
    labels = dict(BudgetStage.choices)
    funder_labels = dict(Funder.choices)
    bars = []
    for stage in PANEL_STAGES:
        amount = summary.totals.get(stage)
        parts = [
            FunderPart(str(funder_labels[f]), a, a / scale)
            for f, a in sorted(summary.by_funder.get(stage, {}).items(), key=lambda kv: -kv[1])
        ]
        bars.append(
            StageBar(
                stage=stage,
                label=str(labels[stage]),
                amount_krw=amount,
                is_lower_bound=stage in summary.lower_bound_stages,
                width=(amount or 0) / scale,
                parts=parts,
            )
        )
    return bars
