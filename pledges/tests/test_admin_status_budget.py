"""The status change form and the budget figures queue in the editors' desk."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledges import selectors
from pledges.models import BudgetFigure, Evidence, FigureState, Pledge, Status, StatusChange
from pledges.people import create_editor
from pledges.tests.factories import ConfirmedEvidenceFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, db):
    user = create_editor(username="minji", email="m@example.org", password="pw-minji-1").user
    client.force_login(user)
    client.user = user
    return client


def _status_form(pledge, **changes):
    return {
        "pledge": pledge.pk,
        "to_status": Status.IN_PROGRESS,
        "effective_date": "2026-02-01",
        "rationale": "예타 면제 확정",
        "rationale_en": "",
        "evidence": [],
        "broken_reason": "",
        "correction_note": "",
        **changes,
    }


def test_a_status_change_needs_confirmed_evidence_of_this_pledge(desk, demo_data):
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    before = StatusChange.objects.count()
    url = reverse("admin:pledges_statuschange_add")
    no_evidence = desk.post(url, _status_form(pledge))
    assert "evidence" in no_evidence.context["adminform"].form.errors
    suggestion = EvidenceFactory(pledge=pledge)
    suggested = desk.post(url, _status_form(pledge, evidence=[suggestion.pk]))
    # A suggestion is not even offered: only confirmed evidence is a valid choice.
    assert "evidence" in suggested.context["adminform"].form.errors
    other = ConfirmedEvidenceFactory()
    foreign = desk.post(url, _status_form(pledge, evidence=[other.pk]))
    assert "다른 공약의 근거 기사" in foreign.content.decode()
    assert StatusChange.objects.count() == before

    evidence = Evidence.objects.get(pledge=pledge, article=demo_data.article)
    done = desk.post(url, _status_form(pledge, evidence=[evidence.pk]))
    assert done.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
    assert pledge.latest_status_change().recorded_by == desk.user


def test_broken_needs_a_reason_and_a_correction_needs_a_note(desk, demo_data):
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    evidence = Evidence.objects.get(pledge=pledge, article=demo_data.article)
    url = reverse("admin:pledges_statuschange_add")
    broken = desk.post(url, _status_form(pledge, to_status=Status.BROKEN, evidence=[evidence.pk]))
    assert "공약이 파기된 사유를 고르세요." in broken.content.decode()
    correction = desk.post(url, _status_form(pledge, evidence=[evidence.pk], is_correction="on"))
    assert "무엇을 바로잡는지 적어 주세요." in correction.content.decode()
    ok = desk.post(
        url,
        _status_form(
            pledge,
            to_status=Status.BROKEN,
            broken_reason="national_funding_not_secured",
            evidence=[evidence.pk],
            is_correction="on",
            correction_note="날짜 정정",
        ),
    )
    assert ok.status_code == 302
    change = pledge.latest_status_change()
    assert (change.to_status, change.is_correction) == (Status.BROKEN, True)
    # History is never edited: the change page is read-only and cannot be posted to.
    change_url = reverse("admin:pledges_statuschange_change", args=[change.pk])
    desk.post(change_url, _status_form(pledge, rationale="고쳐 쓰기", evidence=[evidence.pk]))
    change.refresh_from_db()
    assert change.rationale == "예타 면제 확정"


def test_budget_figures_wait_with_stage_in_words_and_confirm_in_one_click(desk, demo_data):
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    evidence = ConfirmedEvidenceFactory(
        pledge=pledge,
        amounts=[
            {
                "text": "957억원",
                "krw": 95_700_000_000,
                "funder": "national",
                "stage": "government_proposal",
                "sentence": "정부안에 국비 957억원이 반영됐다.",
            }
        ],
    )
    desk.post(
        reverse("admin:pledges_evidence_changelist"),
        {"action": "suggest_budget_figures", "_selected_action": [evidence.pk], "index": 0},
    )
    figure = BudgetFigure.objects.get(evidence=evidence)
    page = desk.get(reverse("admin:pledges_budgetfigure_changelist"), follow=True)
    html = page.content.decode()
    assert "957억 원" in html and "정부안" in html and "국비" in html
    assert "정부안에 국비 957억원이 반영됐다." in html
    response = desk.post(reverse("admin:pledges_budgetfigure_confirm", args=[figure.pk]))
    assert response.status_code == 302
    figure.refresh_from_db()
    assert (figure.state, figure.confirmed_by) == (FigureState.CONFIRMED, desk.user)
    assert figure in list(selectors.confirmed_budget_figures(pledge))
