"""Editors work in the admin: every model has pages; review and rating go through services."""

import pytest
from django.apps import apps
from django.urls import reverse

from pledges import selectors
from pledges.models import Evidence, Pledge, ReviewState, Status, StatusChange
from pledges.tests.factories import ArticleFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.parametrize("model", list(apps.get_app_config("pledges").get_models()))
def test_every_model_has_admin_pages(editor_client, demo_data, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert editor_client.get(changelist, follow=True).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert editor_client.get(change).status_code == 200


def test_review_queue_confirms_in_bulk(editor_client, editor, demo_data):
    suggestions = [EvidenceFactory(pledge=Pledge.objects.get(slug="ai-mobility-pilot-city"))]
    response = editor_client.post(
        reverse("admin:pledges_evidence_changelist"),
        {"action": "confirm_selected", "_selected_action": [e.pk for e in suggestions]},
        follow=True,
    )
    assert response.status_code == 200
    evidence = Evidence.objects.get(pk=suggestions[0].pk)
    assert evidence.state == ReviewState.CONFIRMED
    assert evidence.reviewer == editor


def test_editor_tags_an_article_by_hand(editor_client, editor, demo_data):
    article = ArticleFactory()
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    response = editor_client.post(
        reverse("admin:pledges_evidence_add"),
        {
            "article": article.pk,
            "pledge": pledge.pk,
            "state": "suggested",
            "snippet": "빛그린 국가산단 실증 인프라",
            "matched_terms": "[]",
            "amounts": "[]",
            "method": "auto",
            "reject_reason": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    evidence = Evidence.objects.get(article=article, pledge=pledge)
    assert (evidence.state, evidence.method, evidence.reviewer) == ("confirmed", "manual", editor)


def test_editor_changes_a_status_with_evidence(editor_client, editor, demo_data):
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    evidence = Evidence.objects.get(pledge=pledge, article=demo_data.article)
    response = editor_client.post(
        reverse("admin:pledges_statuschange_add"),
        {
            "pledge": pledge.pk,
            "to_status": Status.IN_PROGRESS,
            "effective_date": "2025-08-20",
            "rationale": "예비타당성조사 면제 확정",
            "rationale_en": "",
            "evidence": [evidence.pk],
            "broken_reason": "",
            "correction_note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
    change = pledge.latest_status_change()
    assert change.recorded_by == editor
    assert change.from_status == Status.STALLED
    assert list(change.evidence.all()) == [evidence]


def test_status_history_cannot_be_edited_or_deleted_in_admin(editor_client, demo_data):
    change = StatusChange.objects.first()
    url = reverse("admin:pledges_statuschange_delete", args=[change.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert StatusChange.objects.filter(pk=change.pk).exists()


def test_original_text_is_read_only_in_admin(editor_client, demo_data):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    html = editor_client.get(reverse("admin:pledges_pledge_change", args=[pledge.pk])).content
    assert b'name="original_text"' not in html


def test_evidence_list_opens_as_the_review_queue_best_first(editor_client, demo_data):
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    low = EvidenceFactory(pledge=pledge, score=0.55)
    high = EvidenceFactory(pledge=pledge, score=0.95)
    response = editor_client.get(reverse("admin:pledges_evidence_changelist"), follow=True)
    assert response.redirect_chain[-1][0].endswith("?waiting=yes")
    shown = list(response.context["cl"].result_list)
    assert shown == [high, low]  # confirmed seed evidence is not in the queue


def test_editor_turns_found_amounts_into_budget_figures_then_confirms(editor_client, demo_data):
    from pledges.models import BudgetFigure, FigureState

    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    evidence = EvidenceFactory(
        pledge=pledge,
        amounts=[
            {
                "text": "300억원",
                "krw": 30_000_000_000,
                "funder": "national",
                "stage": "secured",
                "sentence": "국비 300억원을 확보했다.",
            }
        ],
    )
    editor_client.post(
        reverse("admin:pledges_evidence_changelist") + "?state__exact=suggested",
        {"action": "suggest_budget_figures", "_selected_action": [evidence.pk]},
    )
    figure = BudgetFigure.objects.get(pledge=pledge, amount_krw=30_000_000_000)
    assert figure.state == FigureState.SUGGESTED
    editor_client.post(
        reverse("admin:pledges_evidence_changelist") + "?state__exact=suggested",
        {"action": "confirm_selected", "_selected_action": [evidence.pk]},
    )
    editor_client.post(
        reverse("admin:pledges_budgetfigure_changelist"),
        {"action": "confirm_figures", "_selected_action": [figure.pk]},
    )
    figure.refresh_from_db()
    assert figure.state == FigureState.CONFIRMED
    assert selectors.budget_summary(pledge).secured_krw == 30_000_000_000


def test_changing_matcher_terms_in_admin_rematches_recent_articles(
    rf, editor, demo_data, django_capture_on_commit_callbacks
):
    from types import SimpleNamespace

    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    text = "광주시가 빛고을 시험밸리 조성 공사를 시작했다. 시험밸리는 내년 문을 연다."
    article = ArticleFactory(title="빛고을 시험밸리 착공", body=text, normalized_body=text)
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    assert not Evidence.objects.filter(article=article, pledge=pledge).exists()

    pledge.match_aliases = [*pledge.match_aliases, "빛고을 시험밸리"]
    request = rf.post("/")
    request.user, request.session = editor, {}
    request._messages = FallbackStorage(request)
    model_admin = django_admin.site._registry[Pledge]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        model_admin.save_model(
            request, pledge, SimpleNamespace(changed_data=["match_aliases"]), True
        )
    assert len(callbacks) == 1  # queued after commit, so the worker sees the new terms
    evidence = Evidence.objects.get(article=article, pledge=pledge)
    assert evidence.state == ReviewState.SUGGESTED
