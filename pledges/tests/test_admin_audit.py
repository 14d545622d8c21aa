"""What a new editor found in the admin, fixed: every word in Korean, no raw codes, JSON or
long integers, and the evidence's own page decides like the queue's row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pledges.models import BudgetFigure, ReviewState, SignalSuggestion, Status, StatusChange
from pledges.people import create_editor
from pledges.tests.factories import (
    BudgetFigureFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, db):
    editor = create_editor(username="minji", email="minji@example.org", password="pw-minji-1")
    client.force_login(editor.user)
    return client


def test_budget_figures_and_status_changes_are_named_in_words_not_codes():
    pledge = PledgeFactory(title="AX실증밸리 조성")
    figure = BudgetFigureFactory(pledge=pledge, amount_krw=95_700_000_000, stage="requested")
    change = StatusChange(
        pledge=pledge,
        from_status=Status.NOT_STARTED,
        to_status=Status.IN_PROGRESS,
        effective_date=dt.date(2026, 3, 2),
    )
    from django.utils import translation

    with translation.override("ko"):
        assert str(figure) == "AX실증밸리 조성 · 요구 · 합계 · 957억원"
        assert str(change) == "AX실증밸리 조성: 미착수 → 추진 중 (2026-03-02)"


def test_the_evidence_page_shows_terms_amounts_and_features_in_words(desk):
    evidence = EvidenceFactory(
        matched_terms=["AX실증밸리", "실증밸리"],
        amounts=[{"krw": 95_700_000_000, "funder": "national", "stage": "secured"}],
        match_features={"rule_score": 0.91, "first_title": 1.0, "evidence_share": 0.5},
    )
    html = desk.get(reverse("admin:pledges_evidence_change", args=[evidence.pk])).content.decode()
    assert "AX실증밸리, 실증밸리" in html
    assert "957억 원 · 국비 · 확보 (국회 확정)" in html
    assert "제목에서 처음 언급</span> +1.00" in html
    shown = html.replace('value="95700000000"', "")  # the hidden field the decision posts
    for raw in ('["AX', '"krw"', "95700000000", "first_title</", "evidence_share</"):
        assert raw not in shown


def test_the_evidence_page_confirms_and_decides_its_suggestions_without_javascript(desk):
    evidence = EvidenceFactory(
        amounts=[{"krw": 95_700_000_000, "funder": "national", "stage": "secured"}]
    )
    signal = SignalSuggestion.objects.create(
        pledge=evidence.pledge,
        evidence=evidence,
        kind="construction_started",
        sentence="실증밸리를 착공했다.",
        start=0,
        happened=True,
        suggested_status=Status.IN_PROGRESS,
    )
    page_url = reverse("admin:pledges_evidence_change", args=[evidence.pk])
    html = desk.get(page_url).content.decode()
    confirm = reverse("admin:pledges_evidence_confirm", args=[evidence.pk])
    assert f'formaction="{confirm}"' in html
    assert reverse("admin:pledges_evidence_signal_accept", args=[signal.pk]) in html
    assert reverse("admin:pledges_evidence_budget_confirm", args=[evidence.pk, 0]) in html
    # Enter in a reason field presses a disabled button, not "confirm".
    assert '<button type="submit" disabled hidden aria-hidden="true"></button>' in html
    response = desk.post(
        confirm, {f"expected_state_{evidence.pk}": "suggested"}, HTTP_REFERER=page_url
    )
    assert response.status_code == 302 and response.url.endswith(page_url)
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.CONFIRMED
    assert not BudgetFigure.objects.exists()


def test_the_admin_javascript_speaks_korean(desk):
    catalog = desk.get("/admin/jsi18n/").content.decode()
    korean = "참고: 서버 시간보다".encode("ascii", "backslashreplace").decode()
    assert korean in catalog  # the catalogue is JSON: "\ucc38\uace0: ..."
    assert "Note: \\uc11c" not in catalog


def test_the_pledge_page_loads_the_stylesheet_that_keeps_inlines_in_1280(desk):
    pledge = PledgeFactory()
    html = desk.get(reverse("admin:pledges_pledge_change", args=[pledge.pk])).content.decode()
    assert "pledges/admin/forms.css" in html


def test_matcher_terms_are_edited_one_per_line_not_as_json(desk):
    from pledges.tests.admin_forms import change_form_data

    pledge = PledgeFactory(match_keywords=["AX실증밸리", "실증밸리"], match_aliases=[])
    url = reverse("admin:pledges_pledge_change", args=[pledge.pk])
    page = desk.get(url)
    html = page.content.decode()
    assert "AX실증밸리\n실증밸리</textarea>" in html
    assert '["AX실증밸리"' not in html
    assert "한 줄에 하나씩 적습니다." in html
    data = change_form_data(page)
    data["match_aliases"] = "  AX 실증 밸리 \n\n글로벌 실증밸리\n"
    data["_continue"] = "1"
    response = desk.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pledge.refresh_from_db()
    assert pledge.match_keywords == ["AX실증밸리", "실증밸리"]
    assert pledge.match_aliases == ["AX 실증 밸리", "글로벌 실증밸리"]


def test_budget_amounts_are_edited_as_koreans_write_them(desk):
    from pledges.tests.admin_forms import change_form_data

    figure = BudgetFigureFactory(amount_krw=95_712_345_678, state="suggested")
    url = reverse("admin:pledges_budgetfigure_change", args=[figure.pk])
    page = desk.get(url)
    assert 'value="957억1234만5678원"' in page.content.decode()
    data = change_form_data(page)
    data["_continue"] = "1"
    assert desk.post(url, data).status_code == 302  # unchanged, to the won
    figure.refresh_from_db()
    assert figure.amount_krw == 95_712_345_678
    data["amount_krw"] = "1조 2천억 원"
    assert desk.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert figure.amount_krw == 1_200_000_000_000
    data["amount_krw"] = "많이"
    refused = desk.post(url, data)
    assert refused.status_code == 200 and "957억 원, 1조 2천억 원" in refused.content.decode()
    figure.refresh_from_db()
    assert figure.amount_krw == 1_200_000_000_000
