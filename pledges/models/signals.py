"""Status signals: events a matched article reports (예타 면제, 착공, 입지 선정 …), stored as
suggestions that an editor accepts in one step or rejects. Nothing here is public: an accepted
signal becomes a StatusChange and/or a Milestone through the editor actions, and only those are
shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pledges.models.news import Evidence
from pledges.models.pledges import Milestone, MilestoneKind, Pledge, StatusChange
from pledges.models.vocabulary import BrokenReason, Status, _in_choices


class SignalKind(models.TextChoices):
    """The engine's ``korean.signals.SignalKind``, with labels for editors."""

    FEASIBILITY_EXEMPTED = "feasibility_exempted", _("Feasibility study exempted")
    FEASIBILITY_PASSED = "feasibility_passed", _("Feasibility study passed")
    FEASIBILITY_FAILED = "feasibility_failed", _("Feasibility study failed")
    BUDGET_REQUESTED = "budget_requested", _("Budget requested")
    BUDGET_PROPOSED = "budget_proposed", _("In the government's budget proposal")
    BUDGET_SECURED = "budget_secured", _("Budget secured")
    PLAN_ADOPTED = "plan_adopted", _("Plan adopted")
    STUDY_STARTED = "study_started", _("Study or design started")
    CONSTRUCTION_STARTED = "construction_started", _("Construction started")
    COMPLETED_OPENED = "completed_opened", _("Completed or opened")
    SITE_SELECTED = "site_selected", _("Site selected")
    SITED_ELSEWHERE = "sited_elsewhere", _("Sited elsewhere")
    SELECTED_IN_CONTEST = "selected_in_contest", _("Selected in a public contest")
    TENDER_FAILED = "tender_failed", _("Tender failed")
    CANCELLED = "cancelled", _("Cancelled")
    ON_HOLD = "on_hold", _("On hold")
    DELAYED = "delayed", _("Delayed")


class SignalState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class SignalSuggestion(models.Model):
    """One event sentence of an article matched to a pledge, and what it argues for."""

    Kind = SignalKind
    State = SignalState

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="signals", verbose_name=_("pledge")
    )
    # The article's link to this pledge: withdrawn suggestions take their signals with them.
    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, related_name="signals", verbose_name=_("evidence")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SignalKind.choices)
    sentence = models.TextField(_("sentence"))
    source = models.CharField(_("found in"), max_length=10, default="text")  # text | title
    start = models.PositiveIntegerField(_("position"))
    trigger = models.CharField(_("trigger words"), max_length=100, blank=True)
    date = models.DateField(_("event date"), null=True, blank=True)
    date_text = models.CharField(_("date as written"), max_length=50, blank=True)
    happened = models.BooleanField(_("happened"))
    negated = models.BooleanField(_("negated"), default=False)
    suggested_status = models.CharField(
        _("suggested status"), max_length=20, choices=Status.choices, blank=True
    )
    milestone_kind = models.CharField(
        _("milestone"), max_length=30, choices=MilestoneKind.choices, blank=True
    )
    broken_reason = models.CharField(
        _("broken reason"), max_length=40, choices=BrokenReason.choices, blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=SignalState.choices, default=SignalState.SUGGESTED
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
    status_change = models.ForeignKey(
        StatusChange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status change recorded"),
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("milestone updated"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "start"]
        verbose_name = _("status signal")
        verbose_name_plural = _("status signals")
        constraints = [
            # Re-matching an article finds the same signal again: one row per place and kind.
            models.UniqueConstraint(
                fields=["evidence", "kind", "source", "start"], name="signal_once_per_sentence"
            ),
            models.CheckConstraint(
                condition=_in_choices("kind", SignalKind), name="signal_kind_known"
            ),
            models.CheckConstraint(
                condition=_in_choices("state", SignalState), name="signal_state_known"
            ),
            models.CheckConstraint(
                condition=Q(suggested_status="") | Q(suggested_status__in=Status.values),
                name="signal_status_known",
            ),
            models.CheckConstraint(
                condition=Q(milestone_kind="") | Q(milestone_kind__in=MilestoneKind.values),
                name="signal_milestone_known",
            ),
            models.CheckConstraint(
                condition=Q(state=SignalState.SUGGESTED) | Q(reviewed_at__isnull=False),
                name="signal_reviewed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "pledge"])]

    def __str__(self) -> str:
        return f"{self.pledge} · {self.get_kind_display()}"
