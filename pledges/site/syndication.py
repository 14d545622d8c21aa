"""Outgoing Atom syndication, so citizens can follow a pledge's rating and its news, site-wide
or per pledge: status changes and newly confirmed evidence, newest first, as one stream.

("Syndication" here, so it is never confused with the incoming feed sources of pledges/ingest.)
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from pledges import selectors
from pledges.models import Evidence, Pledge, StatusChange

# Entries of each kind read; the newest of both together are published.
ENTRIES = 50


def _when(item: StatusChange | Evidence):
    return item.recorded_at if isinstance(item, StatusChange) else item.reviewed_at


def newest_entries(changes, evidence) -> list[StatusChange | Evidence]:
    """Status changes and confirmed evidence merged, newest first, at most ENTRIES."""
    merged = sorted([*changes, *evidence], key=_when, reverse=True)
    return merged[:ENTRIES]


class StatusChangesAtom(Feed):
    feed_type = Atom1Feed
    title = _("Pledge Tracker: status changes and new evidence")
    subtitle = _(
        "Every rating change of a tracked pledge, with its rationale, and every news article "
        "an editor confirmed as evidence."
    )

    def link(self):
        return reverse("pledges:list")

    def items(self):
        return newest_entries(
            selectors.public_status_changes()[:ENTRIES],
            selectors.newly_confirmed_evidence(ENTRIES),
        )

    def item_title(self, item: StatusChange | Evidence) -> str:
        if isinstance(item, Evidence):
            return str(
                _("%(pledge)s: new evidence, %(article)s")
                % {"pledge": item.pledge.display_title, "article": item.article.title}
            )
        return f"{item.pledge.display_title}: {item.get_to_status_display()}"

    def item_description(self, item: StatusChange | Evidence) -> str:
        if isinstance(item, Evidence):
            return f"{item.article.outlet}: {item.snippet}" if item.snippet else item.article.outlet
        return item.display_rationale

    def item_link(self, item: StatusChange | Evidence) -> str:
        anchor = "evidence" if isinstance(item, Evidence) else "status-change"
        return f"{item.pledge.get_absolute_url()}#{anchor}-{item.pk}"

    def item_pubdate(self, item: StatusChange | Evidence):
        return _when(item)

    def item_updateddate(self, item: StatusChange | Evidence):
        return _when(item)


class PledgeStatusChangesAtom(StatusChangesAtom):
    def get_object(self, request, slug: str) -> Pledge:
        return get_object_or_404(selectors.published_pledge(slug))

    def title(self, obj: Pledge) -> str:
        return str(_("Pledge Tracker: %(title)s") % {"title": obj.display_title})

    def link(self, obj: Pledge) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Pledge):
        return newest_entries(
            selectors.public_status_changes(obj)[:ENTRIES],
            selectors.newly_confirmed_evidence(ENTRIES, pledge=obj),
        )
