"""Outgoing Atom syndication, so citizens can follow rating changes, site-wide or per pledge.

("Syndication" here, so it is never confused with the incoming feed sources of pledges/ingest.)
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from pledges import selectors
from pledges.models import Pledge, StatusChange


class StatusChangesAtom(Feed):
    feed_type = Atom1Feed
    title = _("Pledge Tracker: status changes")
    subtitle = _("Every rating change of a tracked pledge, with its rationale.")

    def link(self):
        return reverse("pledges:list")

    def items(self):
        return selectors.public_status_changes()[:50]

    def item_title(self, item: StatusChange) -> str:
        return f"{item.pledge.display_title}: {item.get_to_status_display()}"

    def item_description(self, item: StatusChange) -> str:
        return item.display_rationale

    def item_link(self, item: StatusChange) -> str:
        return f"{item.pledge.get_absolute_url()}#status-change-{item.pk}"

    def item_pubdate(self, item: StatusChange):
        return item.recorded_at

    def item_updateddate(self, item: StatusChange):
        return item.recorded_at


class PledgeStatusChangesAtom(StatusChangesAtom):
    def get_object(self, request, slug: str) -> Pledge:
        return get_object_or_404(selectors.published_pledge(slug))

    def title(self, obj: Pledge) -> str:
        return str(_("Pledge Tracker: %(title)s") % {"title": obj.display_title})

    def link(self, obj: Pledge) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Pledge):
        return selectors.public_status_changes(obj)[:50]
