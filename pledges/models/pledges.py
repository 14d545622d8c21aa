"""Who promised what, where: promisers, regions, categories, pledges, and each pledge's
revisions, append-only status history and milestones."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pledges.korean.normalize import match_key
from pledges.models.fields import WonSumField
from pledges.models.indexes import PortableIndex
from pledges.models.vocabulary import (
    STATUS_DEFINITIONS,
    BrokenReason,
    FeasibilityStudy,
    PledgeType,
    Status,
    StatusDefinition,
    _in_choices,
    _localized,
)

# --- Who and where --------------------------------------------------------------------------


class Jurisdiction(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
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

    def names_shown(self) -> list[str]:
        """The slug and every name pages show it by, in either language: what a person may type
        to name it (filters, pledge-book imports)."""
        return [self.slug, self.name, self.name_en]


class PromiserKind(models.TextChoices):
    PERSON = "person", _("Person")
    OFFICE = "office", _("Office")


class Promiser(models.Model):
    Kind = PromiserKind

    slug = models.SlugField(_("slug"), unique=True)
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

    def names_shown(self) -> list[str]:
        """The slug and every name pages show it by, in either language, with or without its
        role ("대통령 이재명", "이재명 대통령", "President Lee Jae-myung"): what a person may type
        to name it (filters, pledge-book imports)."""
        return [
            self.slug,
            self.name,
            self.name_en,
            str(self),
            f"{self.name} {self.role}",
            f"{self.role_en} {self.name_en}".strip(),
        ]

    @property
    def display_name(self) -> str:
        return " ".join(
            p
            for p in (_localized(self.role, self.role_en), _localized(self.name, self.name_en))
            if p
        )


class Category(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
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

    def names_shown(self) -> list[str]:
        """The slug and every name pages show it by, in either language: what a person may type
        to name it (filters, pledge-book imports)."""
        return [self.slug, self.name, self.name_en]


# --- Pledges --------------------------------------------------------------------------------


def planned_krw_for_sort() -> Coalesce:
    """The list's budget order: a pledge's stored confirmed planned cost, none counting as 0
    (the partial index ``pledge_public_budget`` holds this expression, so a page of the list
    is read from it)."""
    return Coalesce("confirmed_planned_krw", Value(0, output_field=WonSumField()))


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
    # Learned from the editors' decisions on machine evidence (korean.calibrate.Calibrator as
    # JSON); empty until refitted. Written only by matching.refit_calibrator.
    match_calibrator = models.JSONField(
        _("matcher calibrator"), default=dict, blank=True, editable=False
    )
    reviews_since_refit = models.PositiveIntegerField(default=0, editable=False)
    is_published = models.BooleanField(_("published"), default=True)
    # What public search compares against, in the matcher's key form (no spaces, punctuation or
    # case; 인공지능 read as AI), so "인공지능", "AI" and "국가 AI컴퓨팅센터" find what the engine
    # finds. Written on every save from the titles, summaries, code and matcher names.
    search_key = models.TextField(_("search key"), blank=True, editable=False)
    # The money summary of the confirmed budget figures (``BudgetSummary.from_figures``), kept
    # by every write of a figure (``budget_totals.refresh_budget_totals``) so the front page,
    # the list's budget order and the shortfall filter read a column, not every figure. None:
    # no confirmed figure of that stage. "Lower bound": the total rests on a "more than" figure.
    confirmed_planned_krw = WonSumField(
        _("confirmed planned cost (KRW)"), null=True, editable=False
    )
    confirmed_secured_krw = WonSumField(
        _("confirmed secured money (KRW)"), null=True, editable=False
    )
    confirmed_executed_krw = WonSumField(
        _("confirmed spent money (KRW)"), null=True, editable=False
    )
    confirmed_planned_is_lower_bound = models.BooleanField(
        _("planned cost is a lower bound"), default=False, db_default=False, editable=False
    )
    confirmed_secured_is_lower_bound = models.BooleanField(
        _("secured money is a lower bound"), default=False, db_default=False, editable=False
    )
    confirmed_executed_is_lower_bound = models.BooleanField(
        _("spent money is a lower bound"), default=False, db_default=False, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [
            # The public list: published pledges by code, and its filters.
            models.Index(fields=["is_published", "code"], name="pledge_published_code"),
            models.Index(fields=["status", "code"], name="pledge_status_code"),
            models.Index(fields=["status_since"], name="pledge_status_since"),
            # Published pledges only (the public pages' every query): the list in its default
            # order and by title, read a page at a time from the index instead of sorting all;
            # counts per promiser and status (the scoreboards, the status tally) from the index
            # alone.
            PortableIndex(
                F("status_since").desc(nulls_last=True),
                "code",
                name="pledge_public_changed",
                condition=Q(is_published=True),
            ),
            models.Index(
                fields=["title", "code"], name="pledge_public_title", condition=Q(is_published=True)
            ),
            models.Index(
                fields=["promiser", "status", "id"],
                name="pledge_public_promiser_status",
                condition=Q(is_published=True),
            ),
            # The list by budget, largest confirmed planned cost first, a page at a time.
            models.Index(
                planned_krw_for_sort().desc(),
                "code",
                name="pledge_public_budget",
                condition=Q(is_published=True),
            ),
        ]
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
        self.search_key = self.compute_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_key"}
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

    def compute_search_key(self) -> str:
        names = [self.code, self.title, self.title_en, self.summary, self.summary_en]
        names += [str(n) for n in (self.match_aliases or []) if n]
        names += [str(n) for n in (self.match_keywords or []) if n]
        # "|" keeps one name from running into the next; match_key never yields it.
        return "|".join(match_key(n) for n in names if n)

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

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("pledge")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    old_text = models.TextField(_("old text"))
    new_text = models.TextField(_("new text"))
    decided_by = models.CharField(_("decided by"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

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

    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("pledge"),
    )
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
        indexes = [
            # The Atom feed of status changes: newest recorded first.
            models.Index(fields=["-recorded_at", "-id"], name="status_change_newest"),
        ]
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
        return (
            f"{self.pledge}: {self.get_from_status_display()} → {self.get_to_status_display()} "
            f"({self.effective_date})"
        )

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

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("pledge")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey(
        "Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("evidence"),
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
