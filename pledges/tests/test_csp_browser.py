"""The Content-Security-Policy (no inline script or style) breaks nothing, in a real browser:
public pages and the admin's working screens load and work without a single violation."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def watch(page) -> list[str]:
    """Collects CSP violations (the DOM event and the console's messages) of every page."""
    seen: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def violations(page, seen: list[str]) -> list[str]:
    return seen + page.evaluate("window.__cspViolations || []")


def test_public_pages_and_admin_screens_run_under_the_policy(page, live_server):
    from django.contrib.auth import get_user_model

    from pledges.demo_data import load_gwangju_demo
    from pledges.models import Evidence, Pledge
    from pledges.tests.factories import ArticleFactory, EvidenceFactory

    load_gwangju_demo()
    get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-1")
    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    EvidenceFactory(pledge=pledge, article=ArticleFactory(title="실증 인프라 착공"), score=0.9)
    seen = watch(page)

    response = page.goto(live_server.url + "/")
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert violations(page, seen) == []
    page.goto(live_server.url + "/pledges/")
    assert page.locator(".pledge-card").count() == 4
    # The stylesheet applied: it is a file from this site, allowed by style-src 'self'.
    assert page.evaluate("getComputedStyle(document.body).margin") != "8px"
    assert violations(page, seen) == []

    page.goto(live_server.url + pledge.get_absolute_url())
    assert page.locator("#budget").count() == 1
    assert violations(page, seen) == []

    page.goto(live_server.url + "/admin/login/?next=/admin/pledges/evidence/")
    page.fill("input[name=username]", "editor")
    page.fill("input[name=password]", "pw-editor-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/pledges/evidence/?waiting=yes")
    assert violations(page, seen) == []
    # The admin's JavaScript runs: selecting a row shows the action counter.
    row = page.locator("#result_list tbody tr", has_text="실증 인프라 착공")
    row.locator("input.action-select").check()
    assert "1" in page.locator(".action-counter").inner_text()
    page.select_option("select[name=action]", "confirm_selected")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert Evidence.objects.filter(state="confirmed", article__title="실증 인프라 착공").exists()
    assert violations(page, seen) == []

    for path in (
        "/admin/",
        "/admin/pledges/pledge/",
        f"/admin/pledges/pledge/{pledge.pk}/change/",
        "/admin/pledges/source/",
        "/admin/pledges/statuschange/add/",
    ):
        page.goto(live_server.url + path)
        assert page.locator("#content").count() == 1, path
        assert violations(page, seen) == [], path

    # The watch itself works: an inline style added to the page is blocked and reported.
    page.goto(live_server.url + "/statuses/")
    page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { color: red }'; document.head.appendChild(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in v for v in violations(page, seen))
