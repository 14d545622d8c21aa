"""A citizen's visit in a real browser: list → filter → pledge page → English."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_a_stalled_pledge_and_reads_it_in_english(page, live_server):
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator(".pledge-card").count() == 4

    page.select_option("select[name=status]", "stalled")
    page.click("button[type=submit]")
    page.wait_for_url("**/?*status=stalled*")
    assert page.locator(".pledge-card").count() == 1

    page.click("text=글로벌 AX실증밸리 조성")
    page.wait_for_url("**/pledges/ax-demonstration-valley/")
    assert page.locator(".status-line .status").inner_text() == "보류·정체"
    assert "9,000억 원" in page.locator("#budget").inner_text()
    assert "광주일보" in page.locator("#evidence").inner_text()

    page.click("a[hreflang=en]")
    page.wait_for_url("**/en/pledges/ax-demonstration-valley/")
    assert page.locator(".status-line .status").inner_text() == "Stalled"
    assert "KRW 900 billion" in page.locator("#budget").inner_text()
