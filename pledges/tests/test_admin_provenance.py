"""Provenance is always right: tagging by hand from an article or from a pledge makes manual,
confirmed evidence with the editor's snippet, and no admin page or action writes evidence,
status history or budget figures around the editor actions."""

from __future__ import annotations

import inspect
import sys

import pytest
from django.contrib import admin as django_admin
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.urls import reverse

from pledges import selectors
from pledges.models import BudgetFigure, Evidence, MatchMethod, Pledge, ReviewState, StatusChange
from pledges.tests.admin_forms import change_form_data, inline_prefix
from pledges.tests.factories import ArticleFactory, EvidenceFactory
from pledges.tests.http_fixture import LocalServer, Response, html_page

pytestmark = pytest.mark.django_db


def _tag_from_article(desk, article, pledge, snippet):
    url = reverse("admin:pledges_article_change", args=[article.pk])
    page = desk.get(url)
    data = change_form_data(page)
    prefix = inline_prefix(page, "공약에 직접 연결하기")
    data[f"{prefix}-TOTAL_FORMS"] = "1"
    data[f"{prefix}-0-pledge"] = str(pledge.pk)
    data[f"{prefix}-0-snippet"] = snippet
    data[f"{prefix}-0-article"] = str(article.pk)
    data["_continue"] = "1"
    return desk.post(url, data)


def test_tagging_from_an_article_is_manual_confirmed_with_the_snippet(desk, desk_editor, demo_data):
    article = ArticleFactory(title="빛그린산단 실증센터 문 열어")
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    response = _tag_from_article(desk, article, pledge, "빛그린산단에 실증센터가 문을 열었다.")
    assert response.status_code == 302, response.content.decode()[:3000]
    evidence = Evidence.objects.get(article=article, pledge=pledge)
    assert (evidence.state, evidence.method, evidence.reviewer) == (
        ReviewState.CONFIRMED,
        MatchMethod.MANUAL,
        desk_editor,
    )
    assert evidence.snippet == "빛그린산단에 실증센터가 문을 열었다."
    assert evidence in list(selectors.confirmed_evidence(pledge))  # public, as manual


def test_tagging_a_pair_the_matcher_suggested_turns_it_manual_instead_of_refusing(
    desk, desk_editor, demo_data
):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    suggestion = EvidenceFactory(pledge=pledge, snippet="기계가 고른 문장")
    # From the article page ...
    response = _tag_from_article(desk, suggestion.article, pledge, "편집자가 고른 문장")
    assert response.status_code == 302, response.content.decode()[:3000]
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.method, suggestion.snippet) == (
        ReviewState.CONFIRMED,
        MatchMethod.MANUAL,
        "편집자가 고른 문장",
    )
    # ... and by "근거 기사 추가" (add evidence), which does not refuse the pair as a duplicate.
    other = EvidenceFactory(pledge=pledge)
    response = desk.post(
        reverse("admin:pledges_evidence_add"),
        {"article": other.article.pk, "pledge": pledge.pk, "snippet": "직접 고른 문장"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    other.refresh_from_db()
    assert (other.state, other.method, other.snippet, other.reviewer) == (
        ReviewState.CONFIRMED,
        MatchMethod.MANUAL,
        "직접 고른 문장",
        desk_editor,
    )
    assert Evidence.objects.filter(article=other.article, pledge=pledge).count() == 1


def test_from_a_pledge_an_article_is_added_by_url_ingested_then_attached(
    desk, desk_editor, demo_data, settings
):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    page = Response(
        html_page(
            "미래차 국가산단 실증도로 개통", ["광주 빛그린산단에 자율주행 실증도로가 개통했다."]
        ),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    with LocalServer({"/a/1": page, "/gone": Response(b"", 404)}) as server:
        add = reverse("admin:pledges_pledge_add_article", args=[pledge.pk])
        before = Evidence.objects.count()
        failed = desk.post(add, {"url": server.url("/gone"), "snippet": "없는 기사"})
        assert failed.status_code == 200 and "HTTP 404" in failed.content.decode()
        assert Evidence.objects.count() == before  # nothing written

        response = desk.post(
            add, {"url": server.url("/a/1"), "snippet": "자율주행 실증도로가 개통했다."}
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        again = desk.post(
            add, {"url": server.url("/a/1"), "snippet": "자율주행 실증도로가 개통했다."}
        )
        assert again.status_code == 302
    evidence = Evidence.objects.get(pledge=pledge, article__canonical_url=server.url("/a/1"))
    assert (evidence.state, evidence.method, evidence.reviewer, evidence.snippet) == (
        ReviewState.CONFIRMED,
        MatchMethod.MANUAL,
        desk_editor,
        "자율주행 실증도로가 개통했다.",
    )
    assert server.hits.count("/a/1") == 1  # stored once; a known URL is not fetched again
    assert Evidence.objects.filter(article=evidence.article, pledge=pledge).count() == 1


# --- No admin path writes around the editor actions --------------------------------------------

ALLOWED_WRITERS = ("pledges.review", "pledges.matching", "pledges.ingest")


class WriteWatch:
    """Every save or delete of Evidence, StatusChange or BudgetFigure (and the status change's
    evidence links) must come from inside an editor action or the machine's pipeline."""

    def __init__(self):
        self.outside: list[str] = []

    def __call__(self, sender, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.startswith(ALLOWED_WRITERS):
                return
            frame = frame.f_back
        self.outside.append(f"{sender.__name__} {kwargs.get('signal_name', '')}".strip())

    def connect(self):
        for model in (Evidence, StatusChange, BudgetFigure):
            pre_save.connect(self, sender=model, weak=False)
            pre_delete.connect(self, sender=model, weak=False)
        m2m_changed.connect(self, sender=StatusChange.evidence.through, weak=False)

    def disconnect(self):
        for model in (Evidence, StatusChange, BudgetFigure):
            pre_save.disconnect(self, sender=model)
            pre_delete.disconnect(self, sender=model)
        m2m_changed.disconnect(self, sender=StatusChange.evidence.through)


def _table_state():
    return (
        list(Evidence.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values()),
        list(StatusChange.evidence.through.objects.order_by("pk").values()),
        list(BudgetFigure.objects.order_by("pk").values()),
    )


def test_no_admin_page_inline_or_action_writes_around_the_editor_actions(
    desk, desk_editor, demo_data, monkeypatch
):
    from pledges import review

    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    EvidenceFactory(
        pledge=pledge,
        amounts=[
            {"krw": 30_000_000_000, "funder": "national", "stage": "secured", "text": "300억원"}
        ],
    )
    calls: list[str] = []
    for name in dir(review):
        function = getattr(review, name)
        if (
            inspect.isfunction(function)
            and not name.startswith("_")
            and function.__module__ == "pledges.review"
        ):

            def counted(*args, _function=function, _name=name, **kwargs):
                calls.append(_name)
                return _function(*args, **kwargs)

            monkeypatch.setattr(review, name, counted)

    watch = WriteWatch()
    watch.connect()
    walked = []
    try:
        for model, model_admin in django_admin.site._registry.items():
            if model._meta.app_label != "pledges":
                continue
            opts = model._meta
            base = f"admin:{opts.app_label}_{opts.model_name}"
            for obj in list(model.objects.order_by("pk")[:2]):
                change_url = reverse(f"{base}_change", args=[obj.pk])
                page = desk.get(change_url)
                if page.status_code != 200 or "adminform" not in (page.context or {}):
                    continue
                before, calls_before = _table_state(), len(calls)
                data = change_form_data(page)
                data["_continue"] = "1"
                desk.post(change_url, data)
                walked.append(f"{opts.model_name} change form and inlines")
                if _table_state() != before:
                    assert len(calls) > calls_before, f"{opts.model_name}: written outside review"
            request = desk.get(reverse(f"{base}_changelist"), follow=True).wsgi_request
            for action in model_admin.get_actions(request):
                pks = [str(pk) for pk in model.objects.values_list("pk", flat=True)]
                if not pks:
                    continue
                post = {"action": action, "_selected_action": pks, "index": 0}
                before, calls_before = _table_state(), len(calls)
                response = desk.post(reverse(f"{base}_changelist"), post)
                if response.status_code == 200:  # an intermediate page: answer it
                    desk.post(
                        reverse(f"{base}_changelist"),
                        {**post, "apply": "1", "post": "yes", "reason_choice": "not_about"},
                    )
                walked.append(f"{opts.model_name}: {action}")
                if _table_state() != before:
                    assert len(calls) > calls_before, f"{action}: written outside review"
    finally:
        watch.disconnect()
    assert watch.outside == []
    # The walk really went through the pages and actions that could write these tables.
    for expected in (
        "evidence: confirm_selected",
        "evidence: reject_selected",
        "evidence: suggest_budget_figures",
        "budgetfigure: confirm_figures",
        "budgetfigure: discard_figures",
        "article change form and inlines",
        "pledge change form and inlines",
    ):
        assert expected in walked
    assert {"confirm_evidence", "reject_evidence", "suggest_budget_figures"} <= set(calls)
