"""The public site in Debian's Chromium: search, filter, open a pledge, switch language, and
every page at phone width (390 and 360 px) without horizontal scrolling. Screenshots of / and a
pledge page at both widths go to a temporary folder for a human to look at."""

import os
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/pledges/",
    "/pledges/?status=stalled&sort=budget",
    "/pledges/national-ai-computing-center/",
    "/pledges/ax-demonstration-valley/",
    "/pledges/ai-mobility-pilot-city/",
    "/pledges/ai-cluster-phase-1/",
    "/methodology/",
    "/corrections/",
    "/statuses/",
    "/en/",
    "/en/pledges/ai-cluster-phase-1/",
    "/export/?status=stalled",
    "/en/export/",
]


def test_search_filter_open_and_switch_language(page, live_server):
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    page.goto(live_server.url + "/pledges/")
    page.fill("input[name=q]", "인공지능 중심 산업융합")
    page.click("button[type=submit]")
    page.wait_for_url("**/pledges/?*q=*")
    assert page.locator(".pledge-card").count() == 1
    page.goto(live_server.url + "/pledges/")
    page.select_option("select[name=promiser]", "lee-jae-myung")
    page.click("button[type=submit]")
    page.wait_for_url("**/pledges/?*promiser=lee-jae-myung*")
    assert page.locator(".pledge-card").count() == 3
    assert "promiser=lee-jae-myung" in page.locator("a.export-csv").get_attribute("href")
    page.click("text=국가AI컴퓨팅센터 광주 구축")
    page.wait_for_url("**/pledges/national-ai-computing-center/")
    assert "2조 원 이상" in page.locator("#budget").inner_text()
    page.click("a[hreflang=en]")
    page.wait_for_url("**/en/pledges/national-ai-computing-center/")
    assert "at least KRW 2 trillion" in page.locator("#budget").inner_text()


def test_every_page_fits_a_phone_without_horizontal_scroll(browser, live_server):
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="tracker-shots-"))
    shots.mkdir(parents=True, exist_ok=True)
    for width in (390, 360):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="ko-KR")
        page = context.new_page()
        for path in PAGES:
            page.goto(live_server.url + path)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{path} is {scroll_width}px wide at {width}px"
            # A date is one unbroken line ("2025. 6. 10.", never "2025-/06-10").
            heights = page.evaluate(
                "[...document.querySelectorAll('time.date')].map(t => t.getClientRects().length)"
            )
            assert all(n == 1 for n in heights), path
        for name, path in (("home", "/"), ("pledge", "/pledges/ai-cluster-phase-1/")):
            page.goto(live_server.url + path)
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        context.close()
    print(f"screenshots in {shots}")
    assert len(list(shots.glob("*.png"))) == 4
