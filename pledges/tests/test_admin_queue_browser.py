"""An editor works through the review queue by keyboard in a real browser at 1280 px, and the
queue passes an axe-core accessibility check with no serious or critical violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def queue(live_server):
    from pledges.people import create_editor
    from pledges.tests.factories import ArticleFactory, EvidenceFactory, PledgeFactory

    create_editor(username="minji", email="minji@example.org", password="pw-minji-1")
    from pledges.models import SignalSuggestion

    pledge = PledgeFactory(code="GJ-02", title="글로벌 AX실증밸리 조성", status="not_started")
    rows = [
        EvidenceFactory(
            pledge=pledge,
            score=score,
            article=ArticleFactory(title=title, outlet="빛고을일보"),
            snippet=f"광주시는 {title}라고 밝혔다. AX 실증밸리 국비 957억 원은 아직 확보하지 못했다.",
            matched_terms=["AX실증밸리"],
            amounts=[{"krw": 95_700_000_000, "funder": "national", "stage": "secured"}],
        )
        for score, title in [
            (0.93, "실증밸리 예타 면제 논의 재개"),
            (0.81, "실증밸리 부지 조성 설계 착수"),
            (0.62, "광주 AI 기업 설명회에 실증밸리 소개"),
        ]
    ]
    SignalSuggestion.objects.create(
        pledge=pledge,
        evidence=rows[0],
        kind="construction_started",
        sentence="광주시는 지난달 실증밸리 1단계 공사를 착공했다.",
        start=0,
        trigger="착공",
        happened=True,
        suggested_status="in_progress",
        milestone_kind="groundbreaking",
    )
    return rows


def _log_in(page, live_server):
    page.goto(live_server.url + "/admin/login/?next=/admin/pledges/evidence/")
    page.fill("input[name=username]", "minji")
    page.fill("input[name=password]", "pw-minji-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/pledges/evidence/?waiting=yes")


def _shots(tmp_path) -> Path:
    """Screenshots go to DESK_SHOTS_DIR when set (to look at them), else to the test's tmp."""
    folder = Path(os.environ.get("DESK_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_editor_works_through_the_queue_by_keyboard_at_1280(
    browser, live_server, queue, tmp_path
):
    from pledges.models import (
        BudgetFigure,
        Evidence,
        FigureState,
        ReviewState,
        SignalState,
        SignalSuggestion,
        StatusChange,
    )

    shots = _shots(tmp_path)
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _log_in(page, live_server)
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 3
        # Nothing is cut off: the page is no wider than the window.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("mark").first.inner_text() == "AX 실증밸리"
        assert "957억 원 · 국비 · 확보 (국회 확정)" in rows.first.inner_text()
        page.screenshot(path=str(shots / "queue-1280.png"), full_page=True)

        first, second, third = (rows.nth(i) for i in range(3))
        status_item = first.locator(".desk-item-status")
        first_budget = first.locator(".desk-item-budget")
        third_budget = third.locator(".desk-item-budget")
        assert "미착수 → 추진 중" in status_item.inner_text()
        assert "is-current" in first.get_attribute("class")
        page.keyboard.press("j")  # the next item is the first row's status suggestion
        assert "is-current" in status_item.get_attribute("class")
        page.keyboard.press("k")
        assert "is-current" in first.get_attribute("class")

        page.keyboard.press("c")  # confirm the first article, without a page load
        page.wait_for_selector("#result_list tbody tr.is-done.is-confirmed")
        assert "is-current" in status_item.get_attribute("class")  # on to what still waits

        page.keyboard.press("c")  # accept the status change
        page.wait_for_selector(".desk-item-status.is-done.is-accepted")
        assert "is-current" in first_budget.get_attribute("class")

        page.keyboard.press("c")  # confirm the budget figure
        page.wait_for_selector(".desk-item-budget.is-done.is-confirmed")
        assert "is-current" in second.get_attribute("class")

        page.keyboard.press("r")  # reject needs a reason: the reason list takes the focus
        assert page.evaluate("document.activeElement.tagName") == "SELECT"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_selector("#result_list tbody tr.is-done.is-rejected")
        # The rejected article's amount is withdrawn with it; on to the third article.
        assert "is-done" in second.locator(".desk-item-budget").get_attribute("class")
        assert "is-current" in third.get_attribute("class")

        page.keyboard.press("j")
        assert "is-current" in third_budget.get_attribute("class")
        page.keyboard.press("r")
        assert page.evaluate("document.activeElement.tagName") == "SELECT"
        page.keyboard.press("Escape")  # back to the item: typing a reason instead
        third_budget.locator("input[type=text]").fill("다른 사업의 예산")
        page.keyboard.press("Enter")
        page.wait_for_selector(".desk-item-budget.is-done.is-rejected >> nth=1")
        assert page.locator(".desk-pending").inner_text() == "검토 대기 제안 1건"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(shots / "queue-after-keys.png"), full_page=True)
    finally:
        context.close()

    states = {e.article.title: (e.state, e.reject_reason) for e in Evidence.objects.all()}
    assert states == {
        "실증밸리 예타 면제 논의 재개": (ReviewState.CONFIRMED, ""),
        "실증밸리 부지 조성 설계 착수": (ReviewState.REJECTED, "이 공약에 관한 기사가 아님"),
        "광주 AI 기업 설명회에 실증밸리 소개": (ReviewState.SUGGESTED, ""),
    }
    assert SignalSuggestion.objects.get().state == SignalState.ACCEPTED
    assert StatusChange.objects.get().to_status == "in_progress"
    figures = {
        (f.evidence.article.title, f.state, f.reject_reason) for f in BudgetFigure.objects.all()
    }
    assert figures == {
        ("실증밸리 예타 면제 논의 재개", FigureState.CONFIRMED, ""),
        ("광주 AI 기업 설명회에 실증밸리 소개", FigureState.REJECTED, "다른 사업의 예산"),
    }
    assert (shots / "queue-1280.png").stat().st_size > 10_000


def test_the_queue_has_no_serious_accessibility_violations(browser, live_server, queue):
    # The checker is injected as an inline script, which the site's CSP rightly blocks; the
    # policy itself is tested in test_csp_browser.py.
    context = browser.new_context(
        locale="ko-KR", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    try:
        _log_in(page, live_server)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
        )
    finally:
        context.close()
    serious = [v for v in result if v["impact"] in {"serious", "critical"}]
    assert serious == []
