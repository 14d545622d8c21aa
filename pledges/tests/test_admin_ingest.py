"""The editors' "Submit an article URL" page and "Poll selected feeds now" action."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from pledges.admin.sources import SubmitArticleURLMixin
from pledges.models import Article, Source
from pledges.tests.http_fixture import LocalServer, Response, html_page, rss_feed
from pledges.tests.ingest_samples import AI_CENTER

pytestmark = pytest.mark.django_db


class SourceAdminWithSubmit(SubmitArticleURLMixin, admin.ModelAdmin):
    pass


@pytest.fixture
def model_admin():
    return SourceAdminWithSubmit(Source, admin.site)


def _request(method, user, data=None):
    factory = RequestFactory()
    request = (
        factory.post("/admin/pledges/source/submit-url/", data)
        if method == "post"
        else (factory.get("/admin/pledges/source/submit-url/"))
    )
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_submit_page_renders_for_editors(model_admin, editor):
    response = model_admin.submit_url_view(_request("get", editor))
    response.render()
    assert response.status_code == 200
    assert 'name="url"' in response.content.decode()


def test_submitted_url_is_stored(model_admin, editor, settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    page = Response(
        html_page("광주 국가AI컴퓨팅센터", AI_CENTER), headers={"Content-Type": "text/html"}
    )
    with LocalServer({"/1": page}) as server:
        request = _request("post", editor, {"url": server.url("/1")})
        response = model_admin.submit_url_view(request)
    assert response.status_code == 302
    assert Article.objects.filter(canonical_url=server.url("/1")).exists()
    assert "저장됨" in " ".join(str(m) for m in get_messages(request))  # Korean admin


def test_failed_url_is_reported(model_admin, editor, settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    with LocalServer({"/gone": Response(b"", 404)}) as server:
        request = _request("post", editor, {"url": server.url("/gone")})
        model_admin.submit_url_view(request)
    assert "HTTP 404" in " ".join(str(m) for m in get_messages(request))
    assert not Article.objects.exists()


def test_non_http_url_is_refused_by_the_form(model_admin, editor):
    response = model_admin.submit_url_view(_request("post", editor, {"url": "ftp://e.kr/a"}))
    response.render()
    assert response.status_code == 200
    assert not Article.objects.exists()


def test_poll_feeds_now_action(model_admin, editor, settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    with LocalServer({"/feed": Response(rss_feed("가일보", []))}) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        request = _request("post", editor)
        model_admin.poll_feeds_now(request, Source.objects.all())
    source.refresh_from_db()
    assert source.last_success_at is not None
    assert server.page_hits == ["/feed"]
