"""A citizen's visit in a real browser: list → filter → pledge page → English."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_a_stalled_pledge_and_reads_it_in_english(page, live_server):
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    page.goto(live_server.url + "/pledges/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator(".pledge-card").count() == 4

    page.select_option("select[name=status]", "stalled")
    page.click("button[type=submit]")
    page.wait_for_url("**/pledges/?*status=stalled*")
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


def test_an_editor_confirms_a_suggestion_and_citizens_then_see_it(page, live_server):
    from django.contrib.auth import get_user_model

    from pledges.demo_data import load_gwangju_demo
    from pledges.models import Pledge
    from pledges.tests.factories import ArticleFactory, EvidenceFactory

    load_gwangju_demo()
    get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-1")
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    EvidenceFactory(
        pledge=pledge,
        article=ArticleFactory(title="빛그린 국가산단 실증 인프라 착공"),
        snippet="광주시가 빛그린 국가산단 일원에 AI 모빌리티 실증 인프라를 착공했다.",
        score=0.9,
    )
    detail = live_server.url + pledge.get_absolute_url()
    page.goto(detail)
    assert "빛그린 국가산단 실증 인프라 착공" not in page.locator("#evidence").inner_text()

    page.goto(live_server.url + "/admin/login/?next=/admin/pledges/evidence/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", "pw-editor-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/pledges/evidence/?waiting=yes")
    row = page.locator("#result_list tbody tr", has_text="빛그린 국가산단 실증 인프라 착공")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "confirm_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr", has_text="빛그린 국가산단").count() == 0

    page.goto(detail)
    assert "빛그린 국가산단 실증 인프라 착공" in page.locator("#evidence").inner_text()
