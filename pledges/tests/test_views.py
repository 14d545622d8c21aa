"""Public pages: Korean first, English second; only what an editor confirmed."""

import pytest
from django.urls import reverse

from pledges.models import Pledge
from pledges.tests.factories import ArticleFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def test_home_lists_the_pledges_with_status_in_korean(client, demo_data):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "국가AI컴퓨팅센터 광주 구축" in html
    assert "보류·정체" in html  # the AX valley's status, in Korean
    assert "공약" in html


def test_english_pages_live_under_en(client, demo_data):
    html = client.get("/en/").content.decode()
    assert '<html lang="en">' in html
    assert "National AI Computing Center in Gwangju" in html
    assert "Stalled" in html


def test_detail_shows_status_budget_and_evidence(client, demo_data):
    response = client.get("/pledges/ai-cluster-phase-1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "이행 완료" in html
    assert "4,269억 원" in html
    assert "3,045억 원" in html
    assert "4,569억 원" in html  # the mismatch is shown, not hidden
    assert "광주일보" in html
    assert demo_data.article.title in html


def test_detail_in_english_formats_money_in_billions(client, demo_data):
    html = client.get("/en/pledges/ax-demonstration-valley/").content.decode()
    assert "KRW 900 billion" in html
    assert "KRW 95.7 billion" in html
    assert "national funding has not been secured" in html


def test_machine_suggestions_never_reach_public_pages(client, demo_data):
    pledge = Pledge.objects.get(slug="ax-demonstration-valley")
    EvidenceFactory(pledge=pledge, article=ArticleFactory(title="아직 검토 전인 기사 제목"))
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "아직 검토 전인 기사 제목" not in html


def test_unpublished_pledges_are_not_public(client, demo_data):
    Pledge.objects.filter(slug="ai-mobility-pilot-city").update(is_published=False)
    assert client.get("/pledges/ai-mobility-pilot-city/").status_code == 404
    assert "AI 모빌리티 국가시범도시" not in client.get("/").content.decode()


def test_filter_by_status_and_search(client, demo_data):
    html = client.get("/", {"status": "stalled"}).content.decode()
    assert "글로벌 AX실증밸리 조성" in html
    assert "국가AI컴퓨팅센터 광주 구축" not in html
    html = client.get("/", {"q": "국가 AI컴퓨팅센터"}).content.decode()
    assert "국가AI컴퓨팅센터 광주 구축" in html
    assert "글로벌 AX실증밸리 조성" not in html


def test_unknown_pledge_is_404(client, db):
    assert client.get("/pledges/no-such-pledge/").status_code == 404


def test_status_definitions_page_explains_every_status(client, db):
    html = client.get(reverse("pledges:statuses")).content.decode()
    for label in [
        "평가 전",
        "미착수",
        "추진 중",
        "보류·정체",
        "변경",
        "일부 이행",
        "이행 완료",
        "파기",
        "검증 불가",
    ]:
        assert label in html


def test_status_feed_is_atom_with_each_change(client, demo_data):
    response = client.get(reverse("pledges:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "<feed" in body and body.count("<entry>") == 4
    pledge_feed = client.get("/pledges/ax-demonstration-valley/feed/").content.decode()
    assert pledge_feed.count("<entry>") == 1


def test_download_links_carry_the_page_filters(client, demo_data):
    html = client.get("/", {"status": "stalled"}).content.decode()
    assert 'href="/export/pledges.csv?status=stalled"' in html
    rows = client.get("/export/pledges.csv?status=stalled").getvalue().decode("utf-8-sig")
    assert "ax-demonstration-valley" in rows
    assert "national-ai-computing-center" not in rows


def test_blank_filters_mean_all_on_the_page_and_in_its_download(client, demo_data):
    page = client.get("/", {"q": "", "status": "", "category": ""}).content.decode()
    assert page.count('class="pledge-card"') == 4
    export = client.get("/export/pledges.csv?q=&status=&category=")
    assert export.status_code == 200
    assert export.getvalue().decode("utf-8-sig").count("\r\n") == 5  # header + 4 rows


def test_invalid_filter_shows_an_error_and_no_rows(client, demo_data):
    page = client.get("/", {"status": "nearly"}).content.decode()
    assert 'class="warning filter-errors"' in page
    assert 'class="pledge-card"' not in page
    assert client.get("/export/pledges.csv?status=nearly").status_code == 400
