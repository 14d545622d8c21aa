"""One desk for every machine suggestion: the status, milestone and budget suggestions of an
article and pledge appear on the evidence's row in the review queue, with their sentence, to
accept, edit then accept, or reject with a reason; the admin index counts them all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from pledges import review_desk, trail
from pledges.models import (
    BudgetFigure,
    Evidence,
    FigureState,
    Milestone,
    ReviewState,
    SignalState,
    SignalSuggestion,
    Status,
    StatusChange,
)
from pledges.tests.factories import (
    ArticleFactory,
    ConfirmedEvidenceFactory,
    EvidenceFactory,
    PledgeFactory,
)

pytestmark = pytest.mark.django_db

DESK = "/admin/pledges/evidence/?waiting=yes"
JSON = {"HTTP_ACCEPT": "application/json"}

AMOUNTS = [
    {
        "krw": 95_700_000_000,
        "funder": "national",
        "stage": "secured",
        "budget": True,
        "text": "957억 원",
        "sentence": "실증밸리 국비 957억 원이 국회에서 확정됐다.",
    },
    {  # sales of the companies: never a budget figure
        "krw": 99_600_000_000,
        "funder": None,
        "stage": None,
        "budget": False,
        "text": "996억 원",
        "sentence": "입주 기업 매출은 996억 원에 이르렀다.",
    },
    {
        "krw": 30_000_000_000,
        "funder": "national",
        "stage": "government_proposal",
        "budget": True,
        "text": "300억 원",
        "sentence": "정부안에 국비 300억 원이 담겼다.",
    },
]


@pytest.fixture
def evidence(db):
    pledge = PledgeFactory(code="GJ-07", title="AX실증밸리 조성", status=Status.NOT_STARTED)
    return EvidenceFactory(
        pledge=pledge,
        article=ArticleFactory(
            title="실증밸리 착공",
            outlet="빛고을일보",
            published_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        ),
        snippet="광주시는 AX 실증밸리를 착공했다고 밝혔다.",
        matched_terms=["AX실증밸리"],
        amounts=AMOUNTS,
    )


def _signal(evidence, **fields) -> SignalSuggestion:
    values = {
        "pledge": evidence.pledge,
        "evidence": evidence,
        "kind": "construction_started",
        "sentence": "광주시는 지난 2일 실증밸리를 착공했다.",
        "start": 0,
        "trigger": "착공",
        "date": dt.date(2026, 3, 2),
        "happened": True,
        "suggested_status": Status.IN_PROGRESS,
        "milestone_kind": "groundbreaking",
        **fields,
    }
    return SignalSuggestion.objects.create(**values)


def _url(name, *args):
    return reverse(f"admin:pledges_evidence_{name}", args=args)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The row shows everything of the article and pledge -------------------------------------------


def test_the_row_lists_status_milestone_and_budget_suggestions_with_their_sentences(desk, evidence):
    _signal(evidence)
    _signal(
        evidence,
        kind="site_selected",
        start=40,
        sentence="부지는 첨단3지구로 정해졌다.",
        trigger="부지",
        suggested_status="",
        milestone_kind="other",
    )
    html = desk.get(DESK).content.decode()
    assert "상태 변경" in html and "미착수 → 추진 중" in html
    assert "<mark>착공</mark>했다" in html
    assert "주요 단계" in html and "<mark>부지</mark>는 첨단3지구로 정해졌다." in html
    # Budget amounts: the stage in words, formatted; the sales figure is never offered.
    assert "957억 원 · 국비 · 확보 (국회 확정)" in html
    assert "300억 원 · 국비 · 정부안" in html
    assert "실증밸리 국비 <mark>957억 원</mark>이 국회에서 확정됐다." in html
    assert _url("budget_confirm", evidence.pk, 0) in html
    assert _url("budget_confirm", evidence.pk, 1) not in html
    assert "95700000000" not in html.replace('value="95700000000"', "")
    assert _url("signal_accept", SignalSuggestion.objects.first().pk) in html


def test_the_desk_opens_on_everything_waiting_including_confirmed_evidence_with_open_items(
    desk, evidence
):
    quiet = ConfirmedEvidenceFactory(amounts=[])
    busy = ConfirmedEvidenceFactory(amounts=[])
    _signal(busy)
    response = desk.get("/admin/pledges/evidence/")
    assert response.status_code == 302 and response.url.endswith("?waiting=yes")
    shown = set(desk.get(DESK).context["cl"].result_list)
    assert shown == {evidence, busy}
    assert quiet not in shown


def test_the_admin_index_counts_every_kind(desk, evidence):
    _signal(evidence)
    _signal(evidence, kind="site_selected", start=40, suggested_status="", milestone_kind="other")
    EvidenceFactory(amounts=[])
    html = desk.get("/admin/").content.decode()
    # 2 evidence + 1 status + 1 milestone + 2 budget amounts
    assert "검토 대기 제안 6건" in html
    assert "근거 2 · 상태 변경 1 · 주요 단계 1 · 예산 수치 2" in html
    assert review_desk.pending_counts() == {"evidence": 2, "status": 1, "milestone": 1, "budget": 2}


# --- Status signals -----------------------------------------------------------------------------


def test_accepting_a_status_signal_appends_history_and_confirms_the_evidence(
    desk, desk_editor, evidence
):
    signal = _signal(evidence)
    earlier = StatusChange.objects.count()
    response = desk.post(_url("signal_accept", signal.pk), **JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["evidence_state"] == "confirmed"
    assert body["pending"] == 2  # the two budget amounts remain
    signal.refresh_from_db()
    evidence.refresh_from_db()
    assert signal.state == SignalState.ACCEPTED and signal.reviewer == desk_editor
    assert evidence.state == ReviewState.CONFIRMED
    assert StatusChange.objects.count() == earlier + 1
    change = StatusChange.objects.latest("pk")
    assert (change.from_status, change.to_status) == (Status.NOT_STARTED, Status.IN_PROGRESS)
    assert list(change.evidence.all()) == [evidence]
    assert Milestone.objects.get(pledge=evidence.pledge).actual_date == dt.date(2026, 3, 2)
    assert [e["action"] for e in trail.trail_of(signal)] == ["accept"]


def test_editing_a_status_signal_first_records_the_editors_status_date_and_rationale(
    desk, evidence
):
    signal = _signal(evidence)
    edit = _url("signal_edit", signal.pk)
    page = desk.get(edit)
    assert page.status_code == 200
    assert "<mark>착공</mark>" in page.content.decode()
    response = desk.post(
        edit,
        {
            "suggested_status": Status.PARTIALLY_KEPT,
            "effective_date": "2026-03-05",
            "rationale": "착공식 보도로 확인",
        },
    )
    assert response.status_code == 302 and response.url.endswith("?waiting=yes")
    change = StatusChange.objects.latest("pk")
    assert (change.to_status, change.effective_date, change.rationale) == (
        Status.PARTIALLY_KEPT,
        dt.date(2026, 3, 5),
        "착공식 보도로 확인",
    )


def test_rejecting_a_signal_needs_a_reason_and_records_nothing_on_the_pledge(desk, evidence):
    signal = _signal(evidence)
    missing = desk.post(_url("signal_reject", signal.pk), **JSON)
    assert missing.status_code == 400
    assert "사유" in missing.json()["message"]
    response = desk.post(
        _url("signal_reject", signal.pk),
        {f"signal_reason_choice_{signal.pk}": "not_about"},
        **JSON,
    )
    assert response.status_code == 200
    signal.refresh_from_db()
    assert (signal.state, signal.reject_reason) == (
        SignalState.REJECTED,
        "이 공약에 관한 기사가 아님",
    )
    assert not StatusChange.objects.filter(pledge=evidence.pledge).exists()
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED  # the article itself still waits


def test_a_second_editor_on_one_signal_gets_a_clear_message(
    client, desk_editor, other_editor, evidence
):
    signal = _signal(evidence)
    review_desk.accept_signal_suggestion(signal=signal, reviewer=other_editor)
    changes = StatusChange.objects.count()
    client.force_login(desk_editor)
    response = client.post(_url("signal_accept", signal.pk), **JSON)
    assert response.status_code == 409
    assert "junho" in response.json()["message"] and "수락" in response.json()["message"]
    assert StatusChange.objects.count() == changes
    # Without JavaScript: the same words as a message on the page it came from.
    plain = client.post(_url("signal_reject", signal.pk), {"reason_choice": "passing"})
    assert plain.status_code == 302
    assert any("junho" in m for m in _messages(plain))


# --- Budget amounts -----------------------------------------------------------------------------


def test_confirming_a_budget_amount_makes_a_confirmed_figure_once(desk, desk_editor, evidence):
    response = desk.post(
        _url("budget_confirm", evidence.pk, 0),
        {f"budget_krw_{evidence.pk}_0": "95700000000"},
        **JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["evidence_state"] == "confirmed"
    figure = BudgetFigure.objects.get()
    assert (figure.amount_krw, figure.funder, figure.stage, figure.state) == (
        95_700_000_000,
        "national",
        "secured",
        FigureState.CONFIRMED,
    )
    assert figure.confirmed_by == desk_editor and figure.as_of == dt.date(2026, 3, 2)
    assert "957억 원" in response.json()["message"]
    # Decided: not offered again, and a second click is refused with who and when.
    again = desk.post(_url("budget_confirm", evidence.pk, 0), **JSON)
    assert again.status_code == 409 and "minji" in again.json()["message"]
    assert BudgetFigure.objects.count() == 1
    assert review_desk.pending_counts()["budget"] == 1


def test_editing_a_budget_amount_first_confirms_the_editors_figures(desk, evidence):
    edit = _url("budget_edit", evidence.pk, 2)
    page = desk.get(edit).content.decode()
    assert "300억 원 · 국비 · 정부안" in page
    assert 'value="300억원"' in page  # the amount as Koreans write it, not 30000000000
    response = desk.post(
        edit,
        {
            "amount_krw": "310억 원",
            "stage": "government_proposal",
            "funder": "national",
            "fiscal_year": "2027",
            "as_of": "2026-03-02",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    figure = BudgetFigure.objects.get()
    assert (figure.amount_krw, figure.fiscal_year, figure.state) == (
        31_000_000_000,
        2027,
        FigureState.CONFIRMED,
    )
    actions = [e["action"] for e in trail.trail_of(figure)]
    assert actions == ["edit", "confirm"]


def test_an_amount_edited_then_confirmed_is_decided_and_never_offered_again(desk, evidence):
    """The figure remembers the amount it was made from: after 300억 is corrected to 310억
    the article's 300억 is no longer waiting, and suggesting the article's figures again adds
    nothing for it."""
    from pledges import review

    evidence.refresh_from_db()
    assert evidence.open_offer_count == 2
    desk.post(
        _url("budget_edit", evidence.pk, 2),
        {
            "amount_krw": "310억 원",
            "stage": "secured",
            "funder": "total",
            "as_of": "2026-03-02",
        },
    )
    evidence.refresh_from_db()
    offers = review_desk.budget_offers(evidence)
    edited = next(o for o in offers if o.index == 2)
    assert edited.figure is not None and not edited.is_open
    assert (edited.figure.amount_krw, edited.figure.stage, edited.figure.funder) == (
        31_000_000_000,
        "secured",
        "total",
    )
    assert evidence.open_offer_count == 1  # the 957억 still waits
    review.suggest_budget_figures(evidence=evidence)
    assert BudgetFigure.objects.filter(evidence=evidence, amount_krw=30_000_000_000).count() == 0
    evidence.refresh_from_db()
    assert evidence.open_offer_count == 1


def test_a_bad_edit_is_refused_with_the_form_and_nothing_written(desk, evidence):
    response = desk.post(
        _url("budget_edit", evidence.pk, 0),
        {"amount_krw": "-5", "stage": "nonsense", "funder": "national", "as_of": "2026-03-02"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"amount_krw", "stage"}
    assert not BudgetFigure.objects.exists()
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED


def test_rejecting_a_budget_amount_keeps_it_rejected_with_the_reason_and_not_public(desk, evidence):
    response = desk.post(
        _url("budget_reject", evidence.pk, 2),
        {f"budget_reason_text_{evidence.pk}_2": "다른 사업의 예산"},
        **JSON,
    )
    assert response.status_code == 200
    figure = BudgetFigure.objects.get()
    assert (figure.state, figure.reject_reason) == (FigureState.REJECTED, "다른 사업의 예산")
    assert review_desk.pending_counts()["budget"] == 1
    from pledges import selectors

    assert selectors.budget_summary(evidence.pledge).secured_krw is None
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED


def test_a_changed_amount_list_is_refused_rather_than_deciding_another_amount(desk, evidence):
    response = desk.post(
        _url("budget_confirm", evidence.pk, 0), {f"budget_krw_{evidence.pk}_0": "1"}, **JSON
    )
    assert response.status_code == 400
    assert not BudgetFigure.objects.exists()


def test_rejecting_the_evidence_withdraws_its_amounts_and_signals(desk, evidence):
    _signal(evidence)
    response = desk.post(
        reverse("admin:pledges_evidence_reject", args=[evidence.pk]),
        {"reason_choice": "not_about"},
        **JSON,
    )
    assert response.status_code == 200
    assert response.json()["pending"] == 0
    html = desk.get("/admin/pledges/evidence/?state__exact=rejected").content.decode()
    assert _url("budget_confirm", evidence.pk, 0) not in html


# --- Who may ------------------------------------------------------------------------------------


def test_staff_without_the_editor_permissions_get_403(client, evidence):
    signal = _signal(evidence)
    clerk = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="change_evidence"))
    clerk.user_permissions.add(Permission.objects.get(codename="view_evidence"))
    client.force_login(clerk)
    assert client.post(_url("signal_accept", signal.pk)).status_code == 403
    assert client.post(_url("budget_confirm", evidence.pk, 0)).status_code == 403
    assert client.get(_url("budget_edit", evidence.pk, 0)).status_code == 403
    assert SignalSuggestion.objects.get().state == SignalState.SUGGESTED
    assert not BudgetFigure.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, evidence):
    signal = _signal(evidence)
    response = client.post(_url("signal_accept", signal.pk))
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert SignalSuggestion.objects.get().state == SignalState.SUGGESTED


def test_the_row_endpoints_only_answer_post(desk, evidence):
    signal = _signal(evidence)
    assert desk.get(_url("signal_accept", signal.pk)).status_code == 405
    assert desk.get(_url("budget_reject", evidence.pk, 0)).status_code == 405
    assert Evidence.objects.get().state == ReviewState.SUGGESTED


def test_the_desk_endpoints_write_only_through_the_editor_actions(desk, evidence):
    """The provenance walk of every admin form and action (test_admin_provenance.py), for the
    desk's own row endpoints: every write of evidence, status history or figures they cause
    comes from inside review.py / review_desk.py."""
    from pledges.tests.test_admin_provenance import WriteWatch

    status = _signal(evidence)
    milestone = _signal(
        evidence, kind="site_selected", start=40, suggested_status="", milestone_kind="other"
    )
    watch = WriteWatch()
    watch.connect()
    try:
        desk.post(_url("signal_reject", milestone.pk), {"reason_text": "다른 사업"})
        desk.post(_url("signal_edit", status.pk), {"suggested_status": "in_progress"})
        desk.post(_url("budget_reject", evidence.pk, 2), {"reason_choice": "not_about"})
        desk.post(
            _url("budget_edit", evidence.pk, 0),
            {
                "amount_krw": "95700000000",
                "stage": "secured",
                "funder": "national",
                "as_of": "2026-03-02",
            },
        )
    finally:
        watch.disconnect()
    assert watch.outside == []
    assert StatusChange.objects.filter(pledge=evidence.pledge).count() == 1
    assert sorted(BudgetFigure.objects.values_list("state", flat=True)) == ["confirmed", "rejected"]


def test_editing_a_signal_to_broken_without_a_reason_is_refused_in_korean(desk, evidence):
    signal = _signal(evidence)
    edit = _url("signal_edit", signal.pk)
    response = desk.post(edit, {"suggested_status": Status.BROKEN})
    assert response.status_code == 200
    assert "파기 사유가 필요합니다" in response.content.decode()
    signal.refresh_from_db()
    assert (signal.state, signal.suggested_status) == (SignalState.SUGGESTED, Status.IN_PROGRESS)
    assert not StatusChange.objects.exists()
    accepted = desk.post(
        edit, {"suggested_status": Status.BROKEN, "broken_reason": _any_broken_reason()}
    )
    assert accepted.status_code == 302
    assert StatusChange.objects.get().to_status == Status.BROKEN


def _any_broken_reason() -> str:
    from pledges.models import BrokenReason

    return BrokenReason.values[0]
