"""An editor works through the review queue by keyboard in a real browser at 1280 px, and the
queue passes an axe-core accessibility check with no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def queue(live_server):
    from pledges.people import create_editor
    from pledges.tests.factories import ArticleFactory, EvidenceFactory, PledgeFactory

    create_editor(username="minji", email="minji@example.org", password="pw-minji-1")
    pledge = PledgeFactory(code="GJ-02", title="글로벌 AX실증밸리 조성")
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
    return rows


def _log_in(page, live_server):
    page.goto(live_server.url + "/admin/login/?next=/admin/pledges/evidence/")
    page.fill("input[name=username]", "minji")
    page.fill("input[name=password]", "pw-minji-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/pledges/evidence/?waiting=yes")


def test_an_editor_works_through_the_queue_by_keyboard_at_1280(
    browser, live_server, queue, tmp_path
):
    from pledges.models import Evidence, ReviewState

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
        page.screenshot(path=str(tmp_path / "queue-1280.png"), full_page=True)

        first, second, third = (rows.nth(i) for i in range(3))
        assert "is-current" in first.get_attribute("class")
        page.keyboard.press("j")
        assert "is-current" in second.get_attribute("class")
        page.keyboard.press("k")
        assert "is-current" in first.get_attribute("class")

        page.keyboard.press("c")  # confirm the first, without a page load
        page.wait_for_selector("#result_list tbody tr.is-done.is-confirmed")
        assert "is-current" in second.get_attribute("class")  # on to the next suggestion

        page.keyboard.press("r")  # reject needs a reason: the reason list takes the focus
        assert page.evaluate("document.activeElement.tagName") == "SELECT"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_selector("#result_list tbody tr.is-done.is-rejected")
        assert "is-current" in third.get_attribute("class")
        assert page.locator(".desk-pending").inner_text() == "검토 대기 제안 1건"
        page.screenshot(path=str(tmp_path / "queue-after-keys.png"), full_page=True)
    finally:
        context.close()

    states = {e.article.title: (e.state, e.reject_reason) for e in Evidence.objects.all()}
    assert states == {
        "실증밸리 예타 면제 논의 재개": (ReviewState.CONFIRMED, ""),
        "실증밸리 부지 조성 설계 착수": (ReviewState.REJECTED, "이 공약에 관한 기사가 아님"),
        "광주 AI 기업 설명회에 실증밸리 소개": (ReviewState.SUGGESTED, ""),
    }
    assert (tmp_path / "queue-1280.png").stat().st_size > 10_000


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
