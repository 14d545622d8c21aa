"""The matcher's bookkeeping: the pledge book's version, and re-match runs editors can follow.

Every worker process keeps the pledge book compiled (terms → keys, one automaton over all of
them) and asks, before each article, for the book's version: one primary-key read. Any save or
delete of a pledge or a jurisdiction (whose names and look-alikes are the pledges' region
terms) moves the version, so workers rebuild at their next article without a restart. The
``token`` changes with every move: a rolled-back transaction can bring the counter back to a
number already seen, never a token. Bulk writes (``QuerySet.update``, ``bulk_create``) send no
signal: whoever makes them calls ``pledge_book_changed()``.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models.pledges import Jurisdiction, Pledge, PledgeRevision

BOOK_ROW = 1


class PledgeBookVersion(models.Model):
    """One row: how many times the pledge book changed, and a token that is new each time."""

    version = models.PositiveBigIntegerField(_("version"), default=0)
    token = models.UUIDField(_("token"), default=uuid.uuid4)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("pledge book version")
        verbose_name_plural = _("pledge book versions")

    def __str__(self) -> str:
        return f"v{self.version}"


def pledge_book_changed() -> None:
    """Move the pledge book's version (an atomic increment; the row is created if missing)."""
    moved = PledgeBookVersion.objects.filter(pk=BOOK_ROW).update(
        version=F("version") + 1, token=uuid.uuid4(), changed_at=timezone.now()
    )
    if not moved:
        try:
            with transaction.atomic():
                PledgeBookVersion.objects.create(pk=BOOK_ROW, version=1)
        except IntegrityError:  # created by another process meanwhile
            pledge_book_changed()


def pledge_book_token() -> str:
    """The current book's token ("" before the first change)."""
    token = PledgeBookVersion.objects.filter(pk=BOOK_ROW).values_list("token", flat=True).first()
    return str(token) if token else ""


@receiver(post_save, sender=Pledge, dispatch_uid="pledge_book_pledge_saved")
@receiver(post_delete, sender=Pledge, dispatch_uid="pledge_book_pledge_deleted")
@receiver(post_save, sender=Jurisdiction, dispatch_uid="pledge_book_jurisdiction_saved")
@receiver(post_delete, sender=Jurisdiction, dispatch_uid="pledge_book_jurisdiction_deleted")
# A revision's new wording is one of the pledge's names (matching.pledge_spec).
@receiver(post_save, sender=PledgeRevision, dispatch_uid="pledge_book_revision_saved")
@receiver(post_delete, sender=PledgeRevision, dispatch_uid="pledge_book_revision_deleted")
def _pledge_book_edited(**kwargs) -> None:
    if kwargs.get("raw"):  # loading fixtures: the loader moves the version once at the end
        return
    pledge_book_changed()


class RematchState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")


class RematchRun(models.Model):
    """One re-match after an editor changed a pledge's terms: which terms were looked for, and
    how far the batches on the match queue have come (shown in the admin)."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="rematch_runs", verbose_name=_("pledge")
    )
    terms = models.JSONField(_("terms looked for"), default=list, blank=True)
    since = models.DateTimeField(_("articles since"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=RematchState.choices, default=RematchState.QUEUED
    )
    batches_total = models.PositiveIntegerField(_("batches"), default=0)
    batches_done = models.PositiveIntegerField(_("batches done"), default=0)
    articles_scanned = models.PositiveIntegerField(_("articles scanned"), default=0)
    articles_matched = models.PositiveIntegerField(_("articles matched again"), default=0)
    suggestions = models.PositiveIntegerField(_("suggestions standing"), default=0)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("re-match run")
        verbose_name_plural = _("re-match runs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(batches_done__lte=models.F("batches_total")),
                name="rematch_batches_done_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pledge} · {self.batches_done}/{self.batches_total}"

    @property
    def percent_done(self) -> int:
        if self.state == RematchState.DONE:
            return 100
        return int(100 * self.batches_done / self.batches_total) if self.batches_total else 0


class RematchBatch(models.Model):
    """A range of article ids of one run; marked done once, so a re-delivered batch counts once."""

    run = models.ForeignKey(RematchRun, on_delete=models.CASCADE, related_name="batches")
    first_pk = models.BigIntegerField()
    last_pk = models.BigIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "first_pk"], name="rematch_batch_unique")
        ]

    def __str__(self) -> str:
        return f"{self.first_pk}–{self.last_pk}"
