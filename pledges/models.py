"""The pledge domain: who promised what, where; its status history, money and news evidence.

The database guards the invariants (unique articles and evidence pairs, known status values,
non-negative amounts); services in review.py and ingest.py do the writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _localized(ko: str, en: str) -> str:
    """The English text when the active language is English and it exists, else the Korean."""
    if en and (get_language() or "ko").startswith("en"):
        return en
    return ko


# --- Vocabularies ---------------------------------------------------------------------------


class Status(models.TextChoices):
    NOT_RATED = "not_rated", _("Not rated")
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    STALLED = "stalled", _("Stalled")
    CHANGED = "changed", _("Changed")
    PARTIALLY_KEPT = "partially_kept", _("Partially kept")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    UNVERIFIABLE = "unverifiable", _("Unverifiable")


@dataclass(frozen=True)
class StatusDefinition:
    status: Status
    definition: str
    counts_in_rate: bool
    counts_as_kept: float  # weight in the fulfilment rate numerator


# Public definitions, shown on the methodology page and beside every status badge.
# Ratings judge outcomes, not effort.
STATUS_DEFINITIONS: dict[str, StatusDefinition] = {
    d.status.value: d
    for d in [
        StatusDefinition(
            Status.NOT_RATED,
            _("The editors have not yet rated this pledge."),
            counts_in_rate=True,
            counts_as_kept=0,
        ),
        StatusDefinition(
            Status.NOT_STARTED,
            _("No budget, law or official procedure has started for this pledge."),
            counts_in_rate=True,
            counts_as_kept=0,
        ),
        StatusDefinition(
            Status.IN_PROGRESS,
            _(
                "An official step has been taken (budget, study, contest, law) and the work goes on."
            ),
            counts_in_rate=True,
            counts_as_kept=0,
        ),
        StatusDefinition(
            Status.STALLED,
            _(
                "Work has stopped or is blocked, e.g. funding not secured or a procedure not agreed."
            ),
            counts_in_rate=True,
            counts_as_kept=0,
        ),
        StatusDefinition(
            Status.CHANGED,
            _("The pledge was formally changed; it is now judged against its revised text."),
            counts_in_rate=True,
            counts_as_kept=0,
        ),
        StatusDefinition(
            Status.PARTIALLY_KEPT,
            _("Part of the promised outcome was delivered, not all of it."),
            counts_in_rate=True,
            counts_as_kept=0.5,
        ),
        StatusDefinition(
            Status.KEPT,
            _("The promised outcome was delivered as defined for this pledge."),
            counts_in_rate=True,
            counts_as_kept=1,
        ),
        StatusDefinition(
            Status.BROKEN,
            _("The pledge was abandoned or can no longer be delivered as promised."),
            counts_in_rate=True,
            counts_as_kept=0,
        ),
        StatusDefinition(
            Status.UNVERIFIABLE,
            _("Public information is not enough to judge; left out of the fulfilment rate."),
            counts_in_rate=False,
            counts_as_kept=0,
        ),
    ]
}


class BrokenReason(models.TextChoices):
    NATIONAL_FUNDING_NOT_SECURED = "national_funding_not_secured", _("National funding not secured")
    FEASIBILITY_FAILED = "feasibility_failed", _("Failed the preliminary feasibility study")
    FAILED_TENDER = "failed_tender", _("Tender failed (no bidder)")
    DEPRIORITIZED = "deprioritized", _("Pushed down the priorities")
    SITED_ELSEWHERE = "sited_elsewhere", _("Sited elsewhere")
    LEGISLATION_FAILED = "legislation_failed", _("Legislation failed")
    OTHER = "other", _("Other")


class PledgeType(models.TextChoices):
    PROJECT = "project", _("Project")
    LEGISLATION = "legislation", _("Legislation")
    BUDGET = "budget", _("Budget")
    OTHER = "other", _("Other")


class FeasibilityStudy(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    PENDING = "pending", _("Pending")
    EXEMPTED = "exempted", _("Exempted")
    IN_REVIEW = "in_review", _("In review")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class BudgetStage(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    PLANNED = "planned", _("Planned (total project cost)")
    REQUESTED = "requested", _("Requested")
    GOVERNMENT_PROPOSAL = "government_proposal", _("Government budget proposal")
    SECURED = "secured", _("Secured (appropriated)")
    ALLOCATED = "allocated", _("Allocated")
    EXECUTED = "executed", _("Executed (spent)")


class Funder(models.TextChoices):
    NATIONAL = "national", _("National (국비)")
    METROPOLITAN = "metropolitan", _("City/province (시비)")
    DISTRICT = "district", _("District (구비)")
    LOCAL = "local", _("Local, unspecified (지방비)")
    PRIVATE = "private", _("Private (민간)")
    OTHER = "other", _("Other")
    TOTAL = "total", _("Total")


FUNDER_PARTS = [f for f in Funder.values if f != Funder.TOTAL]


class ReviewState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class FigureState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")


class MatchMethod(models.TextChoices):
    AUTO = "auto", _("Automatic")
    MANUAL = "manual", _("Manual")


def _in_choices(field_name: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field_name}__in": choices.values})


# --- Who and where --------------------------------------------------------------------------


class Jurisdiction(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    aliases = models.JSONField(
        _("aliases"), default=list, blank=True, help_text=_("Other names, e.g. 광주시, 빛고을.")
    )
    exclusions = models.JSONField(
        _("exclusions"),
        default=list,
        blank=True,
        help_text=_("Names of other places the matcher must not confuse, e.g. 경기 광주시."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_en)


class PromiserKind(models.TextChoices):
    PERSON = "person", _("Person")
    OFFICE = "office", _("Office")


class Promiser(models.Model):
    Kind = PromiserKind

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    role = models.CharField(_("role"), max_length=100, blank=True)
    role_en = models.CharField(_("English role"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("promiser")
        verbose_name_plural = _("promisers")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", PromiserKind), name="promiser_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.name}".strip()

    @property
    def display_name(self) -> str:
        return " ".join(
            p
            for p in (_localized(self.role, self.role_en), _localized(self.name, self.name_en))
            if p
        )


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_en)


# --- Pledges --------------------------------------------------------------------------------


class Pledge(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("English summary"), blank=True)
    original_text = models.TextField(
        _("original text"), help_text=_("The pledge as first made, verbatim. Never overwritten.")
    )
    source_document = models.CharField(_("source document"), max_length=300, blank=True)
    source_page = models.CharField(_("source page"), max_length=50, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    promiser = models.ForeignKey(
        Promiser, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("promiser")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="pledges",
        verbose_name=_("jurisdiction"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("category"),
    )
    responsible_agency = models.CharField(_("responsible agency"), max_length=200, blank=True)
    national_agenda_refs = models.JSONField(
        _("national agenda numbers"), default=list, blank=True, help_text=_("국정과제 numbers.")
    )
    pledge_type = models.CharField(
        _("pledge type"), max_length=20, choices=PledgeType.choices, default=PledgeType.PROJECT
    )
    done_criteria = models.TextField(
        _("what counts as done"), blank=True, help_text=_("The outcome that makes it kept.")
    )
    feasibility_study = models.CharField(
        _("feasibility study (예타)"),
        max_length=20,
        choices=FeasibilityStudy.choices,
        default=FeasibilityStudy.PENDING,
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    made_on = models.DateField(_("made on"), null=True, blank=True)
    # Denormalized from the latest StatusChange; only review.record_status_change writes it.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_RATED, editable=False
    )
    status_since = models.DateField(_("status since"), null=True, blank=True, editable=False)
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    match_keywords = models.JSONField(
        _("matcher keywords"),
        default=list,
        blank=True,
        help_text=_("Distinctive names of this pledge; one is enough to suggest an article."),
    )
    match_aliases = models.JSONField(
        _("matcher aliases"),
        default=list,
        blank=True,
        help_text=_("Other wordings of the pledge, in Korean or English."),
    )
    match_exclusions = models.JSONField(
        _("matcher exclusions"),
        default=list,
        blank=True,
        help_text=_("Phrases that mean an article is about something else."),
    )
    match_config = models.JSONField(
        _("matcher settings"),
        default=dict,
        blank=True,
        help_text=_("Further matcher terms (context terms, weights); see the README."),
    )
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("status", Status), name="pledge_status_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("pledge_type", PledgeType), name="pledge_type_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("feasibility_study", FeasibilityStudy),
                name="pledge_feasibility_known",
            ),
            models.CheckConstraint(condition=~Q(original_text=""), name="pledge_original_text_set"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self._original_text_changed():
            raise ValidationError("The original text of a pledge is never overwritten.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("pledges:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        if self._original_text_changed():
            raise ValidationError(
                {"original_text": _("The original text is never changed; add a revision.")}
            )
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A pledge cannot be part of itself.")})

    def _original_text_changed(self) -> bool:
        if not self.pk:
            return False
        stored = Pledge.objects.filter(pk=self.pk).values_list("original_text", flat=True).first()
        return stored is not None and stored != self.original_text

    @property
    def display_title(self) -> str:
        return _localized(self.title, self.title_en)

    @property
    def display_summary(self) -> str:
        return _localized(self.summary, self.summary_en)

    @property
    def status_definition(self) -> StatusDefinition:
        return STATUS_DEFINITIONS[self.status]

    def current_text(self) -> str:
        """The pledge text in force: the latest formal revision, else the original."""
        latest = self.revisions.order_by("-decided_on", "-recorded_at").first()
        return latest.new_text if latest else self.original_text

    def latest_status_change(self) -> StatusChange | None:
        return self.status_changes.order_by("-effective_date", "-recorded_at", "-pk").first()

    def budget_summary(self) -> BudgetSummary:
        return BudgetSummary.from_figures(
            self.budget_figures.filter(state=FigureState.CONFIRMED).order_by("as_of", "pk")
        )


class RevisionKind(models.TextChoices):
    REWORDED = "reworded", _("Reworded")
    SCOPE_CHANGED = "scope_changed", _("Scope changed")
    TARGET_DATE_CHANGED = "target_date_changed", _("Target date changed")
    MERGED = "merged", _("Merged into another pledge")
    SPLIT = "split", _("Split")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    OTHER = "other", _("Other")


class PledgeRevision(models.Model):
    Kind = RevisionKind

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    old_text = models.TextField(_("old text"))
    new_text = models.TextField(_("new text"))
    decided_by = models.CharField(_("decided by"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-recorded_at"]
        verbose_name = _("pledge revision")
        verbose_name_plural = _("pledge revisions")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", RevisionKind), name="pledge_revision_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pledge} · {self.get_kind_display()} · {self.decided_on}"


class StatusChange(models.Model):
    """One rating decision. Append-only: a mistake is fixed by a new row marked as a correction."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    effective_date = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    rationale = models.TextField(_("rationale"))
    rationale_en = models.TextField(_("English rationale"), blank=True)
    evidence = models.ManyToManyField(
        "Evidence", blank=True, related_name="status_changes", verbose_name=_("evidence")
    )
    broken_reason = models.CharField(
        _("broken reason"), max_length=40, choices=BrokenReason.choices, blank=True
    )
    is_correction = models.BooleanField(_("correction"), default=False)
    correction_note = models.TextField(_("correction note"), blank=True)

    class Meta:
        ordering = ["-effective_date", "-recorded_at", "-pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("from_status", Status), name="status_change_from_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("to_status", Status), name="status_change_to_known"
            ),
            models.CheckConstraint(
                condition=~Q(to_status=Status.BROKEN) | ~Q(broken_reason=""),
                name="status_change_broken_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(broken_reason="") | Q(broken_reason__in=BrokenReason.values),
                name="status_change_broken_reason_known",
            ),
            models.CheckConstraint(
                condition=Q(is_correction=False) | ~Q(correction_note=""),
                name="status_change_correction_has_note",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="status_change_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.pledge}: {self.from_status} → {self.to_status} ({self.effective_date})"

    def save(self, *args, **kwargs):
        if self.pk and StatusChange.objects.filter(pk=self.pk).exists():
            raise ValidationError("Status changes are append-only; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Status changes are append-only; record a correction instead.")

    @property
    def display_rationale(self) -> str:
        return _localized(self.rationale, self.rationale_en)


class MilestoneKind(models.TextChoices):
    FEASIBILITY_STUDY = "feasibility_study", _("Preliminary feasibility study (예타)")
    CONTEST_SELECTION = "contest_selection", _("Selected in a public contest (공모 선정)")
    BUDGET = "budget", _("Budget reflected")
    LAW = "law", _("Law passed")
    DESIGN = "design", _("Design")
    GROUNDBREAKING = "groundbreaking", _("Groundbreaking (착공)")
    COMPLETION = "completion", _("Completion (준공)")
    OPENING = "opening", _("Opening (개소)")
    OTHER = "other", _("Other")


class Milestone(models.Model):
    Kind = MilestoneKind

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey(
        "Evidence", on_delete=models.SET_NULL, null=True, blank=True, related_name="milestones"
    )

    class Meta:
        ordering = ["planned_date", "actual_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", MilestoneKind), name="milestone_kind_known"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        return _localized(self.title, self.title_en)


class BudgetFigure(models.Model):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="budget_figures")
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
    source_text = models.CharField(_("as written"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    note_en = models.TextField(_("English note"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=FigureState.choices, default=FigureState.SUGGESTED
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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
        return f"{self.pledge} · {self.stage} · {self.funder} · {self.amount_krw:,}"

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

    @classmethod
    def from_figures(cls, figures) -> BudgetSummary:
        summary = cls()
        # Keep the latest figure per (stage, funder, fiscal year): later figures supersede.
        latest: dict[tuple[str, str, int | None], BudgetFigure] = {}
        for figure in figures:
            latest[(figure.stage, figure.funder, figure.fiscal_year)] = figure
        groups: dict[tuple[str, int | None], dict[str, int]] = defaultdict(dict)
        for (stage, funder, year), figure in latest.items():
            groups[(stage, year)][funder] = figure.amount_krw
        for (stage, year), amounts in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
        ):
            parts = {f: a for f, a in amounts.items() if f != Funder.TOTAL}
            parts_sum = sum(parts.values())
            stated_total = amounts.get(Funder.TOTAL)
            if stated_total is not None and parts and parts_sum != stated_total:
                summary.mismatches.append(FunderMismatch(stage, year, stated_total, parts_sum))
            group_total = stated_total if stated_total is not None else parts_sum
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
    def secured_ratio(self) -> float | None:
        """재정확보율: secured ÷ planned; None when either is unknown."""
        if not self.planned_krw or self.secured_krw is None:
            return None
        return self.secured_krw / self.planned_krw


# --- News -----------------------------------------------------------------------------------


class SourceKind(models.TextChoices):
    FEED = "feed", _("RSS/Atom feed")
    WEBSITE = "website", _("Website (single URLs)")
    PRINT = "print", _("Print pages")
    ARCHIVE = "archive", _("Bulk archive")


class Source(models.Model):
    Kind = SourceKind

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WEBSITE)
    homepage = models.URLField(_("homepage"), max_length=500, blank=True)
    feed_url = models.URLField(_("feed URL"), max_length=500, null=True, blank=True, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    poll_interval_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=30)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=_in_choices("kind", SourceKind), name="source_kind_known"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    outlet = models.CharField(_("outlet"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    # Null for articles without a URL (newspaper page text); unique otherwise.
    canonical_url = models.URLField(
        _("canonical URL"), max_length=1000, null=True, blank=True, unique=True
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    body = models.TextField(_("body as extracted"))
    normalized_body = models.TextField(_("normalized body"), blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, unique=True)
    # MinHash band keys of the normalized body (" 0:1a2b3c4d 1:… "): finds wire copies fast.
    language = models.CharField(_("language"), max_length=8, default="ko")
    byline = models.CharField(_("byline"), max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copy of"),
    )
    fetched_at = models.DateTimeField(_("fetched at"), auto_now_add=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.CheckConstraint(condition=~Q(content_hash=""), name="article_hash_set"),
        ]

    def __str__(self) -> str:
        return self.title or self.canonical_url or f"#{self.pk}"


class SimilarityKey(models.Model):
    """MinHash band keys of an article's text: an index to find wire copies without a scan."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="similarity_key_rows"
    )
    key = models.CharField(_("key"), max_length=16, db_index=True)

    class Meta:
        verbose_name = _("near-duplicate key")
        verbose_name_plural = _("near-duplicate keys")
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="similarity_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class Evidence(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="evidence")
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="evidence")
    state = models.CharField(
        _("state"), max_length=20, choices=ReviewState.choices, default=ReviewState.SUGGESTED
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    snippet = models.TextField(_("snippet"), blank=True)
    matched_terms = models.JSONField(_("matched terms"), default=list, blank=True)
    amounts = models.JSONField(_("amounts found"), default=list, blank=True)
    method = models.CharField(
        _("method"), max_length=10, choices=MatchMethod.choices, default=MatchMethod.AUTO
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reject_reason = models.TextField(_("reject reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "pledge"], name="evidence_article_pledge_unique"
            ),
            models.CheckConstraint(
                condition=_in_choices("state", ReviewState), name="evidence_state_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("method", MatchMethod), name="evidence_method_known"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1)),
                name="evidence_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(state=ReviewState.SUGGESTED) | Q(reviewed_at__isnull=False),
                name="evidence_reviewed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "pledge"])]

    def __str__(self) -> str:
        return f"{self.pledge} ← {self.article}"
