"""Ingestion services: URLs, fetching safely, decoding, extraction, exactly-once storage."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from pledges import ingest
from pledges.demo_data import DEMO_DIR
from pledges.models import Article, Evidence, ReviewState, Source
from pledges.tests.http_fixture import LocalServer, Response, atom_feed, html_page, rss_feed

AI_CENTER = [
    "광주시가 국가AI컴퓨팅센터 유치를 위해 정부와 협의를 이어가고 있다고 9일 밝혔다.",
    "광주시는 첨단3지구 인공지능 집적단지에 초고성능 GPU 5만 장 규모의 시설을 갖추겠다는 계획을 내놓았다.",
    "시 관계자는 국가AI컴퓨팅센터가 들어서면 지역 인공지능 기업의 연산 자원 부족이 해소될 것이라고 말했다.",
    "다만 2조 원이 넘는 투자비와 불확실한 수익성은 대기업 참여의 걸림돌로 꼽힌다.",
]
WEATHER = [
    "기상청은 10일 전국이 대체로 맑겠으나 오후 한때 남부지방에 소나기가 내리겠다고 예보했다.",
    "낮 최고기온은 26도에서 31도로 평년보다 조금 높겠고 자외선 지수도 높겠다.",
    "기상청은 건강 관리와 농작물 관리에 유의해 달라고 당부했다.",
]
SHORT_PAGE = """광주시 AI 실증밸리 예산 확보 총력
국비 지원 건의
광주시는 AX 실증밸리 조성을 위해 국비 확보에 나섰다고 10일 밝혔다.
시는 2029년까지 모두 9000억 원을 들여 첨단3지구에 실증 시설을 짓는다.
/김민수기자 kim@example.org
전남 해안 관광객 늘어
여름 성수기 앞두고
전남 해안 관광지를 찾는 관광객이 지난해보다 크게 늘었다.
도는 숙박 시설 점검에 나섰다.
/이영희기자 lee@example.org
"""


@pytest.fixture
def allow_private(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = True
    settings.INGEST_TIMEOUT_SECONDS = 2.0
    return settings


# --- canonical URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM:443/a?b=2&a=1#top", "https://news.example.com/a?a=1&b=2"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        (
            "https://e.kr/n?id=7&utm_source=fb&utm_medium=s&fbclid=AB&gclid=C&ref=home",
            "https://e.kr/n?id=7&ref=home",
        ),
        ("https://user:pw@e.kr/a", "https://e.kr/a"),
        ("https://e.kr/기사/1?q=한글", "https://e.kr/%EA%B8%B0%EC%82%AC/1?q=%ED%95%9C%EA%B8%80"),
        ("https://e.kr/%ea%b8%b0", "https://e.kr/%EA%B8%B0"),
    ],
)
def test_canonical_url_has_one_spelling(url, expected):
    assert ingest.canonicalize_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://e.kr/a", "javascript:alert(1)", "file:///etc/passwd", ""])
def test_canonical_url_refuses_other_schemes(url):
    with pytest.raises(ValueError):
        ingest.canonicalize_url(url)


# --- decoding ---------------------------------------------------------------------------------

HANGUL = "광주시는 국가AI컴퓨팅센터 유치에 나섰다. 똠방각하 햏 뷁"  # 똠 햏 뷁: CP949-only syllables


def test_euc_kr_page_with_meta_decodes_to_hangul():
    raw = f'<html><head><meta charset="euc-kr"></head><body>{HANGUL}</body></html>'.encode("cp949")
    text, codec = ingest.decode_bytes(raw)
    assert HANGUL in text
    assert codec == "cp949"


def test_euc_kr_header_charset_wins_and_decodes_cp949_extensions():
    raw = f"<html><body>{HANGUL}</body></html>".encode("cp949")
    text, _ = ingest.decode_bytes(raw, "EUC-KR")
    assert HANGUL in text


def test_undeclared_euc_kr_is_detected():
    raw = f"<html><body>{HANGUL} {' '.join(AI_CENTER)}</body></html>".encode("cp949")
    text, _ = ingest.decode_bytes(raw)
    assert HANGUL in text


def test_latin1_header_yields_to_page_declaration():
    raw = f'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">{HANGUL}'.encode(
        "cp949"
    )
    text, _ = ingest.decode_bytes(raw, "ISO-8859-1")
    assert HANGUL in text


def test_utf8_bom_wins():
    text, codec = ingest.decode_bytes("\ufeff한글".encode(), "euc-kr")
    assert text == "한글"
    assert codec == "utf-8"


# --- SSRF guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/admin/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
    ],
)
def test_ssrf_guard_refuses_non_public_addresses(settings, url):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ingest.UnsafeURLError):
        ingest.check_url_allowed(url)


def test_fetch_refuses_loopback_without_connecting(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    with LocalServer({"/": Response(b"secret")}) as server:
        with pytest.raises(ingest.UnsafeURLError) as error:
            ingest.fetch(server.url("/"))
        assert error.value.permanent
        assert server.hits == []


def test_redirect_hop_to_private_address_is_refused(settings, monkeypatch):
    """Each hop is checked: a public page may not bounce the fetcher to an internal address."""
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(ingest, "_address_is_public", lambda address: address == "127.0.0.1")
    with LocalServer() as server:
        port = server.server_address[1]
        server.routes["/"] = Response(
            status=302, headers={"Location": f"http://127.0.0.2:{port}/internal"}
        )
        server.routes["/internal"] = Response(b"internal")
        with pytest.raises(ingest.UnsafeURLError):
            ingest.fetch(server.url("/"))
        assert server.hits == ["/"]


def test_connected_address_is_checked_too(settings, monkeypatch):
    """DNS rebinding: the address checked before connecting is checked again on the socket."""
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(ingest, "check_url_allowed", lambda url: None)
    with LocalServer({"/": Response(b"secret")}) as server:
        with pytest.raises(ingest.UnsafeURLError):
            ingest.fetch(server.url("/"))
        assert server.hits == []


def test_non_http_url_is_refused():
    with pytest.raises(ingest.UnsafeURLError):
        ingest.fetch("file:///etc/passwd")


# --- fetching ---------------------------------------------------------------------------------


def test_fetch_sends_user_agent_and_follows_redirects(allow_private):
    seen = {}

    def page(handler):
        seen["ua"] = handler.headers["User-Agent"]
        return Response(b"<html>ok</html>", headers={"Content-Type": "text/html"})

    with LocalServer({"/a": Response(status=301, headers={"Location": "/b"}), "/b": page}) as s:
        result = ingest.fetch(s.url("/a"))
    assert result.url.endswith("/b")
    assert result.content == b"<html>ok</html>"
    assert seen["ua"] == allow_private.INGEST_USER_AGENT


def test_redirect_loop_is_a_permanent_error(allow_private):
    routes = {
        "/x": Response(status=302, headers={"Location": "/y"}),
        "/y": Response(status=302, headers={"Location": "/x"}),
    }
    with LocalServer(routes) as server:
        with pytest.raises(ingest.PermanentFetchError, match="redirect loop"):
            ingest.fetch(server.url("/x"))


def test_too_many_redirects_is_a_permanent_error(allow_private):
    allow_private.INGEST_MAX_REDIRECTS = 2
    routes = {f"/{i}": Response(status=302, headers={"Location": f"/{i + 1}"}) for i in range(5)}
    with LocalServer(routes) as server:
        with pytest.raises(ingest.PermanentFetchError, match="redirects"):
            ingest.fetch(server.url("/0"))


def test_declared_size_over_cap_is_refused_before_reading(allow_private):
    allow_private.INGEST_MAX_BYTES = 1000
    with LocalServer({"/big": Response(b"x" * 5000, headers={"Content-Type": "text/html"})}) as s:
        with pytest.raises(ingest.ResponseTooLarge):
            ingest.fetch(s.url("/big"))


def test_streamed_body_over_cap_is_cut_off(allow_private):
    allow_private.INGEST_MAX_BYTES = 1024 * 1024
    big = Response(headers={"Content-Type": "text/html"}, chunked_size=50 * 1024 * 1024)
    with LocalServer({"/stream": big}) as server:
        with pytest.raises(ingest.ResponseTooLarge):
            ingest.fetch(server.url("/stream"))


def test_client_errors_are_permanent_server_errors_transient(allow_private):
    routes = {
        "/gone": Response(b"", 404),
        "/busy": Response(b"", 503),
        "/slow-down": Response(b"", 429),
    }
    with LocalServer(routes) as server:
        with pytest.raises(ingest.FetchError) as gone:
            ingest.fetch(server.url("/gone"))
        with pytest.raises(ingest.FetchError) as busy:
            ingest.fetch(server.url("/busy"))
        with pytest.raises(ingest.FetchError) as slow:
            ingest.fetch(server.url("/slow-down"))
    assert gone.value.permanent and gone.value.status == 404
    assert not busy.value.permanent
    assert not slow.value.permanent


def test_timeout_is_transient(allow_private):
    allow_private.INGEST_TIMEOUT_SECONDS = 0.3
    with LocalServer({"/slow": Response(b"late", delay=1.5)}) as server:
        with pytest.raises(ingest.TransientFetchError):
            ingest.fetch(server.url("/slow"))


def test_connection_refused_is_transient(allow_private):
    with LocalServer() as server:
        url = server.url("/")
    with pytest.raises(ingest.TransientFetchError):
        ingest.fetch(url)


# --- sanitising and extraction ----------------------------------------------------------------


def test_html_to_text_drops_tags_scripts_and_styles():
    dirty = (
        "<p>광주 <b>AI</b> &amp; 데이터</p><script>alert('x')</script><style>p{}</style>끝<br>줄"
    )
    assert ingest.html_to_text(dirty) == "광주 AI & 데이터\n끝\n줄"
    assert ingest.html_to_text("<i>제목</i>\n 둘", single_line=True) == "제목 둘"


def test_extraction_keeps_article_text_and_drops_page_chrome():
    extracted = ingest.extract_article(
        html_page("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER).decode(), url="http://e.kr/1"
    )
    assert extracted.title == "광주 국가AI컴퓨팅센터 유치 총력"
    assert AI_CENTER[0] in extracted.text
    assert "광고 스크립트" not in extracted.text
    assert "무단 전재" not in extracted.text


@pytest.mark.django_db
def test_stored_title_and_body_are_plain_text():
    result = ingest.store_article(
        title="<script>alert(1)</script>광주 <em>AI</em> 센터",
        body="<p>" + "</p><p>".join(AI_CENTER) + "</p><script>steal()</script>",
        url="https://e.kr/a/1",
    )
    article = result.article
    assert article.title == "광주 AI 센터"
    assert "<" not in article.body and "steal" not in article.body
    assert article.normalized_body


# --- exactly-once storage ---------------------------------------------------------------------


@pytest.mark.django_db
def test_same_canonical_url_is_stored_once():
    first = ingest.store_article(title="t", body="\n".join(AI_CENTER), url="https://e.kr/a?id=1")
    again = ingest.store_article(
        title="t2", body="다른 본문입니다.", url="HTTPS://E.KR/a?id=1&utm_source=x#c"
    )
    assert first.created and not again.created
    assert again.reason == "same_url"
    assert again.article.pk == first.article.pk
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_same_text_under_another_url_is_stored_once():
    first = ingest.store_article(title="a", body="\n".join(AI_CENTER), url="https://a.kr/1")
    again = ingest.store_article(title="b", body="\n".join(AI_CENTER), url="https://b.kr/9")
    assert not again.created and again.reason == "same_content"
    assert again.article.pk == first.article.pk


@pytest.mark.django_db
def test_empty_text_is_not_stored():
    with pytest.raises(ingest.ExtractionError):
        ingest.store_article(title="제목", body="<script>x()</script>", url="https://e.kr/e")
    assert not Article.objects.exists()


def _wire_copy(lines):
    return "\n".join(["[연합뉴스 제공]", *lines, "무단 전재 금지. 시험통신 기자"])


@pytest.mark.django_db
def test_wire_copy_under_another_outlet_is_linked_to_the_original(demo_data):
    original = ingest.store_article(
        title="광주, 국가AI컴퓨팅센터 유치 총력",
        body="\n".join(AI_CENTER),
        url="https://a.kr/1",
        outlet="가일보",
        published_at="2025-06-10",
    )
    copy = ingest.store_article(
        title="국가AI컴퓨팅센터 유치 나선 광주",
        body=_wire_copy(AI_CENTER),
        url="https://b.kr/77",
        outlet="나일보",
        published_at="2025-06-10T09:00:00+09:00",
    )
    other = ingest.store_article(
        title="내일 날씨", body="\n".join(WEATHER), url="https://b.kr/78", published_at="2025-06-10"
    )
    assert copy.created and copy.reason == "copy"
    assert copy.article.duplicate_of_id == original.article.pk
    assert other.article.duplicate_of_id is None
    assert ingest.match_stored_article(copy.article.pk) == 0
    assert not Evidence.objects.filter(article=copy.article).exists()
    assert ingest.match_stored_article(original.article.pk) >= 1


@pytest.mark.django_db
def test_copies_stored_at_the_same_moment_are_linked_when_matched(monkeypatch):
    monkeypatch.setattr(ingest, "find_original", lambda **kwargs: None)
    first = ingest.store_article(title="a", body="\n".join(AI_CENTER), url="https://a.kr/1")
    second = ingest.store_article(title="b", body=_wire_copy(AI_CENTER), url="https://b.kr/2")
    monkeypatch.undo()
    assert second.article.duplicate_of_id is None
    ingest.match_stored_article(second.article.pk)
    second.article.refresh_from_db()
    assert second.article.duplicate_of_id == first.article.pk
    ingest.match_stored_article(first.article.pk)
    first.article.refresh_from_db()
    assert first.article.duplicate_of_id is None


def test_similarity_keys_ignore_spacing_and_skip_short_texts():
    text = "\n".join(AI_CENTER)
    assert ingest.similarity_keys(text) == ingest.similarity_keys(text.replace(" ", ""))
    assert ingest.similarity_keys("짧은 글") == []


# --- single URLs ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_url_stores_extracted_text(allow_private):
    page = html_page("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER)
    with LocalServer({"/news/1": Response(page, headers={"Content-Type": "text/html"})}) as s:
        result = ingest.ingest_url(s.url("/news/1?utm_campaign=x"))
    article = result.article
    assert result.created
    assert article.title == "광주 국가AI컴퓨팅센터 유치 총력"
    assert AI_CENTER[1] in article.body
    assert "광고 스크립트" not in article.body
    assert article.canonical_url == s.url("/news/1")
    assert article.outlet == "127.0.0.1"


@pytest.mark.django_db
def test_euc_kr_article_page_is_stored_as_correct_hangul(allow_private):
    lines = [*AI_CENTER, HANGUL]
    page = html_page("광주 뷁 센터", lines, charset="euc-kr")
    headers = {"Content-Type": "text/html; charset=EUC-KR"}
    with LocalServer({"/euc": Response(page, headers=headers)}) as server:
        article = ingest.ingest_url(server.url("/euc")).article
    assert article.title == "광주 뷁 센터"
    assert HANGUL in article.body


@pytest.mark.django_db
def test_known_url_is_not_fetched_again(allow_private):
    page = html_page("제목", AI_CENTER)
    with LocalServer({"/1": Response(page, headers={"Content-Type": "text/html"})}) as server:
        first = ingest.ingest_url(server.url("/1"))
        again = ingest.ingest_url(server.url("/1#comments"))
    assert again.article.pk == first.article.pk and not again.created
    assert server.hits == ["/1"]


@pytest.mark.django_db
def test_non_html_body_is_refused(allow_private):
    pdf = Response(b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    with LocalServer({"/doc.pdf": pdf}) as server:
        with pytest.raises(ingest.UnsupportedContent):
            ingest.ingest_url(server.url("/doc.pdf"))
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_feed_summary_is_the_fallback_text(allow_private):
    empty = Response(
        b"<html><body><div id='app'></div></body></html>", headers={"Content-Type": "text/html"}
    )
    hints = {"title": "피드 제목", "summary": "<p>" + " ".join(AI_CENTER) + "</p>"}
    with LocalServer({"/spa": empty}) as server:
        article = ingest.ingest_url(server.url("/spa"), hints=hints).article
    assert article.title == "피드 제목"
    assert AI_CENTER[0] in article.body


# --- feeds ------------------------------------------------------------------------------------


def _items(server, paths):
    return [{"title": f"기사 {p}", "link": server.url(p), "summary": "요약"} for p in paths]


def test_rss_and_atom_feeds_are_parsed():
    rss = ingest.parse_feed(
        rss_feed("가일보", [{"title": "<b>하나</b>", "link": "http://e.kr/1?utm_source=rss"}])
    )
    atom = ingest.parse_feed(
        atom_feed("나일보", [{"title": "둘", "link": "/2"}]), url="http://n.kr/f"
    )
    assert rss.title == "가일보"
    assert rss.entries[0].title == "하나"
    assert rss.entries[0].published.startswith("2025-06-09T20:00")
    assert atom.entries[0].url == "http://n.kr/2"


@pytest.mark.parametrize("body", [b"<rss><channel><item><title>x</title", b"just text", b""])
def test_malformed_feed_is_a_feed_error(body):
    with pytest.raises(ingest.FeedError):
        ingest.parse_feed(body)


@pytest.mark.django_db
def test_feed_poll_uses_conditional_requests(allow_private):
    state = {"conditional": []}

    def feed(handler):
        state["conditional"].append(handler.headers.get("If-None-Match"))
        if handler.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        body = rss_feed("가일보", [{"title": "하나", "link": "http://e.kr/1"}])
        return Response(body, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})

    with LocalServer({"/feed": feed}) as server:
        source = Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        first = ingest.poll_source(source.pk)
        second = ingest.poll_source(source.pk)
    source.refresh_from_db()
    assert len(first.new_entries) == 1 and not first.not_modified
    assert second.not_modified
    assert state["conditional"] == [None, '"v1"']
    assert source.etag == '"v1"'
    assert source.last_success_at is not None


@pytest.mark.django_db
def test_failing_feed_backs_off_and_is_never_dropped(allow_private):
    with LocalServer({"/feed": Response(b"oops", 500)}) as server:
        source = Source.objects.create(
            name="가일보", kind="feed", feed_url=server.url("/feed"), poll_interval_minutes=10
        )
        for _ in range(3):
            poll = ingest.poll_source(source.pk)
            assert poll.error is not None
    source.refresh_from_db()
    assert source.consecutive_failures == 3
    assert "HTTP 500" in source.last_error
    assert source.last_error.count("\n") == 2  # three errors, newest first
    assert source.is_active
    delay = source.next_poll_at - source.last_error_at
    assert dt.timedelta(minutes=79) < delay <= dt.timedelta(minutes=81)  # 10 min × 2³

    with LocalServer({"/feed": Response(rss_feed("가일보", []))}) as server:
        Source.objects.filter(pk=source.pk).update(feed_url=server.url("/feed"))
        ingest.poll_source(source.pk)
    source.refresh_from_db()
    assert source.consecutive_failures == 0
    assert source.next_poll_at > timezone.now() + dt.timedelta(minutes=9)


@pytest.mark.django_db
def test_due_sources_are_claimed_once():
    due = Source.objects.create(name="a", kind="feed", feed_url="http://a.kr/feed")
    Source.objects.create(
        name="b",
        kind="feed",
        feed_url="http://b.kr/feed",
        next_poll_at=timezone.now() + dt.timedelta(hours=1),
    )
    Source.objects.create(name="c", kind="feed", feed_url="http://c.kr/feed", is_active=False)
    assert ingest.claim_due_sources() == [due.pk]
    assert ingest.claim_due_sources() == []


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_is_split_into_articles_with_outlet_and_date():
    results = ingest.ingest_page(text=SHORT_PAGE, outlet="시험일보", published="2025-06-10")
    assert [r.created for r in results] == [True, True]
    first = results[0].article
    assert first.title.startswith("광주시 AI 실증밸리")
    assert first.outlet == "시험일보" and first.source.kind == Source.Kind.PRINT
    assert first.canonical_url is None
    assert first.byline == "김민수"
    assert first.published_at.astimezone(ingest.SEOUL).date() == dt.date(2025, 6, 10)
    again = ingest.ingest_page(text=SHORT_PAGE, outlet="시험일보", published="2025-06-10")
    assert not any(r.created for r in again)
    assert Article.objects.count() == 2


SEED_PAGE = DEMO_DIR / "kwangju_ilbo_2025-06-10_p2.txt"


@pytest.mark.django_db
def test_seed_page_reuses_the_demo_article_and_leaves_its_review_alone(demo_data):
    seed = demo_data.article
    confirmed = set(Evidence.objects.filter(article=seed).values_list("pk", "state"))
    results = ingest.ingest_page(
        text=SEED_PAGE.read_text(encoding="utf-8"), outlet="광주일보", published="2025-06-10"
    )
    assert len(results) == 3  # three articles; the photo item is not an article
    assert results[0].article.pk == seed.pk and not results[0].created
    assert all(r.created for r in results[1:])
    for result in results:
        if result.needs_match:
            ingest.match_stored_article(result.article.pk)
    assert set(Evidence.objects.filter(article=seed).values_list("pk", "state")) == confirmed
    assert not Evidence.objects.filter(article__in=[r.article for r in results[1:]]).exists()


@pytest.mark.django_db
def test_seed_page_first_article_is_suggested_for_the_gwangju_pledges(demo_data):
    Article.objects.filter(pk=demo_data.article.pk).delete()  # as if the page arrived fresh
    results = ingest.ingest_page(
        text=SEED_PAGE.read_text(encoding="utf-8"), outlet="광주일보", published="2025-06-10"
    )
    first = results[0].article
    assert results[0].created and first.byline == "정병호"
    assert ingest.match_stored_article(first.pk) >= 2
    suggested = set(
        Evidence.objects.filter(article=first, state=ReviewState.SUGGESTED).values_list(
            "pledge__slug", flat=True
        )
    )
    assert {"national-ai-computing-center", "ax-demonstration-valley"} <= suggested
    assert all(p.startswith(("national-ai", "ax-", "ai-")) for p in suggested)


# --- bulk import ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_import_stores_good_rows_and_reports_bad_ones():
    rows = [
        "url,title,text,published,outlet",
        f"https://a.kr/1,광주 AI,{' '.join(AI_CENTER)},2025-06-10,가일보",
        f"https://a.kr/2,날씨,{' '.join(WEATHER)},2025.06.11 09:30,",
        "https://a.kr/3,빈 기사,,2025-06-10,가일보",
        "https://a.kr/4,날짜 오류,본문이 있다,어제,가일보",
        "ftp://a.kr/5,주소 오류,본문이 있다,2025-06-10,가일보",
        f"https://a.kr/1?utm_source=x,중복,{' '.join(AI_CENTER)},2025-06-10,가일보",
    ]
    report = ingest.import_articles(("\n".join(rows) + "\n").encode("cp949"), outlet="기본일보")
    assert report.rows == 6
    assert [e.line for e in report.errors] == [4, 5, 6]
    assert "no text" in report.errors[0].reason
    assert "빈 기사" in report.errors[0].raw
    assert [r.reason for r in report.results] == ["new", "new", "same_url"]
    weather = report.results[1].article
    assert weather.outlet == "기본일보"
    assert weather.published_at == dt.datetime(2025, 6, 11, 9, 30, tzinfo=ingest.SEOUL)


@pytest.mark.django_db
def test_jsonl_import_reports_invalid_lines_and_keeps_the_rest():
    lines = [
        json.dumps({"url": "https://a.kr/1", "title": "하나", "text": "\n".join(AI_CENTER)}),
        "{not json",
        "",
        json.dumps(["a list"]),
        json.dumps({"title": "둘", "text": "\n".join(WEATHER), "published": "2025-06-10"}),
    ]
    report = ingest.import_articles("\n".join(lines).encode())
    assert [(e.line, e.reason.split(" ")[0]) for e in report.errors] == [(2, "invalid"), (4, "not")]
    assert len(report.results) == 2
    assert report.results[1].article.canonical_url is None


# --- commands ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_feed_command_prints_a_summary(allow_private, demo_data, capsys):
    routes = {
        "/a/1": Response(html_page("광주 국가AI컴퓨팅센터 유치 총력", AI_CENTER)),
        "/a/2": Response(html_page("내일 날씨", WEATHER)),
        "/a/3": Response(b"", 500),
    }
    for route in routes.values():
        route.headers.setdefault("Content-Type", "text/html")
    with LocalServer(routes) as server:
        server.routes["/feed"] = Response(
            rss_feed("가일보", _items(server, ["/a/1", "/a/2", "/a/3"]))
        )
        call_command("ingest_feed", server.url("/feed"), "--name", "가일보")
        out = capsys.readouterr()
        assert "fetched 2, new 2, duplicate 0 (+0 wire copies), failed 1, matched 1" in out.out
        call_command("ingest_feed", server.url("/feed"))
    out = capsys.readouterr()
    assert "fetched 0, new 0, duplicate 2" in out.out
    source = Source.objects.get(name="가일보")
    assert "/a/3" in source.last_error


@pytest.mark.django_db
def test_import_and_page_commands(tmp_path: Path, capsys):
    page = tmp_path / "page.txt"
    page.write_text(SHORT_PAGE, encoding="utf-8")
    call_command("ingest_page", str(page), "--outlet", "시험일보", "--published", "2025-06-10")
    assert "new 2" in capsys.readouterr().out
    data = tmp_path / "a.jsonl"
    data.write_text(json.dumps({"title": "t", "text": "\n".join(WEATHER)}) + "\n{bad\n")
    rejects = tmp_path / "rejects.jsonl"
    call_command("import_articles", str(data), "--rejects", str(rejects))
    out = capsys.readouterr()
    assert "new 1" in out.out and "failed 1" in out.out
    assert json.loads(rejects.read_text())["line"] == 2


@pytest.mark.django_db
def test_rematch_and_fetch_sources_commands(demo_data, allow_private, capsys):
    ingest.store_article(title="광주 AI", body="\n".join(AI_CENTER), url="https://a.kr/1")
    call_command("rematch", "--pledge", "national-ai-computing-center", "--all")
    assert "matched 1" in capsys.readouterr().out
    with LocalServer({"/feed": Response(rss_feed("가일보", []))}) as server:
        Source.objects.create(name="가일보", kind="feed", feed_url=server.url("/feed"))
        call_command("fetch_sources")
        assert "1 feed(s) to poll" in capsys.readouterr().out
        call_command("fetch_sources")
        assert "0 feed(s) to poll" in capsys.readouterr().out
    assert server.hits == ["/feed"]


@pytest.mark.django_db
def test_a_wire_copy_of_the_demo_article_is_linked_to_it(demo_data):
    seed = demo_data.article
    copy_text = seed.body.replace("정병호", "연합뉴스") + "\n(연합뉴스 제공)"
    result = ingest.store_article(
        title=seed.title,
        body=copy_text,
        url="https://wire.example.org/1",
        outlet="통신사",
        published_at=seed.published_at,
    )
    assert result.article.duplicate_of_id == seed.pk
    assert result.reason == "copy"


@pytest.mark.django_db
def test_commands_file_articles_under_a_named_source_and_refuse_unknown_ones(tmp_path: Path):
    from django.core.management.base import CommandError

    data = tmp_path / "a.jsonl"
    data.write_text(json.dumps({"title": "t", "text": "\n".join(WEATHER)}) + "\n")
    with pytest.raises(CommandError, match="No source named '없는일보'"):
        call_command("import_articles", str(data), "--source", "없는일보")
    with pytest.raises(CommandError, match="No source named"):
        call_command("ingest_url", "https://news.example.org/1", "--source", "없는일보")
    source = Source.objects.create(name="시험일보")
    call_command("import_articles", str(data), "--source", "시험일보")
    assert Article.objects.get().source == source
