"""The fixed vocabularies with their public definitions: statuses, stages, funders, review
states. Shown the same everywhere (pages, exports, admin)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
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
    # An amount an editor turned down in the desk: kept (with the reason) so the same amount
    # of the same article is not offered again.
    REJECTED = "rejected", _("Rejected")


class MatchMethod(models.TextChoices):
    AUTO = "auto", _("Automatic")
    MANUAL = "manual", _("Manual")


def _in_choices(field_name: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field_name}__in": choices.values})
