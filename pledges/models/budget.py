"""Money: budget figures in integer KRW by stage and funder, and the summary pages show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pledges.korean.money import format_krw
from pledges.models.pledges import Pledge
from pledges.models.vocabulary import (
    BudgetStage,
    FigureState,
    Funder,
    _in_choices,
    _localized,
)


class BudgetFigure(models.Model):
    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="budget_figures", verbose_name=_("pledge")
    )
    amount_krw = models.BigIntegerField(_("amount (KRW)"))
    stage = models.CharField(_("stage"), max_length=30, choices=BudgetStage.choices)
    funder = models.CharField(_("funder"), max_length=20, choices=Funder.choices)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), null=True, blank=True, help_text=_("Empty for the whole period.")
    )
    period_start_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    period_end_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    evidence = models.ForeignKey(
        "Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="budget_figures",
        verbose_name=_("evidence"),
    )
    is_lower_bound = models.BooleanField(
        _("lower bound"),
        default=False,
        help_text=_('The source gives at least this amount ("2조 원 이상", "2조 원이 넘는").'),
    )
    source_text = models.CharField(_("as written"), max_length=200, blank=True)
    # The article's amount this figure was made from ("stage|funder|krw", see
    # budget_offers.offer_key): kept when an editor edits the figure's amount, stage or payer,
    # so the amount counts as decided and is not offered (or suggested) again.
    offered_as = models.CharField(
        _("made from the amount"),
        max_length=100,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    note = models.TextField(_("note"), blank=True)
    note_en = models.TextField(_("English note"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=FigureState.choices, default=FigureState.SUGGESTED
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reject_reason = models.TextField(_("reject reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["pledge", "stage", "funder", "fiscal_year"]
        verbose_name = _("budget figure")
        verbose_name_plural = _("budget figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_krw__gte=0), name="budget_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=_in_choices("stage", BudgetStage), name="budget_stage_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("funder", Funder), name="budget_funder_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("state", FigureState), name="budget_state_known"
            ),
            models.CheckConstraint(
                condition=Q(period_start_year__isnull=True)
                | Q(period_end_year__isnull=True)
                | Q(period_start_year__lte=models.F("period_end_year")),
                name="budget_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        # Shown in the admin's titles and trail: the stage and payer in words, the amount as
        # Koreans read it (957억원), never raw codes or a long integer.
        return (
            f"{self.pledge} · {self.get_stage_display()} · {self.get_funder_display()} · "
            f"{format_krw(self.amount_krw)}"
        )

    @property
    def display_note(self) -> str:
        return _localized(self.note, self.note_en)


@dataclass
class FunderMismatch:
    stage: str
    fiscal_year: int | None
    total_krw: int
    parts_krw: int

    @property
    def difference_krw(self) -> int:
        return self.parts_krw - self.total_krw


@dataclass
class BudgetSummary:
    """Totals per stage from confirmed figures; where a stated total exists it wins over parts."""

    totals: dict[str, int] = field(default_factory=dict)
    by_funder: dict[str, dict[str, int]] = field(default_factory=dict)
    mismatches: list[FunderMismatch] = field(default_factory=list)
    # Stages whose total rests on at least one "more than" figure: the total is a lower bound.
    lower_bound_stages: set[str] = field(default_factory=set)

    @classmethod
    def from_figures(cls, figures) -> BudgetSummary:
        summary = cls()
        # Keep the latest figure per (stage, funder, fiscal year): later figures supersede.
        latest: dict[tuple[str, str, int | None], BudgetFigure] = {}
        for figure in figures:
            latest[(figure.stage, figure.funder, figure.fiscal_year)] = figure
        groups: dict[tuple[str, int | None], dict[str, int]] = defaultdict(dict)
        lower_bounds: set[tuple[str, int | None, str]] = set()
        for (stage, funder, year), figure in latest.items():
            groups[(stage, year)][funder] = figure.amount_krw
            if getattr(figure, "is_lower_bound", False):
                lower_bounds.add((stage, year, funder))
        for (stage, year), amounts in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
        ):
            parts = {f: a for f, a in amounts.items() if f != Funder.TOTAL}
            parts_sum = sum(parts.values())
            stated_total = amounts.get(Funder.TOTAL)
            if stated_total is not None and parts and parts_sum != stated_total:
                summary.mismatches.append(FunderMismatch(stage, year, stated_total, parts_sum))
            group_total = stated_total if stated_total is not None else parts_sum
            counted = [Funder.TOTAL] if stated_total is not None else list(parts)
            if any((stage, year, funder) in lower_bounds for funder in counted):
                summary.lower_bound_stages.add(stage)
            summary.totals[stage] = summary.totals.get(stage, 0) + group_total
            stage_funders = summary.by_funder.setdefault(stage, {})
            for funder, amount in parts.items():
                stage_funders[funder] = stage_funders.get(funder, 0) + amount
        return summary

    @property
    def planned_krw(self) -> int | None:
        return self.totals.get(BudgetStage.PLANNED)

    @property
    def secured_krw(self) -> int | None:
        return self.totals.get(BudgetStage.SECURED)

    @property
    def executed_krw(self) -> int | None:
        return self.totals.get(BudgetStage.EXECUTED)

    @property
    def planned_is_lower_bound(self) -> bool:
        return BudgetStage.PLANNED in self.lower_bound_stages

    @property
    def secured_is_lower_bound(self) -> bool:
        return BudgetStage.SECURED in self.lower_bound_stages

    @property
    def executed_is_lower_bound(self) -> bool:
        return BudgetStage.EXECUTED in self.lower_bound_stages

    @property
    def secured_ratio(self) -> float | None:
        """재정확보율: secured ÷ planned; None when either is unknown."""
        if not self.planned_krw or self.secured_krw is None:
            return None
        return self.secured_krw / self.planned_krw
