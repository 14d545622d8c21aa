from django.urls import path

from pledges.site import syndication, views

app_name = "pledges"

urlpatterns = [
    path("", views.home, name="home"),
    path("pledges/", views.pledge_list, name="list"),
    path("pledges/<slug:slug>/", views.pledge_detail, name="detail"),
    path("pledges/<slug:slug>/feed/", syndication.PledgeStatusChangesAtom(), name="pledge-feed"),
    path("statuses/", views.status_definitions, name="statuses"),
    path("methodology/", views.methodology, name="methodology"),
    path("corrections/", views.corrections, name="corrections"),
    path("feed/", syndication.StatusChangesAtom(), name="feed"),
]
