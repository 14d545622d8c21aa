"""The admin index's warning about sources whose recent failure rate is high."""

from __future__ import annotations

from django import template
from django.conf import settings

from pledges.ingest.failures import sources_failing_often

register = template.Library()


@register.inclusion_tag("admin/pledges/failing_sources.html")
def failing_sources_warning() -> dict:
    return {
        "failing": sources_failing_often(),
        "window_hours": settings.INGEST_FAILURE_WINDOW_HOURS,
    }
