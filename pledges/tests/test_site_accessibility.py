"""Accessibility of the public pages: axe-core finds no serious or critical violation on the
front page, the list, a pledge's page and its evidence pages (Korean and English, desktop and
390 px), and on English pages every Korean value
(a title, a promiser's name, an outlet, a snippet with no English version) is marked lang="ko"
so that a screen reader pronounces it as Korean."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from pledges import review
from pledges.models import Promiser
from pledges.tests.factories import ArticleFactory, EvidenceFactory, PledgeFactory

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class LanguageOfText(HTMLParser):
    """The language in effect (the nearest lang attribute) at each text of a page's body."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str]] = []  # (text, lang)
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        if tag in VOID:
            return
        inherited = self.stack[-1][1] if self.stack else ""
        self.stack.append((tag, dict(attrs).get("lang") or inherited))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.in_body and data.strip():
            self.texts.append((data.strip(), self.stack[-1][1] if self.stack else ""))


def lang_of(html: str, text: str) -> set[str]:
    """The languages in effect wherever ``text`` is shown in the body."""
    parser = LanguageOfText()
    parser.feed(html)
    found = {lang for shown, lang in parser.texts if text in shown}
    assert found, f"{text!r} not found"
    return found


@pytest.fixture
def korean_only(db, editor):
    promiser = Promiser.objects.create(slug="gwangju-mayor", name="강기정", role="광주광역시장")
    pledge = PledgeFactory(
        is_published=True,
        promiser=promiser,
        title="영문 제목이 없는 공약",
        title_en="",
        summary="영문 요약이 없는 공약의 요약",
        summary_en="",
    )
    translated = PledgeFactory(is_published=True, title="번역된 공약", title_en="Translated pledge")
    evidence = EvidenceFactory(
        pledge=pledge, article=ArticleFactory(title="한국어 기사 제목", outlet="무등일보")
    )
    review.confirm_evidence(evidence=evidence, reviewer=editor)
    return pledge, translated


@pytest.mark.django_db
def test_english_pages_mark_korean_values(client, korean_only):
    pledge, _ = korean_only
    home = client.get("/en/").content.decode()
    assert lang_of(home, "영문 제목이 없는 공약") == {"ko"}
    assert lang_of(home, "무등일보") == {"ko"}
    assert lang_of(home, "한국어 기사 제목") == {"ko"}
    assert lang_of(home, "광주광역시장 강기정") == {"ko"}
    assert lang_of(home, "Translated pledge") == {"en"}

    listing = client.get("/en/pledges/").content.decode()
    assert lang_of(listing, "영문 제목이 없는 공약") == {"ko"}
    assert lang_of(listing, "영문 요약이 없는 공약의 요약") == {"ko"}
    assert lang_of(listing, "광주광역시장 강기정") == {"ko"}
    assert lang_of(listing, "Translated pledge") == {"en"}

    detail = client.get(f"/en/pledges/{pledge.slug}/").content.decode()
    assert lang_of(detail, "영문 제목이 없는 공약") == {"ko"}
    assert lang_of(detail, "한국어 기사 제목") == {"ko"}
    assert lang_of(detail, "무등일보") == {"ko"}
    assert lang_of(detail, "광주광역시장 강기정") == {"ko"}


@pytest.mark.django_db
def test_korean_pages_need_no_marks(client, korean_only):
    """<html lang="ko"> says it already; the marks are for pages in another language."""
    html = client.get("/pledges/").content.decode()
    assert '<html lang="ko">' in html
    assert lang_of(html, "영문 제목이 없는 공약") == {"ko"}
    assert 'lang="ko">영문 제목이 없는 공약' not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_public_pages_have_no_serious_accessibility_violations(browser, live_server, width):
    from pledges.demo_data import load_gwangju_demo

    load_gwangju_demo()
    # The checker is injected as an inline script, which the site's CSP rightly blocks; the
    # policy itself is tested in test_csp_browser.py.
    context = browser.new_context(
        locale="ko-KR", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    found = {}
    try:
        pledge = "/pledges/national-ai-computing-center/"
        for path in (
            *("/", "/pledges/", pledge, pledge + "evidence/"),
            *("/en/", "/en/pledges/", "/en" + pledge, "/en" + pledge + "evidence/"),
        ):
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.map(v => ({id: v.id, impact: v.impact,"
                " nodes: v.nodes.map(n => n.target.join(' '))}))"
            )
            serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
            if serious:
                found[path] = serious
    finally:
        context.close()
    assert found == {}
