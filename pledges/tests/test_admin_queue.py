"""The review queue in the editors' desk, as an editor of the "editors" group uses it through
the Django test client: the rows, the row decisions (plain POST and fetch), bulk decisions,
filters, and two editors on one suggestion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from pledges import review, trail
from pledges.models import Evidence, ReviewState
from pledges.tests.factories import ArticleFactory, EvidenceFactory, PledgeFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/pledges/evidence/?state__exact=suggested"


def _confirm_url(evidence):
    return reverse("admin:pledges_evidence_confirm", args=[evidence.pk])


def _reject_url(evidence):
    return reverse("admin:pledges_evidence_reject", args=[evidence.pk])


def test_a_row_shows_pledge_article_outlet_date_score_sentence_and_amounts(desk):
    pledge = PledgeFactory(code="GJ-07", title="AX실증밸리 조성")
    EvidenceFactory(
        pledge=pledge,
        article=ArticleFactory(
            title="<script>alert(1)</script> 실증밸리 국비 확보",
            outlet="빛고을일보",
            published_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        ),
        score=0.87,
        snippet="광주시는 AX 실증밸리 국비 957억 원을 <b>확보</b>했다.",
        matched_terms=["AX실증밸리"],
        amounts=[
            {"krw": 95_700_000_000, "funder": "national", "stage": "secured", "text": "957억 원"}
        ],
    )
    html = desk.get(QUEUE).content.decode()
    assert "GJ-07 · AX실증밸리 조성" in html
    assert "빛고을일보 · 2026-03-02" in html
    assert "0.87" in html
    # The matched term is marked though the article spaced it; nothing from the article is HTML.
    assert "<mark>AX 실증밸리</mark>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;확보&lt;/b&gt;" in html
    assert "957억 원 · 국비 · 확보 (국회 확정)" in html
    assert "100000000000000" not in html
    # The behaviour comes from a static file; the page has no inline script of its own.
    assert "pledges/admin/review_queue.js" in html
    assert 'formaction="' + _confirm_url(Evidence.objects.get()) + '"' in html


def test_the_queue_is_newest_day_first_then_best_score(desk):
    pledge = PledgeFactory()
    old_best = EvidenceFactory(pledge=pledge, score=0.99)
    Evidence.objects.filter(pk=old_best.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    new_low = EvidenceFactory(pledge=pledge, score=0.55)
    new_high = EvidenceFactory(pledge=pledge, score=0.91)
    shown = list(desk.get(QUEUE).context["cl"].result_list)
    assert shown == [new_high, new_low, old_best]


def test_the_admin_index_shows_the_pending_count(desk):
    EvidenceFactory.create_batch(3)
    EvidenceFactory(state=ReviewState.CONFIRMED, reviewed_at=timezone.now())
    html = desk.get("/admin/").content.decode()
    assert "검토 대기 제안 3건" in html


def test_confirm_on_the_row_without_javascript_posts_and_comes_back(desk, desk_editor):
    evidence = EvidenceFactory()
    response = desk.post(
        _confirm_url(evidence),
        {f"expected_state_{evidence.pk}": "suggested"},
        HTTP_REFERER="http://testserver" + QUEUE,
    )
    assert response.status_code == 302 and response.url.endswith(QUEUE)
    evidence.refresh_from_db()
    assert (evidence.state, evidence.reviewer) == (ReviewState.CONFIRMED, desk_editor)
    assert any(
        "확정" in str(m) or "Confirmed" in str(m) for m in get_messages(response.wsgi_request)
    )


def test_confirm_on_the_row_by_fetch_answers_json_with_the_new_count(desk):
    evidence, _other = EvidenceFactory(), EvidenceFactory()
    response = desk.post(
        _confirm_url(evidence),
        {f"expected_state_{evidence.pk}": "suggested"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["ok"], body["state"], body["pending"]) == (True, "confirmed", 1)
    assert body["pending_text"] == "검토 대기 제안 1건"


def test_reject_needs_a_reason_and_loses_nothing_without_one(desk):
    evidence = EvidenceFactory()
    response = desk.post(_reject_url(evidence), {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "기각 사유를 주세요."
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED


def test_reject_with_a_reason_from_the_list_or_typed(desk):
    chosen, typed = EvidenceFactory(), EvidenceFactory()
    desk.post(_reject_url(chosen), {f"reason_choice_{chosen.pk}": "passing"})
    desk.post(
        _reject_url(typed),
        {f"reason_choice_{typed.pk}": "passing", f"reason_text_{typed.pk}": "광고"},
    )
    chosen.refresh_from_db()
    typed.refresh_from_db()
    assert (chosen.state, chosen.reject_reason) == (ReviewState.REJECTED, "지나가는 언급뿐")
    assert (typed.state, typed.reject_reason) == (ReviewState.REJECTED, "광고")  # typed wins


def test_row_decisions_accept_only_post(desk):
    evidence = EvidenceFactory()
    assert desk.get(_confirm_url(evidence)).status_code == 405
    evidence.refresh_from_db()
    assert evidence.state == ReviewState.SUGGESTED


def test_bulk_confirm_reports_the_right_counts(desk, other_editor):
    rows = EvidenceFactory.create_batch(3)
    review.confirm_evidence(evidence=rows[0], reviewer=other_editor)  # taken meanwhile
    # Selected on the list of every state, so the row junho took is still among them.
    response = desk.post(
        reverse("admin:pledges_evidence_changelist"),
        {"action": "confirm_selected", "_selected_action": [e.pk for e in rows], "index": 0},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert "제안 2건을 확정했습니다." in texts
    assert any("1건은 건너뛰었습니다" in t and "junho" in t for t in texts)
    assert Evidence.objects.get(pk=rows[0].pk).reviewer == other_editor


def test_bulk_reject_asks_the_reason_on_an_intermediate_page_first(desk, desk_editor):
    rows = EvidenceFactory.create_batch(2)
    selected = {"action": "reject_selected", "_selected_action": [e.pk for e in rows], "index": 0}
    page = desk.post(QUEUE, selected)
    assert page.status_code == 200
    assert "admin/pledges/evidence/reject_selected.html" in [t.name for t in page.templates]
    assert not Evidence.objects.exclude(state=ReviewState.SUGGESTED).exists()

    again = desk.post(QUEUE, {**selected, "apply": "1", "reason_choice": "", "reason_text": ""})
    assert again.status_code == 200
    assert "기각 사유를 주세요." in again.content.decode()
    assert not Evidence.objects.exclude(state=ReviewState.SUGGESTED).exists()

    done = desk.post(QUEUE, {**selected, "apply": "1", "reason_choice": "not_about"}, follow=True)
    assert "제안 2건을 기각했습니다." in [str(m) for m in done.context["messages"]]
    for evidence in Evidence.objects.all():
        assert evidence.state == ReviewState.REJECTED
        assert evidence.reject_reason == "이 공약에 관한 기사가 아님"
        assert evidence.reviewer == desk_editor


def test_filters_by_score_band_outlet_pledge_and_date(desk):
    pledge_a, pledge_b = PledgeFactory(), PledgeFactory()
    high = EvidenceFactory(pledge=pledge_a, score=0.9, article=ArticleFactory(outlet="가일보"))
    low = EvidenceFactory(
        pledge=pledge_b,
        score=0.55,
        article=ArticleFactory(
            outlet="나일보", published_at=timezone.now() - dt.timedelta(days=40)
        ),
    )

    def shown(query):
        return set(desk.get(QUEUE + query).context["cl"].result_list)

    assert shown("&score_band=high") == {high}
    assert shown("&score_band=low") == {low}
    assert shown("&article__outlet=나일보") == {low}
    assert shown(f"&pledge__id__exact={pledge_a.pk}") == {high}
    today = timezone.localdate()
    since = (today - dt.timedelta(days=7)).isoformat()
    until = (today + dt.timedelta(days=1)).isoformat()
    assert shown(f"&article__published_at__gte={since}&article__published_at__lt={until}") == {high}


def test_the_pledge_and_outlet_filters_list_only_the_busiest_waiting(desk, monkeypatch):
    from pledges.admin import queue

    monkeypatch.setattr(queue, "BUSIEST_SHOWN", 2)
    busy, busier, quiet = PledgeFactory(), PledgeFactory(), PledgeFactory()
    for pledge, outlet, count in ((busy, "가일보", 2), (busier, "나일보", 3), (quiet, "다일보", 1)):
        for _ in range(count):
            EvidenceFactory(pledge=pledge, article=ArticleFactory(outlet=outlet))
    page = desk.get(QUEUE).content.decode()
    sidebar = page.split('id="changelist-filter"')[1]
    assert sidebar.index(f"{busier.code} ") < sidebar.index(f"{busy.code} ")
    assert f"pledge__id__exact={quiet.pk}" not in sidebar
    assert "나일보" in sidebar and "다일보" not in sidebar
    # A value not listed still filters when given (a link from elsewhere).
    rows = desk.get(QUEUE + f"&pledge__id__exact={quiet.pk}").context["cl"].result_list
    assert {e.pledge for e in rows} == {quiet}
    assert set(desk.get(QUEUE + "&article__outlet=다일보").context["cl"].result_list) == set(rows)


def test_the_outlet_filter_lists_the_outlets_at_the_top_of_the_queue(desk, monkeypatch):
    """Its cost must not grow with the queue: only the OUTLETS_FROM_TOP waiting suggestions
    first in the queue's order are grouped. An older outlet still filters when given."""
    from pledges.admin import queue

    monkeypatch.setattr(queue, "OUTLETS_FROM_TOP", 2)
    old = EvidenceFactory(article=ArticleFactory(outlet="옛일보"))
    EvidenceFactory(article=ArticleFactory(outlet="새일보"))
    EvidenceFactory(article=ArticleFactory(outlet="새일보"))
    EvidenceFactory(
        state="confirmed", reviewed_at=timezone.now(), article=ArticleFactory(outlet="확정일보")
    )
    sidebar = desk.get(QUEUE).content.decode().split('id="changelist-filter"')[1]
    assert "새일보" in sidebar
    assert "옛일보" not in sidebar and "확정일보" not in sidebar
    assert set(desk.get(QUEUE + "&article__outlet=옛일보").context["cl"].result_list) == {old}


def test_two_editors_one_suggestion_the_second_is_told_not_overwritten(
    client, desk_editor, other_editor
):
    evidence = EvidenceFactory()
    # Both drew the queue while it was a suggestion; junho confirms first.
    review.confirm_evidence(evidence=evidence, reviewer=other_editor, expected_state="suggested")
    client.force_login(desk_editor)
    response = client.post(
        _reject_url(evidence),
        {f"expected_state_{evidence.pk}": "suggested", f"reason_text_{evidence.pk}": "무관"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert "junho" in response.json()["message"]
    assert "확정" in response.json()["message"]
    evidence.refresh_from_db()
    assert (evidence.state, evidence.reviewer, evidence.reject_reason) == (
        ReviewState.CONFIRMED,
        other_editor,
        "",
    )
    # Without JavaScript the same refusal comes back as a message on the queue.
    plain = client.post(
        _reject_url(evidence),
        {f"expected_state_{evidence.pk}": "suggested", f"reason_text_{evidence.pk}": "무관"},
        follow=True,
    )
    assert any("junho" in str(m) for m in plain.context["messages"])


def test_every_decision_is_in_the_trail_with_before_and_after(desk, desk_editor):
    evidence = EvidenceFactory()
    desk.post(_reject_url(evidence), {f"reason_text_{evidence.pk}": "경기 광주시 기사"})
    (entry,) = trail.trail_of(evidence)
    assert entry["user"] == desk_editor and entry["action"] == "reject"
    assert entry["before"]["state"] == "suggested"
    assert entry["after"]["state"] == "rejected"
    assert entry["after"]["reject_reason"] == "경기 광주시 기사"
    history = desk.get(reverse("admin:pledges_evidence_history", args=[evidence.pk]))
    assert history.status_code == 200
    assert "경기 광주시 기사" in history.content.decode()


def test_select_all_on_a_long_queue_decides_a_bounded_batch_per_run(desk, monkeypatch):
    """'Select all' on a national queue selects tens of thousands: the reason page lists a few
    and counts the rest, and each run decides at most BULK_DECISION_LIMIT, saying how many are
    left, so no request outlives the web server's timeout."""
    from pledges.admin import queue

    monkeypatch.setattr(queue, "BULK_DECISION_LIMIT", 2)
    monkeypatch.setattr(queue, "REJECT_LIST_SHOWN", 3)
    rows = EvidenceFactory.create_batch(5)
    across = {"action": "reject_selected", "select_across": "1", "index": 0}
    across["_selected_action"] = [rows[0].pk]  # the page's box; "select all" takes the rest
    page = desk.post(QUEUE, across)
    text = page.content.decode()
    assert "제안 5건을 같은 사유로 기각합니다" in text
    assert text.count("<li>") == 3 + 1 and "외 2건" in text
    assert "처음 2건을 기각합니다" in text
    assert 'name="_selected_action"' not in text  # selected again by the filters, not by ids

    done = desk.post(QUEUE, {**across, "apply": "1", "reason_choice": "passing"}, follow=True)
    texts = [str(m) for m in done.context["messages"]]
    assert "제안 2건을 기각했습니다." in texts
    assert any("3건은 아직 결정하지 않았습니다" in t for t in texts)
    rejected = set(Evidence.objects.filter(state=ReviewState.REJECTED))
    first_two = list(Evidence.objects.order_by(*queue.DESK_ORDER)[:2])
    assert rejected == set(first_two)  # the top of the queue first

    confirm = {"action": "confirm_selected", "select_across": "1", "index": 0}
    confirm["_selected_action"] = [rows[0].pk]
    done = desk.post(QUEUE, confirm, follow=True)
    texts = [str(m) for m in done.context["messages"]]
    assert "제안 2건을 확정했습니다." in texts
    assert any("1건은 아직 결정하지 않았습니다" in t for t in texts)
    done = desk.post(QUEUE, confirm, follow=True)
    texts = [str(m) for m in done.context["messages"]]
    assert "제안 1건을 확정했습니다." in texts
    assert not any("아직 결정하지" in t for t in texts)
    assert not Evidence.objects.filter(state=ReviewState.SUGGESTED).exists()
