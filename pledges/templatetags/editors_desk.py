"""Template tags of the editors' desk (the admin): what waits for an editor, by kind."""

from __future__ import annotations

from django import template

from pledges import review_desk

register = template.Library()


@register.simple_tag
def pending_review_counts() -> dict[str, int]:
    """Evidence, status signals, milestone signals and budget amounts waiting, with the total."""
    counts = review_desk.pending_counts()
    return {**counts, "total": sum(counts.values())}


@register.simple_tag
def pending_review_count() -> int:
    return sum(review_desk.pending_counts().values())
