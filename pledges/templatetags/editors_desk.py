"""Template tags of the editors' desk (the admin): the pending review count."""

from __future__ import annotations

from django import template

from pledges import selectors

register = template.Library()


@register.simple_tag
def pending_review_count() -> int:
    return selectors.pending_review_count()
