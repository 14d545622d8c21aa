"""Public pages: Korean first, English second; only what an editor confirmed."""

import datetime as dt

import pytest
from django.urls import reverse

from pledges.models import Pledge
from pledges.tests.factories import ArticleFactory, EvidenceFactory

pytestmark = pytest.mark.django_db
SLUGS = {
    "national-ai-computing-center",
    "ax-demonstration-valley",
    "ai-mobility-pilot-city",
    "ai-cluster-phase-1",
}


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
    assert "추진 중" in html
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
    assert "AI 모빌리티 국가시범도시" not in client.get("/pledges/").content.decode()


def test_filter_by_status_and_search(client, demo_data):
    html = client.get("/pledges/", {"status": "stalled"}).content.decode()
    assert "글로벌 AX실증밸리 조성" in html
    assert "국가AI컴퓨팅센터 광주 구축" not in html
    html = client.get("/pledges/", {"q": "국가 AI컴퓨팅센터"}).content.decode()
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
    # Four status changes beside the confirmed evidence (test_syndication.py).
    assert "<feed" in body and body.count("status-change-") // 2 == 4
    pledge_feed = client.get("/pledges/ax-demonstration-valley/feed/").content.decode()
    assert pledge_feed.count("#status-change-") // 2 == 1  # its link and its id


def test_download_links_carry_the_page_filters(client, demo_data):
    html = client.get("/pledges/", {"status": "stalled", "sort": "title"}).content.decode()
    assert 'href="/export/pledges.csv?status=stalled"' in html
    rows = client.get("/export/pledges.csv?status=stalled").getvalue().decode("utf-8-sig")
    assert "ax-demonstration-valley" in rows
    assert "national-ai-computing-center" not in rows


def test_blank_filters_mean_all_on_the_page_and_in_its_download(client, demo_data):
    page = client.get("/pledges/", {"q": "", "status": "", "category": ""}).content.decode()
    assert page.count('class="pledge-card"') == 4
    export = client.get("/export/pledges.csv?q=&status=&category=")
    assert export.status_code == 200
    assert export.getvalue().decode("utf-8-sig").count("\r\n") == 5  # header + 4 rows


def test_invalid_filter_shows_an_error_and_no_rows(client, demo_data):
    page = client.get("/pledges/", {"status": "nearly"}).content.decode()
    assert 'class="warning filter-errors"' in page
    assert 'class="pledge-card"' not in page
    assert client.get("/export/pledges.csv?status=nearly").status_code == 400


def test_old_list_links_with_filters_move_to_the_pledge_list(client, demo_data):
    response = client.get("/", {"status": "stalled", "q": "AX"})
    assert response.status_code == 301
    assert response["Location"] == "/pledges/?status=stalled&q=AX"


def test_search_knows_what_the_engine_knows(client, demo_data):
    def found(q):
        return client.get("/pledges/", {"q": q}).content.decode().count('class="pledge-card"')

    # 인공지능 ≡ AI, spacing does not matter, aliases find their pledge.
    assert found("인공지능") == found("AI") == 4
    assert found("국가 AI 컴퓨팅 센터") == 1
    assert found("AI 중심 산업융합") == 1  # the title writes 인공지능
    assert found("National AI Computing Center") == 1


def test_status_filter_accepts_the_korean_label_shown_on_pages(client, demo_data):
    html = client.get("/pledges/", {"status": "보류·정체"}).content.decode()
    assert html.count('class="pledge-card"') == 1 and "글로벌 AX실증밸리 조성" in html
    rows = client.get("/export/pledges.csv", {"status": "추진 중"}).getvalue().decode("utf-8-sig")
    assert "ai-cluster-phase-1" in rows and "ax-demonstration-valley" not in rows


def test_list_filters_by_promiser_type_agency_and_budget_shortfall(client, demo_data):
    def slugs(**params):
        html = client.get("/pledges/", params).content.decode()
        return {s for s in SLUGS if f"/pledges/{s}/" in html}

    assert slugs(promiser="gwangju-city") == {"ai-cluster-phase-1"}
    # As pages show them, in either language, spaced or not; the downloads agree.
    assert slugs(promiser="광주광역시") == {"ai-cluster-phase-1"}
    assert slugs(promiser="Gwangju Metropolitan City") == {"ai-cluster-phase-1"}
    assert slugs(promiser="대통령이재명") == slugs(promiser="lee-jae-myung") != set()
    assert slugs(promiser="President Lee Jae-myung") == slugs(promiser="lee-jae-myung")
    assert slugs(jurisdiction="광주광역시") == slugs(jurisdiction="gwangju")
    rows = client.get("/export/pledges.csv", {"promiser": "대통령 이재명"}).getvalue()
    assert b"ai-cluster-phase-1" not in rows and b"ax-demonstration-valley" in rows
    assert client.get("/export/pledges.csv", {"promiser": "없는 사람"}).status_code == 400
    assert slugs(agency="과학기술정보통신부") == {
        "national-ai-computing-center",
        "ax-demonstration-valley",
        "ai-cluster-phase-1",
    }
    assert slugs(pledge_type="legislation") == set()
    # Planned but nothing secured on record: the computing center and the AX valley.
    assert slugs(budget_shortfall="true") == {
        "national-ai-computing-center",
        "ax-demonstration-valley",
    }


def test_sorting_and_pagination_keep_the_state_in_the_url(client, demo_data):
    html = client.get("/pledges/", {"sort": "budget"}).content.decode()
    # 2조 (lower bound) before 9,000억; pledges without a planned figure last.
    assert html.index("국가AI컴퓨팅센터 광주 구축") < html.index("글로벌 AX실증밸리 조성")
    html = client.get("/pledges/", {"sort": "title"}).content.decode()
    assert html.index("AI 모빌리티") < html.index("국가AI컴퓨팅센터 광주 구축")
    assert client.get("/pledges/", {"page": "99"}).status_code == 200


def test_home_rates_each_promiser_on_its_own_with_the_formula(client, demo_data):
    html = client.get("/").content.decode()
    assert 'id="promiser-lee-jae-myung"' in html and 'id="promiser-gwangju-city"' in html
    president = html[
        html.index('id="promiser-lee-jae-myung"') : html.index('id="promiser-gwangju-city"')
    ]
    assert "0.0%" in president and "÷" in president
    assert 'class="status-chart"' in president and "미착수" in president
    assert "최근 상태 변경" in html or "Latest status changes" in html


def test_detail_money_panel_says_lower_bound_and_no_figure_apart_from_zero(client, demo_data):
    html = client.get("/pledges/national-ai-computing-center/").content.decode()
    assert "2조 원 이상" in html
    assert "100조" not in html
    budget = html[html.index('id="budget"') : html.index('id="history"')]
    # Nothing secured or spent on record is not shown as an amount of zero.
    assert ">0원<" not in budget and 'class="amount">0원' not in budget
    assert 'class="no-figure"' in budget
    assert '<time class="date" datetime="2025-06-10">2025. 6. 10.</time>' in html
    assert 'property="og:title"' in html and 'name="description"' in html
    assert "/export/evidence.csv?pledge=national-ai-computing-center" in html


def test_detail_shows_the_normalized_snippet(client, demo_data):
    html = client.get("/pledges/ai-cluster-phase-1/").content.decode()
    assert "광주시는AI집적단지조성이마무리하고" not in html
    assert "광주시는 AI 집적" in html


def test_corrections_and_methodology_pages(client, demo_data):
    from pledges import review

    pledge = Pledge.objects.get(slug="ai-mobility-pilot-city")
    review.record_status_change(
        pledge=pledge,
        to_status="not_rated",
        effective_date=dt.date(2025, 6, 11),
        rationale="평가 근거가 부족하다.",
        is_correction=True,
        correction_note="정정메모입니다",
    )
    assert "정정메모입니다" in client.get("/corrections/").content.decode()
    html = client.get("/methodology/").content.decode()
    assert "검증 불가" in html and "÷" in html
