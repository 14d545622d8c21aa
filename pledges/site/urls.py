from django.urls import path

from pledges.site import syndication, views
from pledges.site.cache import public_page

app_name = "pledges"

# Every public page and feed is the same for every reader: cached until an editor publishes.
urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("pledges/", public_page(views.pledge_list), name="list"),
    path("pledges/<slug:slug>/", public_page(views.pledge_detail), name="detail"),
    path(
        "pledges/<slug:slug>/evidence/",
        public_page(views.pledge_evidence),
        name="evidence",
    ),
    path(
        "pledges/<slug:slug>/feed/",
        public_page(syndication.PledgeStatusChangesAtom()),
        name="pledge-feed",
    ),
    path("statuses/", public_page(views.status_definitions), name="statuses"),
    path("methodology/", public_page(views.methodology), name="methodology"),
    path("corrections/", public_page(views.corrections), name="corrections"),
    path("feed/", public_page(syndication.StatusChangesAtom()), name="feed"),
    # Touches nothing (no database, no cache): the yardstick of make bench-web.
    path("ping/", views.ping, name="ping"),
]
