"""The editors' desk (Django admin), by job. Thin: every write goes through review.py or the
ingestion pipeline; the rules live there, not here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pledges.admin import evidence, pledges, signals, sources  # noqa: F401  (registers them)

admin.site.site_header = _("Pledge Tracker · editors' desk")
admin.site.site_title = _("Pledge Tracker editors' desk")
admin.site.index_title = _("The editors' desk")
